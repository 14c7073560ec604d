package model

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/blocks-snn/blocks/internal/npyguard"
)

// This file holds the numpy formats: .npy arrays (a magic string, a
// Python-dict header with the dtype, the order and the shape, then the
// raw elements) and .npz archives (a zip of .npy files, one per key).
// Reading goes through npyio; writing is done here, because npyio writes
// shaped arrays only from nested Go slices, element by element.

// rawArray is one .npy array ready to be written: its numpy dtype, its
// shape, and its elements in C order as bytes.
type rawArray struct {
	key   string
	descr string
	shape []int
	data  []byte
}

// float32Array encodes a float32 array as numpy's '<f4'.
func float32Array(key string, a Array) rawArray {
	b := make([]byte, 4*len(a.Data))
	for i, v := range a.Data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return rawArray{key: key, descr: "<f4", shape: a.Shape, data: b}
}

// stringArray encodes s as numpy does np.array([s]): a unicode array of
// shape (1,) with dtype '<U{n}', n the number of code points, stored as
// UTF-32LE code units.
func stringArray(key, s string) rawArray {
	r := []rune(s)
	b := make([]byte, 4*len(r))
	for i, c := range r {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(c))
	}
	if len(r) == 0 { // numpy stores "" as '<U1' holding a zero
		return rawArray{key: key, descr: "<U1", shape: []int{1}, data: make([]byte, 4)}
	}
	return rawArray{key: key, descr: "<U" + strconv.Itoa(len(r)), shape: []int{1}, data: b}
}

// npyHeader returns the .npy (version 1.0) header for an array, padded
// with spaces so that the data starts at a multiple of 64 bytes, as numpy
// writes it.
func npyHeader(descr string, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, FormatShape(shape))
	const prefix = 10 // magic (6), version (2), header length (2)
	n := prefix + len(dict) + 1
	dict += strings.Repeat(" ", (64-n%64)%64) + "\n"
	h := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(h[8:], uint16(len(dict)))
	return append(h, dict...)
}

// writeNpy writes one array in .npy format.
func writeNpy(w io.Writer, a rawArray) error {
	if _, err := w.Write(npyHeader(a.descr, a.shape)); err != nil {
		return err
	}
	_, err := w.Write(a.data)
	return err
}

// zipTime is the modification time of every archive member, fixed so
// that the same arrays always give the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// writeNpz writes the arrays as an .npz archive, in order, each as
// "<key>.npy", compressed as np.savez_compressed does.
func writeNpz(w io.Writer, arrays []rawArray) error {
	zw := zip.NewWriter(w)
	for _, a := range arrays {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: a.key + ".npy", Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return err
		}
		if err := writeNpy(f, a); err != nil {
			return fmt.Errorf("%s: %w", a.key, err)
		}
	}
	return zw.Close()
}

// The dtypes read: floats of 4 or 8 bytes, and unicode ('U', 4 bytes per
// code point) or byte ('S') strings, in any byte order numpy writes.
var dtypeRE = regexp.MustCompile(`^[<>=|]?([fUS])(\d+)$`)

// decoded is an array read from a .npy stream: its dtype, its shape and
// its elements in C order, as []float32, []float64 or []string.
type decoded struct {
	dtype string
	shape []int
	data  any
}

// readNpy decodes a .npy stream of at most size bytes. It checks the
// dtype, and that the shape fits in size before anything is allocated.
func readNpy(r io.Reader, size int64) (d decoded, err error) {
	defer func() { // npyio panics on some malformed input (headers included)
		if p := recover(); p != nil {
			d, err = decoded{}, fmt.Errorf("malformed .npy data: %v", p)
		}
	}()
	nr, err := npyguard.NewReader(r, size)
	if err != nil {
		return d, fmt.Errorf("not a .npy array: %w", err)
	}
	h := nr.Header.Descr
	d.dtype, d.shape = strings.Trim(h.Type, `'"`), h.Shape
	m := dtypeRE.FindStringSubmatch(d.dtype)
	if m == nil || (m[1] == "f" && m[2] != "4" && m[2] != "8") {
		return d, fmt.Errorf("dtype %s, want float32 or float64", d.dtype)
	}
	esize, _ := strconv.Atoi(m[2])
	if m[1] == "U" {
		esize *= 4
	}
	n, ok := numElems(h.Shape, size)
	if !ok || int64(n)*int64(esize) > size {
		return d, fmt.Errorf("shape %s of dtype %s needs more than the %d bytes stored: it needs %s bytes", FormatShape(h.Shape), d.dtype, size, neededBytes(h.Shape, esize))
	}
	if mem := totalMemory(); mem > 0 && int64(n)*int64(esize) > mem {
		return d, fmt.Errorf("shape %s of dtype %s needs %s bytes, more than this machine's %d bytes of memory", FormatShape(h.Shape), d.dtype, neededBytes(h.Shape, esize), mem)
	}
	if esize == 0 {
		d.data = make([]string, n)
		return d, nil
	}
	var arr npy.Array
	if err := nr.Read(&arr); err != nil {
		return d, fmt.Errorf("reading the data: %w", err)
	}
	switch v := arr.Data().(type) {
	case string:
		d.data = []string{v}
	case []string:
		d.data = v
	case []float32:
		d.data = cOrder(v, h.Shape, h.Fortran)
	case []float64:
		d.data = cOrder(v, h.Shape, h.Fortran)
	default:
		return d, fmt.Errorf("dtype %s decoded as %T", d.dtype, v)
	}
	if got := lenOf(d.data); got != n {
		return d, fmt.Errorf("shape %s needs %d values, the data has %d", FormatShape(h.Shape), n, got)
	}
	return d, nil
}

// neededBytes returns the bytes an array of shape and element size esize
// takes, as a decimal number (in scientific notation beyond 2^53).
func neededBytes(shape []int, esize int) string {
	v := float64(esize)
	for _, d := range shape {
		v *= float64(d)
	}
	if v < 1<<53 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// totalMemory returns the machine's physical memory in bytes (MemTotal of
// /proc/meminfo), or 0 where it cannot be read.
var totalMemory = sync.OnceValue(func() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && kb > 0 && kb < math.MaxInt64/1024 {
					return kb * 1024
				}
			}
		}
	}
	return 0
})

// numElems returns the number of elements of shape, and false if a
// dimension is negative or the count exceeds limit.
func numElems(shape []int, limit int64) (int, bool) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || (d > 0 && n > limit/int64(d)) {
			return 0, false
		}
		n *= int64(d)
	}
	return int(n), true
}

func lenOf(data any) int {
	switch v := data.(type) {
	case []float32:
		return len(v)
	case []float64:
		return len(v)
	case []string:
		return len(v)
	}
	return -1
}

// cOrder returns the elements of an array stored in Fortran (column-major)
// order if fortran is set, in C (row-major) order.
func cOrder[T any](src []T, shape []int, fortran bool) []T {
	if !fortran || len(shape) < 2 {
		return src
	}
	n, _ := numElems(shape, math.MaxInt64)
	if len(src) != n {
		return src // reported by the caller
	}
	dst := make([]T, n)
	idx := make([]int, len(shape))
	for c := range dst {
		off, stride := 0, 1
		for k, d := range shape {
			off += idx[k] * stride
			stride *= d
		}
		dst[c] = src[off]
		for k := len(shape) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return dst
}
