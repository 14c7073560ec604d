package hdf5_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blocks-snn/blocks/internal/hdf5"
	"github.com/blocks-snn/blocks/internal/hdf5/hdf5test"
)

func needCgo(t *testing.T) {
	t.Helper()
	if !hdf5.Available {
		t.Skip("built without cgo")
	}
}

func TestFloat16(t *testing.T) {
	for _, c := range []struct {
		w uint16
		v float64
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, math.Ldexp(1, -24)},
		{0x0400, math.Ldexp(1, -14)}, {0x3555, 0.333251953125}, {0x7c00, math.Inf(1)}, {0xfc00, math.Inf(-1)},
	} {
		if got := hdf5.Float16(c.w); got != c.v {
			t.Errorf("Float16(%#04x) = %v, want %v", c.w, got, c.v)
		}
	}
	if !math.IsNaN(hdf5.Float16(0x7e00)) {
		t.Error("Float16(0x7e00) is not NaN")
	}
	// Every finite half round-trips, and rounding goes to the nearest.
	for w := range 1 << 16 {
		v := hdf5.Float16(uint16(w))
		if math.IsNaN(v) {
			continue
		}
		if got := hdf5.ToFloat16(v); got != uint16(w) && !(v == 0 && got&0x7fff == 0) {
			t.Fatalf("ToFloat16(Float16(%#04x) = %v) = %#04x", w, v, got)
		}
	}
	if got := hdf5.ToFloat16(1 + math.Ldexp(1, -11)); got != 0x3c00 { // tie to even
		t.Errorf("ToFloat16(1+2^-11) = %#04x, want 0x3c00", got)
	}
	if got := hdf5.ToFloat16(0.1); got != 0x2e66 {
		t.Errorf("ToFloat16(0.1) = %#04x, want 0x2e66", got)
	}
}

