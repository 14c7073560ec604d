package dataset

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// event encodes one N-MNIST event.
func event(x, y, pol, us int) []byte {
	return []byte{byte(x), byte(y), byte(pol<<7 | us>>16&0x7f), byte(us >> 8), byte(us)}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNMNISTFormats(t *testing.T) {
	root := filepath.Join(formats, "nmnist")
	// The whole folder holds the truncated Test/7/00043.bin.
	bad := filepath.Join(root, "Test", "7", "00043.bin")
	_, err := Load("nmnist", root, Options{})
	wantErr(t, err, bad, "7 bytes", "not a multiple of 5", "offset 5")

	exp := readExpected(t)
	var e1 struct {
		Label  int     `json:"label"`
		Events int     `json:"events"`
		First  [][]int `json:"first_events_x_y_polarity_us"`
		Last   []int   `json:"last_event"`
	}
	if err := json.Unmarshal(exp["nmnist/Train/3/00001.bin"], &e1); err != nil {
		t.Fatal(err)
	}
	var e2 struct {
		Events [][]int `json:"events_x_y_polarity_us"`
	}
	if err := json.Unmarshal(exp["nmnist/Test/7/00042.bin"], &e2); err != nil {
		t.Fatal(err)
	}

	// Decoding.
	file1 := filepath.Join(root, "Train", "3", "00001.bin")
	b1, err := os.ReadFile(file1)
	if err != nil {
		t.Fatal(err)
	}
	ev1, err := DecodeNMNIST(file1, b1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev1) != e1.Events {
		t.Errorf("00001.bin: %d events, want %d", len(ev1), e1.Events)
	}
	asInts := func(e NMNISTEvent) []int { return []int{e.X, e.Y, e.Polarity, e.Micros} }
	for k, w := range e1.First {
		if got := asInts(ev1[k]); !slices.Equal(got, w) {
			t.Errorf("00001.bin event %d: %v, want %v", k, got, w)
		}
	}
	if got := asInts(ev1[len(ev1)-1]); !slices.Equal(got, e1.Last) || e1.Last[3] != 1<<23-1 {
		t.Errorf("00001.bin last event: %v, want %v", got, e1.Last)
	}
	_, err = DecodeNMNIST(bad, make([]byte, 7))
	wantErr(t, err, bad, "offset 5")

	// Loading the readable files.
	dir := t.TempDir()
	for _, f := range []string{"Train/3/00001.bin", "Test/7/00042.bin"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), b)
	}
	s, err := Load("nmnist", dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr, te := s.Train, s.Test
	if tr.Len() != 1 || te.Len() != 1 || tr.Label(0) != e1.Label || te.Label(0) != 7 ||
		tr.Channels() != 1156 || tr.Steps() != 400 || tr.Classes() != 10 || DT(tr) != 1 || tr.Name() != "nmnist/train" {
		t.Fatalf("train %d (label %d), test %d (label %d), %d channels, %d steps", tr.Len(), tr.Label(0), te.Len(), te.Label(0), tr.Channels(), tr.Steps())
	}
	// 00042.bin: (0,0) at 0 µs, (33,0) at 1000 µs, (0,33) at 1999 µs and
	// (17,17) at 399999 µs: steps 0, 1, 1 and 399 of 1 ms.
	if len(e2.Events) != 4 {
		t.Fatalf("expected.json lists %d events of 00042.bin", len(e2.Events))
	}
	if got, want := pairs(check(t, te, 0)), [][2]int{{0, 0}, {1, 33}, {1, 33 * 34}, {399, 17*34 + 17}}; !slices.Equal(got, want) {
		t.Errorf("00042.bin binned: %v, want %v", got, want)
	}
	// 00001.bin: every event before 400 ms, folded and deduplicated.
	want := map[[2]int]bool{}
	for _, e := range ev1 {
		if e.Micros/1000 < 400 {
			want[[2]int{e.Micros / 1000, e.Y*34 + e.X}] = true
		}
	}
	got := pairs(check(t, tr, 0))
	if len(got) != len(want) || len(want) == 0 || len(want) == len(ev1) {
		t.Errorf("00001.bin: %d binned events, want %d of %d", len(got), len(want), len(ev1))
	}
	for _, p := range got {
		if !want[p] {
			t.Errorf("00001.bin: unexpected event %v", p)
		}
	}
	if _, _, err := Batch(te, []int{0, 0}); err != nil {
		t.Error(err)
	}
}

