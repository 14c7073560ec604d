package dataset

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/internal/hdf5"
)

// formats is the project's copy of shared/testdata/formats: files in the
// real formats written by other tools.
var formats = filepath.Join("..", "testdata", "formats")

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// check verifies the Events invariants of sample i of d.
func check(t *testing.T, d Dataset, i int) Events {
	t.Helper()
	ev, err := d.Sample(i)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Ptr) != d.Steps()+1 || ev.Ptr[0] != 0 || int(ev.Ptr[d.Steps()]) != len(ev.Idx) {
		t.Fatalf("%s sample %d: Ptr %v…, %d events", d.Name(), i, ev.Ptr[:min(5, len(ev.Ptr))], len(ev.Idx))
	}
	for s := range d.Steps() {
		row := ev.Idx[ev.Ptr[s]:ev.Ptr[s+1]]
		for k, c := range row {
			if c < 0 || int(c) >= d.Channels() || k > 0 && row[k-1] >= c {
				t.Fatalf("%s sample %d step %d: channels %v", d.Name(), i, s, row)
			}
		}
	}
	if l := d.Label(i); l < 0 || l >= d.Classes() {
		t.Fatalf("%s sample %d: label %d of %d classes", d.Name(), i, l, d.Classes())
	}
	return ev
}

// pairs lists the (step, channel) events of ev.
func pairs(ev Events) [][2]int {
	var p [][2]int
	for s := 0; s+1 < len(ev.Ptr); s++ {
		for _, c := range ev.Idx[ev.Ptr[s]:ev.Ptr[s+1]] {
			p = append(p, [2]int{s, int(c)})
		}
	}
	return p
}

func TestStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const steps, chans = 50, 300
	st := newStore(steps, chans)
	var want []Events
	for i := range 40 {
		n := rng.IntN(400)
		if i == 3 {
			n = 0
		}
		keys := make([]uint64, n)
		for k := range keys {
			keys[k] = uint64(rng.IntN(steps))*chans + uint64(rng.IntN(chans))
		}
		want = append(want, eventsFromKeys(slices.Clone(keys), steps, chans))
		st.add(i%7, keys)
	}
	d := &memDataset{name: "test", dt: 1, classes: 7, st: st}
	var total int64
	for i := range want {
		ev := check(t, d, i)
		if !slices.Equal(ev.Ptr, want[i].Ptr) || !slices.Equal(ev.Idx, want[i].Idx) {
			t.Fatalf("sample %d differs", i)
		}
		total += int64(len(ev.Idx))
	}
	if st.events != total {
		t.Errorf("store counts %d events, samples hold %d", st.events, total)
	}
	if ev := check(t, d, 3); len(ev.Idx) != 0 {
		t.Errorf("empty sample has %d events", len(ev.Idx))
	}
	if _, err := d.Sample(40); err == nil {
		t.Error("sample out of range: no error")
	}
	// Repeats count once.
	ev := eventsFromKeys([]uint64{2*chans + 5, 5, 2*chans + 5, 2*chans + 1}, steps, chans)
	if got := pairs(ev); !slices.Equal(got, [][2]int{{0, 5}, {2, 1}, {2, 5}}) {
		t.Errorf("eventsFromKeys: %v", got)
	}
	// Limit subsets keep the data.
	l := limited(d, 10)
	if l.Len() != 10 {
		t.Fatalf("limited: %d samples", l.Len())
	}
	for k, i := range subset(40, 10) {
		a, b := check(t, l, k), check(t, d, i)
		if !slices.Equal(a.Idx, b.Idx) || l.Label(k) != d.Label(i) {
			t.Errorf("limited sample %d is not sample %d", k, i)
		}
	}
}

func TestSubset(t *testing.T) {
	if got := subset(10, 0); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("subset(10, 0) = %v", got)
	}
	if got := subset(10, 4); !slices.Equal(got, []int{0, 2, 5, 7}) {
		t.Errorf("subset(10, 4) = %v", got)
	}
	if got := subset(3, 5); len(got) != 3 {
		t.Errorf("subset(3, 5) = %v", got)
	}
}

// fake is a Dataset of given Events.
type fake struct {
	ev     []Events
	labels []int
	steps  int
}

func (f fake) Name() string                 { return "fake" }
func (f fake) Len() int                     { return len(f.ev) }
func (f fake) Channels() int                { return 4 }
func (f fake) Steps() int                   { return f.steps }
func (f fake) Classes() int                 { return 3 }
func (f fake) Label(i int) int              { return f.labels[i] }
func (f fake) Sample(i int) (Events, error) { return f.ev[i], nil }

