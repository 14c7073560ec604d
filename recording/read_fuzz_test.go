package recording

// Fuzz targets of the readers of `blocks fit`: the competition text
// format (ReadDir, plain and gzip), CSV and NPZ (ReadFile). Each input is
// refused with an error naming the file, or read as a well-formed
// recording that the NPZ format writes and reads back bit for bit; never
// a panic, never an allocation beyond what the file can hold. Failing
// inputs are kept under testdata/fuzz/<FuzzName>/.

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wellFormed reports what is wrong with a recording a reader accepted:
// a name and files, a positive finite time step, samples, finite
// currents, spike indices strictly ascending and inside the recording.
func wellFormed(r *Recording) string {
	switch {
	case r == nil:
		return "nil recording without an error"
	case r.Name == "" || len(r.Files) == 0:
		return "no name or no files"
	case !(r.DT > 0) || math.IsInf(r.DT, 0):
		return "time step not positive and finite"
	case len(r.Current) == 0:
		return "no samples"
	}
	for _, v := range r.Current {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "a current that is not finite"
		}
	}
	for _, s := range r.Reps {
		for k, i := range s {
			if i < 0 || i >= len(r.Current) || (k > 0 && i <= s[k-1]) {
				return "spike indices not ascending inside the recording"
			}
		}
	}
	return ""
}

// roundTrip writes r in the NPZ format, reads it back and reports any
// difference.
func roundTrip(t *testing.T, r *Recording) string {
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, r); err != nil {
		return "WriteNPZ: " + err.Error()
	}
	path := filepath.Join(t.TempDir(), "back.npz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(path, 0)
	if err != nil {
		return "reading back: " + err.Error()
	}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	if !same(back.DT, r.DT) || !slices.EqualFunc(back.Current, r.Current, same) || !slices.EqualFunc(back.Reps, r.Reps, slices.Equal) {
		return "the NPZ round trip changed the recording"
	}
	return ""
}

// checkRead fails the test if an accepted recording is not well formed or
// does not round-trip, or an error does not name the file.
func checkRead(t *testing.T, r *Recording, err error, file string) {
	t.Helper()
	if err != nil {
		if !strings.Contains(err.Error(), file) {
			t.Fatalf("error does not name the file %s: %v", file, err)
		}
		return
	}
	if d := wellFormed(r); d != "" {
		t.Fatalf("accepted %+v: %s", r, d)
	}
	if d := roundTrip(t, r); d != "" {
		t.Fatal(d)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// FuzzReadDir reads a directory holding one stimulus of the competition
// format: the voltage and spike-time files as given, plain or (gz) named
// .gz, whose bytes are then read as a gzip stream.
func FuzzReadDir(f *testing.F) {
	volt := []byte("0 10.5 -60\n1 11 -59.5\n2,12,-59\n3 13\n4 -2e2 -58\n")
	spk := []byte("3 1\n1\n3\n")
	f.Add(volt, spk, false)
	f.Add(gzipped(volt), gzipped(spk), true)
	f.Add(volt, []byte("5\n"), false)
	f.Add([]byte("0 1 2\n2 1 2\n"), spk, false)
	f.Add([]byte("0 NaN 1\n"), spk, false)
	f.Add([]byte("0 1e999 1\n"), spk, false)
	f.Add(volt, []byte("1e12\n"), false)
	f.Add(volt, []byte("-1\n"), false)
	f.Add(volt, []byte(""), false)
	f.Add(volt, spk, true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, voltage, spikes []byte, gz bool) {
		ext := ""
		if gz {
			ext = ".gz"
		}
		for _, old := range []string{"00-0.voltage", "00-0.spiketimes", "00-0.voltage.gz", "00-0.spiketimes.gz"} {
			os.Remove(filepath.Join(dir, old))
		}
		vp, sp := filepath.Join(dir, "00-0.voltage"+ext), filepath.Join(dir, "00-0.spiketimes"+ext)
		if err := os.WriteFile(vp, voltage, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sp, spikes, 0o644); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadDir(dir, 0.2)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(recs) != 1 || recs[0].Name != "00" || len(recs[0].Reps) != 1 || len(recs[0].Reps[0]) == 0 {
			t.Fatalf("read %d recordings, want stimulus 00 with one repetition that has spikes", len(recs))
		}
		checkRead(t, recs[0], nil, dir)
	})
}

// FuzzReadCSV reads a recording in the CSV format, plain or (gz) as a
// gzip stream.
func FuzzReadCSV(f *testing.F) {
	csv := []byte("# dt_ms=0.2\ncurrent_pA,rep0,rep1\n10,0,1\n11.5,1,0\n-3,1,1\n")
	f.Add(csv, false)
	f.Add(gzipped(csv), true)
	f.Add([]byte("1\n2\n3\n"), false)
	f.Add([]byte("# dt_ms=0\n1,1\n"), false)
	f.Add([]byte("# dt_ms=inf\n1,1\n"), false)
	f.Add([]byte("1,0\n2,0\n"), false)
	f.Add([]byte("1,1\n2\n"), false)
	f.Add([]byte("a,b\n"), false)
	f.Add([]byte("NaN,1\n"), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, gz bool) {
		path := filepath.Join(dir, "rec.csv")
		if gz {
			path += ".gz"
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadFile(path, 0.1)
		checkRead(t, r, err, path)
	})
}

// FuzzReadNPZ reads a recording in the NPZ format.
func FuzzReadNPZ(f *testing.F) {
	good := &Recording{Name: "x", DT: 0.2, Current: []float64{1, 2.5, -3, 4}, Reps: [][]int{{0, 3}, {2}}}
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, good); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := WriteNPZ(&buf, &Recording{DT: 1, Current: []float64{0}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	for _, b := range limitCases(f) {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "rec.npz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadFile(path, 0)
		checkRead(t, r, err, path)
	})
}