func TestNMNISTWritten(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	b = append(b, event(1, 2, 1, 10)...)
	b = append(b, event(1, 2, 0, 1500)...) // same pixel, other polarity, same 2 ms step
	b = append(b, event(33, 33, 0, 3999)...)
	b = append(b, event(0, 0, 1, 4000)...)
	b = append(b, event(5, 5, 1, 1<<23-1)...) // dropped
	for d := range 10 {
		for k := range 3 {
			writeFile(t, filepath.Join(dir, "Train", string(rune('0'+d)), "0000"+string(rune('0'+k))+".bin"), b)
		}
	}
	writeFile(t, filepath.Join(dir, "Test", "4", "00001.bin"), b[:10])
	writeFile(t, filepath.Join(dir, "Test", "4", "notes.txt"), []byte("x"))
	s, err := Load("nmnist", dir, Options{DT: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 30 || s.Test.Len() != 1 || s.Train.Steps() != 200 || s.Train.Label(29) != 9 || s.Test.Label(0) != 4 {
		t.Fatalf("%d and %d samples, %d steps", s.Train.Len(), s.Test.Len(), s.Train.Steps())
	}
	if got, want := pairs(check(t, s.Train, 5)), [][2]int{{0, 2*34 + 1}, {1, 33*34 + 33}, {2, 0}}; !slices.Equal(got, want) {
		t.Errorf("binned at 2 ms: %v, want %v", got, want)
	}
	if got, want := pairs(check(t, s.Test, 0)), [][2]int{{0, 2*34 + 1}}; !slices.Equal(got, want) {
		t.Errorf("polarities folded: %v, want %v", got, want)
	}
	if ChanceLevel(s.Train) != 0.1 {
		t.Errorf("chance %v", ChanceLevel(s.Train))
	}
	// DT of 0.5 ms: floor(3999/500) = 7.
	s, err = Load("nmnist", dir, Options{DT: 0.5, Steps: 8, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pairs(check(t, s.Train, 0)), [][2]int{{0, 2*34 + 1}, {3, 2*34 + 1}, {7, 33*34 + 33}}; !slices.Equal(got, want) {
		t.Errorf("binned at 0.5 ms: %v, want %v", got, want)
	}
	// Limit spreads over the digits.
	var labels []int
	for i := range s.Train.Len() {
		labels = append(labels, s.Train.Label(i))
	}
	if !slices.Equal(labels, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("Limit 10 labels: %v", labels)
	}

	// Out of the sensor: named with the byte offset.
	badFile := filepath.Join(dir, "Test", "4", "00002.bin")
	writeFile(t, badFile, append(slices.Clone(b[:10]), event(34, 3, 0, 5)...))
	s, err = Load("nmnist", dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Test.Sample(1)
	wantErr(t, err, badFile, "byte offset 10", "x = 34, y = 3")
	_, _, err = Batch(s.Test, []int{0, 1})
	wantErr(t, err, badFile, "byte offset 10")
	writeFile(t, badFile, append(slices.Clone(b[:5]), event(3, 200, 0, 5)...))
	_, err = s.Test.Sample(1)
	wantErr(t, err, badFile, "byte offset 5", "y = 200")
	// Truncated after loading.
	writeFile(t, badFile, b[:13])
	_, err = s.Test.Sample(1)
	wantErr(t, err, badFile, "13 bytes", "offset 10")
	// Truncated before loading.
	_, err = Load("nmnist", dir, Options{})
	wantErr(t, err, badFile, "13 bytes")
	os.Remove(badFile)
	// No Test folder.
	os.RemoveAll(filepath.Join(dir, "Test"))
	_, err = Load("nmnist", dir, Options{})
	wantErr(t, err, "Test: no such directory", dir, "garrickorchard.com")
}
