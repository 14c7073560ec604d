// Package hdf5test writes small HDF5 files for tests: 1-D numeric
// datasets and 1-D datasets of variable-length numeric arrays, in the
// layouts h5py produces (little-endian; float16 as h5py declares it). It
// goes through the HDF5 C library like package hdf5 and, like it, needs
// cgo; without cgo Create fails and Available is false.
package hdf5test

// Type is a little-endian element type of a written dataset.
type Type int

const (
	U8 Type = iota
	U16
	I32
	I64
	F16
	F32
	F64
	U64
)

func (t Type) size() int {
	switch t {
	case U8:
		return 1
	case U16, F16:
		return 2
	case I32, F32:
		return 4
	}
	return 8
}
