package recording

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/internal/npytest"

	"codeberg.org/sbinet/npyio/npy"
)

// npzOf returns an .npz archive of raw members (key → .npy bytes).
func npzOf(t testing.TB, members ...[2]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		f, err := zw.Create(m[0].(string) + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(m[1].([]byte))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// npyOf returns v as .npy bytes.
func npyOf(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := npy.Write(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// limitCases are NPZ recordings that must be refused, without allocating
// more than the file holds: the regression inputs of the fixes in
// ReadNPZ (also seeds of FuzzReadNPZ).
func limitCases(t testing.TB) map[string][]byte {
	cur := npyOf(t, []float64{1, 2, 3})
	return map[string][]byte{
		// A spike index beyond int64: in ReadNPZ, int(1e300) wrapped to a
		// negative index that passed its range check (ReadFile's Validate
		// then refused it; ReadNPZ alone returned it).
		"spike index 1e300": npzOf(t, [2]any{"current", cur}, [2]any{"spikes.0", npyOf(t, []float64{1e300})}),
		// A version-2 header declaring 4 GiB: npyio allocated it (twice)
		// before reading.
		"4 GiB header": npzOf(t, [2]any{"current", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'")}),
		// A header declaring 8 GB of data in a member of a few bytes
		// (npyio fails at the end of the data before allocating it; now
		// refused before reading).
		"8 GB of data": npzOf(t, [2]any{"current", npytest.Header("<f8", "(1000000000,)", false)}),
	}
}

// TestReadNPZLimits checks that the regression inputs are refused with an
// error naming the file, and allocate less than 64 MiB.
func TestReadNPZLimits(t *testing.T) {
	dir := t.TempDir()
	for name, b := range limitCases(t) {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npz")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadFile(path, 0.2)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
	}
}