// The files in testdata/formats were written by h5py; their first events
// are listed in expected.json.
func TestReadH5py(t *testing.T) {
	needCgo(t)
	for _, c := range []struct {
		file  string
		size  int
		times []float64
		units []int64
	}{
		{"shd_tiny_float16.h5", 2, []float64{0.00522613525390625, 0.0073699951171875, 0.016510009765625}, []int64{437, 280, 265}},
		{"shd_tiny_float32.h5", 4, []float64{float64(float32(0.046674929559230804)), float64(float32(0.12853388488292694)), float64(float32(0.16345907747745514))}, []int64{318, 640, 525}},
	} {
		f, err := hdf5.Open(filepath.Join("..", "..", "testdata", "formats", c.file))
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.Info("spikes/times")
		if err != nil {
			t.Fatal(err)
		}
		if !in.VLen || in.Class != hdf5.Float || in.Size != c.size || in.Len() != 6 {
			t.Errorf("%s: times info %+v", c.file, in)
		}
		off, times, err := f.ReadVLenFloat64("spikes/times", 0, 6)
		if err != nil {
			t.Fatal(err)
		}
		uoff, units, err := f.ReadVLenInt64("spikes/units", 0, 6)
		if err != nil {
			t.Fatal(err)
		}
		if len(off) != 7 || off[5]-off[4] != 0 || len(times) != len(units) {
			t.Errorf("%s: offsets %v, %d times, %d units", c.file, off, len(times), len(units))
		}
		for i := range off {
			if off[i] != uoff[i] {
				t.Errorf("%s: times offsets %v, units %v", c.file, off, uoff)
				break
			}
		}
		for k := range 3 {
			if times[k] != c.times[k] || units[k] != c.units[k] {
				t.Errorf("%s: event %d = (%d, %v), want (%d, %v)", c.file, k, units[k], times[k], c.units[k], c.times[k])
			}
		}
		labels, err := f.ReadInt64("labels")
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{3, 0, 19, 7, 3, 12}; !slices.Equal(labels, want) {
			t.Errorf("%s: labels %v, want %v", c.file, labels, want)
		}
		// A part read agrees with the whole.
		poff, ptimes, err := f.ReadVLenFloat64("spikes/times", 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(poff) != 4 || ptimes[0] != times[off[2]] || len(ptimes) != off[5]-off[2] {
			t.Errorf("%s: rows [2,5): offsets %v", c.file, poff)
		}
		if _, err := f.ReadInt64("spikes/times"); err == nil || !strings.Contains(err.Error(), "spikes/times") {
			t.Errorf("ReadInt64 of vlen times: %v", err)
		}
		if _, _, err := f.ReadVLenFloat64("spikes/times", 4, 3); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("rows past the end: %v", err)
		}
		if n := f.OpenObjects(); n != 1 {
			t.Errorf("%s: %d objects open after reads, want 1 (the file)", c.file, n)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	needCgo(t)
	name := filepath.Join(t.TempDir(), "x.h5")
	w, err := hdf5test.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]float64{{0.5, 1.25, 3}, {}, {7}}
	types := map[string]hdf5test.Type{
		"u8": hdf5test.U8, "u16": hdf5test.U16, "i32": hdf5test.I32, "i64": hdf5test.I64,
		"u64": hdf5test.U64, "f16": hdf5test.F16, "f32": hdf5test.F32, "f64": hdf5test.F64,
	}
	for n, ty := range types {
		if err := w.Write("flat/"+n, ty, []float64{1, 2, 250}); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteVLen("vlen/"+n, ty, rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write("neg", hdf5test.I32, []float64{-5, 3}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("empty", hdf5test.F32, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	f, err := hdf5.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for n, ty := range types {
		isFloat := ty == hdf5test.F16 || ty == hdf5test.F32 || ty == hdf5test.F64
		v, err := f.ReadFloat64("flat/" + n)
		if err != nil || len(v) != 3 || v[0] != 1 || v[2] != 250 {
			t.Errorf("flat/%s: %v %v", n, v, err)
		}
		off, d, err := f.ReadVLenFloat64("vlen/"+n, 0, 3)
		if err != nil || len(off) != 4 || off[1] != 3 || off[2] != 3 || off[3] != 4 || d[3] != 7 {
			t.Errorf("vlen/%s: %v %v %v", n, off, d, err)
		}
		if isFloat && (d[0] != 0.5 || d[1] != 1.25) {
			t.Errorf("vlen/%s: %v", n, d)
		}
		iv, err := f.ReadInt64("flat/" + n)
		if isFloat {
			if err == nil || !strings.Contains(err.Error(), "want integers") || !strings.Contains(err.Error(), name) {
				t.Errorf("ReadInt64 of flat/%s: %v", n, err)
			}
		} else if err != nil || !slices.Equal(iv, []int64{1, 2, 250}) {
			t.Errorf("ReadInt64 of flat/%s: %v %v", n, iv, err)
		}
		_, id, err := f.ReadVLenInt64("vlen/"+n, 1, 2)
		if !isFloat && (err != nil || !slices.Equal(id, []int64{7})) {
			t.Errorf("ReadVLenInt64 of vlen/%s: %v %v", n, id, err)
		}
	}
	if v, err := f.ReadInt64("neg"); err != nil || !slices.Equal(v, []int64{-5, 3}) {
		t.Errorf("neg: %v %v", v, err)
	}
	if v, err := f.ReadFloat64("empty"); err != nil || len(v) != 0 {
		t.Errorf("empty: %v %v", v, err)
	}
	if _, err := f.ReadFloat64("missing/set"); err == nil || !strings.Contains(err.Error(), `"missing/set"`) || !strings.Contains(err.Error(), name) {
		t.Errorf("missing dataset: %v", err)
	}
	if _, _, err := f.ReadVLenFloat64("flat/f32", 0, 1); err == nil || !strings.Contains(err.Error(), "variable-length") {
		t.Errorf("vlen read of a flat dataset: %v", err)
	}
	if n := f.OpenObjects(); n != 1 {
		t.Errorf("%d objects open after reads and failures, want 1", n)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := hdf5.Open(filepath.Join(dir, "none.h5")); err == nil || !strings.Contains(err.Error(), "none.h5") {
		t.Errorf("missing file: %v", err)
	}
	if !hdf5.Available {
		_, err := hdf5.Open("x.h5")
		if !errors.Is(err, hdf5.ErrNoCgo) {
			t.Errorf("without cgo: %v", err)
		}
		return
	}
	junk := filepath.Join(dir, "junk.h5")
	os.WriteFile(junk, []byte("this is not HDF5"), 0o644)
	if _, err := hdf5.Open(junk); err == nil || !strings.Contains(err.Error(), "junk.h5") {
		t.Errorf("junk file: %v", err)
	}
	// A truncated copy of a real file.
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "formats", "shd_tiny_float32.h5"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.h5")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	f, err := hdf5.Open(cut)
	if err == nil {
		_, _, err = f.ReadVLenFloat64("spikes/times", 0, 6)
		f.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "cut.h5") {
		t.Errorf("truncated file: %v", err)
	} else {
		t.Log(err)
	}
}

// Files and one File may be used from several goroutines.
func TestConcurrent(t *testing.T) {
	needCgo(t)
	name := filepath.Join("..", "..", "testdata", "formats", "shd_tiny_float16.h5")
	shared, err := hdf5.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	_, want, err := shared.ReadVLenFloat64("spikes/times", 0, 6)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Go(func() {
			f := shared
			if g%2 == 1 {
				own, err := hdf5.Open(name)
				if err != nil {
					errs <- err
					return
				}
				defer own.Close()
				f = own
			}
			for range 50 {
				_, got, err := f.ReadVLenFloat64("spikes/times", 0, 6)
				if err != nil {
					errs <- err
					return
				}
				if len(got) != len(want) || got[len(got)-1] != want[len(want)-1] {
					errs <- errors.New("different data")
					return
				}
				if _, err := f.ReadFloat64("no/such"); err == nil {
					errs <- errors.New("no error for a missing dataset")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := shared.OpenObjects(); n != 1 {
		t.Errorf("%d objects open, want 1", n)
	}
}
