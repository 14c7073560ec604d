package hdf5

import "fmt"

// memory element types of blk_read
const (
	memDouble = 0
	memInt64  = 1
	memHalf   = 2
)

// planRead checks what the library says of a dataset, in, against a read
// of rows [start, start+count) of a 1-D dataset, of variable-length
// arrays (vlen) or of numbers, into float64 (wantFloat) or int64, and
// returns the memory type to read into. It is the package's validation of
// what a file declares, kept apart from the cgo calls so that it can be
// fuzzed.
func planRead(in Info, vlen, wantFloat bool, start, count int) (int, error) {
	switch {
	case len(in.Dims) != 1:
		return 0, fmt.Errorf("has %d dimensions, want 1", len(in.Dims))
	case in.Dims[0] < 0:
		return 0, fmt.Errorf("has a negative extent %d", in.Dims[0])
	case in.VLen != vlen && vlen:
		return 0, fmt.Errorf("holds fixed-size %s elements, want variable-length arrays", in.Class)
	case in.VLen != vlen:
		return 0, fmt.Errorf("holds variable-length arrays, want numbers")
	case in.Class != Integer && in.Class != Float:
		return 0, fmt.Errorf("holds non-numeric elements")
	case !wantFloat && in.Class != Integer:
		return 0, fmt.Errorf("holds %d-bit floats, want integers", 8*in.Size)
	case start < 0 || count < 0 || start > in.Dims[0]-count:
		return 0, fmt.Errorf("rows [%d, %d) out of range [0, %d)", start, start+count, in.Dims[0])
	}
	if !wantFloat {
		return memInt64, nil
	}
	if in.Class == Float && in.Size == 2 {
		if _, err := newSmallFloat(in); err != nil {
			return 0, err
		}
		return memHalf, nil
	}
	return memDouble, nil
}
