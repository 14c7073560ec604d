package dataset

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/internal/hdf5"
	"github.com/blocks-snn/blocks/internal/hdf5/hdf5test"
)

func needHDF5(t *testing.T) {
	t.Helper()
	if !hdf5.Available {
		t.Skip("built without cgo: no HDF5")
	}
}

type shdExpect struct {
	Label       int         `json:"label"`
	Events      int         `json:"events"`
	In600       int         `json:"events_in_first_600_bins_at_2ms"`
	FirstEvents [][]float64 `json:"first_events"`
}

func readExpected(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(formats, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The h5py-written files of testdata/formats against expected.json.
func TestSHDFormats(t *testing.T) {
	needHDF5(t)
	exp := readExpected(t)
	for _, file := range []string{"shd_tiny_float16.h5", "shd_tiny_float32.h5"} {
		var want []shdExpect
		if err := json.Unmarshal(exp[file], &want); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(formats, file)
		d, err := OpenSHD(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != len(want) || d.Channels() != 700 || d.Steps() != 600 || d.Classes() != 20 || DT(d) != 2 {
			t.Fatalf("%s: %d samples, %d channels, %d steps, %d classes, DT %v", file, d.Len(), d.Channels(), d.Steps(), d.Classes(), DT(d))
		}
		// The raw events, to count what binning keeps.
		f, err := hdf5.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		toff, times, err := f.ReadVLenFloat64("spikes/times", 0, d.Len())
		if err != nil {
			t.Fatal(err)
		}
		_, units, err := f.ReadVLenInt64("spikes/units", 0, d.Len())
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		dropped := 0
		for i, w := range want {
			ev := check(t, d, i)
			if d.Label(i) != w.Label {
				t.Errorf("%s sample %d: label %d, want %d", file, i, d.Label(i), w.Label)
			}
			if n := toff[i+1] - toff[i]; n != w.Events {
				t.Errorf("%s sample %d: %d events, want %d", file, i, n, w.Events)
			}
			kept := map[[2]int]bool{}
			in600 := 0
			for k := toff[i]; k < toff[i+1]; k++ {
				if s := shdStep(times[k], 2); s < 600 {
					in600++
					kept[[2]int{int(s), int(units[k])}] = true
				}
			}
			if in600 != w.In600 {
				t.Errorf("%s sample %d: %d events in 600 steps of 2 ms, want %d", file, i, in600, w.In600)
			}
			dropped += w.Events - w.In600
			got := pairs(ev)
			if len(got) != len(kept) {
				t.Errorf("%s sample %d: %d binned events, want %d distinct", file, i, len(got), len(kept))
			}
			for _, p := range got {
				if !kept[p] {
					t.Errorf("%s sample %d: unexpected event %v", file, i, p)
				}
			}
			for k, fe := range w.FirstEvents {
				unit, tm := int(fe[0]), fe[1]
				if int(units[toff[i]+k]) != unit || float32(times[toff[i]+k]) != float32(tm) {
					t.Errorf("%s sample %d event %d: (%d, %v), want (%d, %v)", file, i, k, units[toff[i]+k], times[toff[i]+k], unit, tm)
				}
				s := int(math.RoundToEven(tm * 500))
				if !slices.Contains(ev.Idx[ev.Ptr[s]:ev.Ptr[s+1]], int32(unit)) {
					t.Errorf("%s sample %d: no event of unit %d at step %d", file, i, unit, s)
				}
			}
		}
		if len(pairs(check(t, d, 4))) != 0 {
			t.Errorf("%s: sample 4 has events", file)
		}
		if dropped == 0 {
			t.Errorf("%s: no event after 1.2 s was dropped", file)
		}
		// At 1 ms, 1200 steps cover the same time.
		d1, err := OpenSHD(path, Options{DT: 1})
		if err != nil {
			t.Fatal(err)
		}
		if d1.Steps() != 1200 {
			t.Errorf("%s at DT 1: %d steps", file, d1.Steps())
		}
	}
	// Load finds the files under their real names.
	dir := t.TempDir()
	for part, src := range map[string]string{"train": "shd_tiny_float16.h5", "test": "shd_tiny_float32.h5"} {
		b, _ := os.ReadFile(filepath.Join(formats, src))
		os.WriteFile(filepath.Join(dir, "shd_"+part+".h5"), b, 0o644)
	}
	s, err := Load("shd", dir, Options{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Name() != "shd/train" || s.Train.Len() != 3 || s.Test.Len() != 3 || s.Train.Label(1) != 19 {
		t.Errorf("Load: %s %d, %s %d, label %d", s.Train.Name(), s.Train.Len(), s.Test.Name(), s.Test.Len(), s.Train.Label(1))
	}
	if _, _, err := Batch(s.Train, []int{0, 1, 2}); err != nil {
		t.Error(err)
	}
}

type shdFile struct {
	timeType, unitType hdf5test.Type
	times, units       [][]float64
	labels             []float64
	skip               string // a dataset not to write
	labelCount         int    // labels written, if not all
}

func writeSHD(t *testing.T, path string, f shdFile) {
	t.Helper()
	w, err := hdf5test.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.skip != "spikes/times" {
		if err := w.WriteVLen("spikes/times", f.timeType, f.times); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteVLen("spikes/units", f.unitType, f.units); err != nil {
		t.Fatal(err)
	}
	labels := f.labels
	if f.labelCount > 0 {
		labels = labels[:f.labelCount]
	}
	if err := w.Write("labels", hdf5test.U16, labels); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("extra/speaker", hdf5test.U16, make([]float64, len(labels))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// Files the test writes in the SHD layout, with every time width.
func TestSHDWritten(t *testing.T) {
	needHDF5(t)
	dir := t.TempDir()
	times := [][]float64{
		{0, 0.0009, 0.0011, 0.0030, 0.0031, 1.1989, 1.1990, 1.5},
		{},
		{0.25, 0.25, 0.25},
		{0.1},
	}
	units := [][]float64{
		{0, 1, 1, 699, 699, 5, 6, 7},
		{},
		{10, 10, 11},
		{3},
	}
	for _, tt := range []hdf5test.Type{hdf5test.F16, hdf5test.F32, hdf5test.F64} {
		for _, ut := range []hdf5test.Type{hdf5test.U16, hdf5test.U8, hdf5test.I32, hdf5test.I64} {
			if ut == hdf5test.U8 {
				continue // unit 699 does not fit
			}
			writeSHD(t, filepath.Join(dir, "shd_train.h5"), shdFile{timeType: tt, unitType: ut, times: times, units: units, labels: []float64{1, 0, 19, 4}})
			writeSHD(t, filepath.Join(dir, "shd_test.h5"), shdFile{timeType: tt, unitType: ut, times: times[:2], units: units[:2], labels: []float64{24, 2}})
			s, err := Load("shd", dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Train.Classes() != 25 || s.Test.Classes() != 25 {
				t.Errorf("classes %d and %d, want 25 (largest label + 1)", s.Train.Classes(), s.Test.Classes())
			}
			// Steps of 2 ms, rounded: 0.9 ms → 0, 1.1 ms → 1 (round(0.55)),
			// 3.0 ms → 2 (round(1.5), to even), 3.1 ms → 2, 1198.9 ms →
			// 599, 1199.0 ms → 600 (dropped at 600 steps), 1.5 s dropped.
			want := [][2]int{{0, 0}, {0, 1}, {1, 1}, {2, 699}, {599, 5}}
			if tt == hdf5test.F16 {
				// In float16, 1.1989 s is 1.19921875 s: step 600.
				want = want[:4]
			}
			if got := pairs(check(t, s.Train, 0)); !slices.Equal(got, want) {
				t.Errorf("times %v, units %v: sample 0 %v, want %v", tt, ut, got, want)
			}
			if got := pairs(check(t, s.Train, 1)); len(got) != 0 {
				t.Errorf("empty sample: %v", got)
			}
			if got := pairs(check(t, s.Train, 2)); !slices.Equal(got, [][2]int{{125, 10}, {125, 11}}) {
				t.Errorf("repeats: %v", got)
			}
			if s.Train.Label(2) != 19 || s.Test.Label(0) != 24 {
				t.Errorf("labels %d, %d", s.Train.Label(2), s.Test.Label(0))
			}
		}
	}

	// SSC: 35 classes.
	writeSHD(t, filepath.Join(dir, "ssc_train.h5"), shdFile{timeType: hdf5test.F32, unitType: hdf5test.U16, times: times, units: units, labels: []float64{1, 0, 34, 4}})
	writeSHD(t, filepath.Join(dir, "ssc_test.h5"), shdFile{timeType: hdf5test.F32, unitType: hdf5test.U16, times: times, units: units, labels: []float64{1, 0, 3, 4}})
	s, err := Load("ssc", dir, Options{DT: 4, Steps: 100, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Classes() != 35 || s.Train.Steps() != 100 || s.Train.Len() != 2 || s.Train.Label(1) != 34 || s.Test.Name() != "ssc/test" {
		t.Errorf("ssc: %d classes, %d steps, %d samples, label %d", s.Train.Classes(), s.Train.Steps(), s.Train.Len(), s.Train.Label(1))
	}
	// 250 ms / 4 ms = 62.5: ties go to even.
	if got := pairs(check(t, s.Train, 1)); !slices.Equal(got, [][2]int{{62, 10}, {62, 11}}) {
		t.Errorf("ssc at 4 ms, Limit 2: sample 1 is %v", got)
	}
}

func TestSHDCorrupt(t *testing.T) {
	needHDF5(t)
	dir := t.TempDir()
	good := shdFile{
		timeType: hdf5test.F32, unitType: hdf5test.U16,
		times:  [][]float64{{0.1, 0.2}, {0.3}, {0.4, 0.5}},
		units:  [][]float64{{1, 2}, {3}, {4, 5}},
		labels: []float64{0, 1, 2},
	}
	for _, c := range []struct {
		name  string
		edit  func(f *shdFile)
		parts []string
	}{
		{"unit", func(f *shdFile) { f.units[2][1] = 700 }, []string{"sample 2", "unit 700 out of range [0, 700)"}},
		{"negunit", func(f *shdFile) { f.unitType = hdf5test.I32; f.units[1][0] = -1 }, []string{"sample 1", "unit -1"}},
		{"length", func(f *shdFile) { f.units[1] = []float64{3, 4} }, []string{"sample 1", "1 spike times but 2 units"}},
		{"negative", func(f *shdFile) { f.times[2][0] = -0.001 }, []string{"sample 2", "time -0.001", "≥ 0"}},
		{"nan", func(f *shdFile) { f.times[0][1] = math.NaN() }, []string{"sample 0", "time NaN"}},
		{"inf", func(f *shdFile) { f.timeType = hdf5test.F16; f.times[1][0] = 1e6 }, []string{"sample 1", "time +Inf"}},
		{"labels", func(f *shdFile) { f.labelCount = 2 }, []string{`"spikes/times" has 3 samples, labels has 2`}},
		{"notimes", func(f *shdFile) { f.skip = "spikes/times" }, []string{`"spikes/times"`}},
		{"floatunits", func(f *shdFile) { f.unitType = hdf5test.F32 }, []string{`"spikes/units"`, "want integers"}},
	} {
		f := good
		f.times = [][]float64{slices.Clone(good.times[0]), slices.Clone(good.times[1]), slices.Clone(good.times[2])}
		f.units = [][]float64{slices.Clone(good.units[0]), slices.Clone(good.units[1]), slices.Clone(good.units[2])}
		c.edit(&f)
		path := filepath.Join(dir, "shd_"+c.name+".h5")
		writeSHD(t, path, f)
		_, err := OpenSHD(path, Options{})
		wantErr(t, err, append([]string{path}, c.parts...)...)
	}

	// A truncated copy of a real file.
	b, err := os.ReadFile(filepath.Join(formats, "shd_tiny_float16.h5"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 100, 4000, len(b) - 1} {
		path := filepath.Join(dir, "shd_train.h5")
		os.WriteFile(path, b[:n], 0o644)
		os.WriteFile(filepath.Join(dir, "shd_test.h5"), b, 0o644)
		_, err := Load("shd", dir, Options{})
		wantErr(t, err, path)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	}
}