func TestBatch(t *testing.T) {
	d := fake{steps: 3, labels: []int{2, 0, 1}, ev: []Events{
		{Ptr: []int32{0, 2, 2, 3}, Idx: []int32{0, 3, 1}},
		{Ptr: []int32{0, 0, 0, 0}, Idx: nil},
		{Ptr: []int32{0, 1, 2, 3}, Idx: []int32{2, 2, 0}},
	}}
	s, labels, err := Batch(d, []int{2, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.B != 3 || s.T != 3 || s.N != 4 || !slices.Equal(labels, []int{1, 2, 0}) {
		t.Fatalf("batch %d×%d×%d, labels %v", s.B, s.T, s.N, labels)
	}
	x := s.Dense()
	want := map[[3]int]bool{{0, 0, 2}: true, {0, 1, 2}: true, {0, 2, 0}: true, {1, 0, 0}: true, {1, 0, 3}: true, {1, 2, 1}: true}
	for b := range 3 {
		for tt := range 3 {
			for c := range 4 {
				v := x.Data[(b*3+tt)*4+c]
				if (v == 1) != want[[3]int{b, tt, c}] || v != 0 && v != 1 {
					t.Errorf("batch[%d][%d][%d] = %v", b, tt, c, v)
				}
			}
		}
	}
	if s.NNZ() != 6 || !s.Binary() {
		t.Errorf("nnz %d, binary %v", s.NNZ(), s.Binary())
	}
	d.ev[1] = Events{Ptr: []int32{0, 0}}
	_, _, err = Batch(d, []int{1})
	wantErr(t, err, "sample 1", "1 steps, want 3")
}

func TestChanceLevel(t *testing.T) {
	d := fake{labels: []int{0, 1, 1, 2}, ev: make([]Events, 4)}
	if got := ChanceLevel(d); got != 0.5 {
		t.Errorf("ChanceLevel = %v, want 0.5", got)
	}
	if got := ChanceLevel(fake{}); got != 1.0/3 {
		t.Errorf("ChanceLevel of empty = %v, want 1/3", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load("cifar", dir, Options{})
	wantErr(t, err, `"cifar"`, "randman, mnist, shd, ssc, nmnist")
	_, err = Load("randman", "", Options{DT: -1})
	wantErr(t, err, "DT -1")
	_, err = Load("mnist", "", Options{Steps: -3})
	wantErr(t, err, "-3 steps")
	_, err = Load("nmnist", "", Options{Limit: -1})
	wantErr(t, err, "limit -1")

	_, err = Load("shd", dir, Options{})
	wantErr(t, err, "shd_train.h5", dir, "https://zenkelab.org/datasets", "gunzip")
	_, err = Load("ssc", dir, Options{})
	wantErr(t, err, "ssc_train.h5", dir, "https://zenkelab.org/datasets")
	_, err = Load("shd", "", Options{})
	wantErr(t, err, "no directory", "https://zenkelab.org/datasets")
	os.WriteFile(filepath.Join(dir, "shd_train.h5.gz"), []byte{0x1f, 0x8b}, 0o644)
	_, err = Load("shd", dir, Options{})
	wantErr(t, err, "shd_train.h5.gz: gunzip it first")

	if !hdf5.Available {
		os.WriteFile(filepath.Join(dir, "shd_train.h5"), nil, 0o644)
		os.WriteFile(filepath.Join(dir, "shd_test.h5"), nil, 0o644)
		_, err = Load("shd", dir, Options{})
		wantErr(t, err, "shd_train.h5", "built without cgo: HDF5 files need the C library")
	}

	_, err = Load("nmnist", dir, Options{})
	wantErr(t, err, "Train", dir, "https://www.garrickorchard.com/datasets/n-mnist")
	_, err = Load("nmnist", "", Options{})
	wantErr(t, err, "no directory", "https://www.garrickorchard.com/datasets/n-mnist")
	os.MkdirAll(filepath.Join(dir, "Train", "3"), 0o755)
	_, err = Load("nmnist", dir, Options{})
	wantErr(t, err, "no .bin files", filepath.Join(dir, "Train"))

	if !slices.Contains(Names(), Default) {
		t.Errorf("Default %q is not among Names() %v", Default, Names())
	}
}

func TestDefaults(t *testing.T) {
	for _, c := range []struct {
		name      string
		in        Options
		dt        float64
		steps     int
		wantLimit int
	}{
		{"shd", Options{}, 2, 600, 0},
		{"ssc", Options{DT: 4}, 4, 300, 0},
		{"nmnist", Options{}, 1, 400, 0},
		{"nmnist", Options{DT: 3}, 3, 134, 0},
		{"mnist", Options{}, 1, 100, 0},
		{"randman", Options{Steps: 50, Limit: 7}, 1, 50, 7},
		{"randman", Options{DT: 2}, 2, 100, 0},
	} {
		o, err := withDefaults(c.name, c.in)
		if err != nil || o.DT != c.dt || o.Steps != c.steps || o.Limit != c.wantLimit {
			t.Errorf("%s %+v: %+v %v", c.name, c.in, o, err)
		}
	}
}
