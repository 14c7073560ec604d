package model

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/internal/npyguard"
)

// Array is a float32 array of any shape, its elements in C (row-major)
// order, numpy's default.
type Array struct {
	Shape []int
	Data  []float32
}

// Entry is a named array of an .npz archive; numpy's np.load(path)[Key]
// returns it.
type Entry struct {
	Key string
	Array
}

// CheckFinite returns an error naming the index of the first NaN or
// infinite element, in numpy's notation: "value at index (0, 3, 17) is NaN".
func (a Array) CheckFinite() error {
	for i, v := range a.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("value at index %s is %s", indexString(a.Shape, i), valueString(float64(v)))
		}
	}
	return nil
}

// check reports whether the shape matches the number of elements.
func (a Array) check() error {
	n := 1
	for _, d := range a.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %s", FormatShape(a.Shape))
		}
		n *= d
	}
	if n != len(a.Data) {
		return fmt.Errorf("shape %s needs %d values, have %d", FormatShape(a.Shape), n, len(a.Data))
	}
	return nil
}

// FormatShape formats a shape as numpy prints it: (), (7,), (7, 1, 10, 1).
func FormatShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// indexString returns the multi-index of flat index i in shape, as a
// numpy tuple.
func indexString(shape []int, i int) string {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k], i = i%shape[k], i/shape[k]
		}
	}
	return FormatShape(idx)
}

// valueString formats a float for an error message.
func valueString(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// toArray converts a decoded float array to float32 and checks that every
// value is finite in float32.
func toArray(d decoded) (Array, error) {
	a := Array{Shape: d.shape}
	switch v := d.data.(type) {
	case []float32:
		a.Data = v
	case []float64:
		a.Data = make([]float32, len(v))
		for i, x := range v {
			a.Data[i] = float32(x)
			if f := float64(a.Data[i]); math.IsInf(f, 0) && !math.IsInf(x, 0) {
				return a, fmt.Errorf("value %g at index %s is too large for float32", x, indexString(a.Shape, i))
			}
		}
	default:
		return a, fmt.Errorf("dtype %s, want float32 or float64", d.dtype)
	}
	return a, a.CheckFinite()
}

// LoadArray reads an .npy file of float32 or float64 values (float64 are
// rounded to float32) in C or Fortran order, and checks that every value
// is finite. Errors name the file.
func LoadArray(path string) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Array{}, err
	}
	d, err := readNpy(f, st.Size())
	if err != nil {
		return Array{}, fmt.Errorf("%s: %w", path, err)
	}
	a, err := toArray(d)
	if err != nil {
		return Array{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// WriteArray writes a as an .npy array of dtype float32 ('<f4').
func WriteArray(w io.Writer, a Array) error {
	if err := a.check(); err != nil {
		return err
	}
	return writeNpy(w, float32Array("", a))
}

// SaveArray writes a to path as an .npy file, atomically.
func SaveArray(path string, a Array) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteArray(w, a) })
}

// WriteArrays writes the entries, in order, as an .npz archive of float32
// arrays.
func WriteArrays(w io.Writer, entries []Entry) error {
	raw := make([]rawArray, len(entries))
	for i, e := range entries {
		if err := e.check(); err != nil {
			return fmt.Errorf("%s: %w", e.Key, err)
		}
		raw[i] = float32Array(e.Key, e.Array)
	}
	return writeNpz(w, raw)
}

// SaveArrays writes the entries to path as an .npz archive, atomically.
func SaveArrays(path string, entries []Entry) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteArrays(w, entries) })
}

// Archive is an open .npz archive, its members by key (the name without
// ".npy"): a model file, or a file that adds members of its own to one
// (the checkpoints of packages train and fit). Every member is read
// through the checks of [Load]: sizes against the archive's, dtypes, and
// finite values.
type Archive struct {
	files map[string]*zip.File
	size  int64 // of the whole archive
}

// OpenArchive opens the .npz archive of the given size in r.
func OpenArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not an .npz archive: %w", err)
	}
	z := &Archive{files: map[string]*zip.File{}, size: size}
	for _, f := range zr.File {
		key := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.files[key]; !dup {
			z.files[key] = f
		}
	}
	return z, nil
}

// Has reports whether the archive has a member key.
func (z *Archive) Has(key string) bool { return z.files[key] != nil }

// read decodes the member key; errors name the key.
func (z *Archive) read(key string) (decoded, error) {
	f := z.files[key]
	if f == nil {
		return decoded{}, fmt.Errorf("missing key %s", key)
	}
	rc, err := f.Open()
	if err != nil {
		return decoded{}, fmt.Errorf("key %s: %w", key, err)
	}
	defer rc.Close()
	d, err := readNpy(rc, npyguard.MemberSize(f, z.size))
	if err != nil {
		return decoded{}, fmt.Errorf("key %s: %w", key, err)
	}
	return d, nil
}

// Array reads the float array key (float32, or float64 converted),
// checked to be finite. Errors name the key.
func (z *Archive) Array(key string) (Array, error) {
	d, err := z.read(key)
	if err != nil {
		return Array{}, err
	}
	a, err := toArray(d)
	if err != nil {
		return Array{}, fmt.Errorf("key %s: %w", key, err)
	}
	return a, nil
}

// Text reads key as a string array holding exactly one string, as numpy
// writes np.array(s) (shape ()) or np.array([s]) (shape (1,)).
func (z *Archive) Text(key string) (string, error) {
	d, err := z.read(key)
	if err != nil {
		return "", err
	}
	s, ok := d.data.([]string)
	if !ok {
		return "", fmt.Errorf("key %s: dtype %s, want a string array (numpy '<U…')", key, d.dtype)
	}
	if len(s) != 1 {
		return "", fmt.Errorf("key %s: shape %s holds %d strings, want one", key, FormatShape(d.shape), len(s))
	}
	return s[0], nil
}
