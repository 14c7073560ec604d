// Package hdf5 is a thin, read-only layer over the HDF5 C library, just
// large enough to read the Spiking Heidelberg Digits and Spiking Speech
// Commands files: open a file, describe a dataset, read a 1-D numeric
// dataset (any integer or float width, converted to int64 or float64) and
// read rows of a 1-D dataset of variable-length numeric arrays (float16,
// float32, float64 and integers of any width).
//
// It needs cgo and the HDF5 C library with its headers; on Debian and
// Ubuntu that is the package libhdf5-dev (the serial build: headers under
// /usr/include/hdf5/serial, library libhdf5_serial). The default cgo flags
// name those paths; build with -tags hdf5pkgconfig to take the flags from
// pkg-config's "hdf5" instead, or add paths through CGO_CFLAGS and
// CGO_LDFLAGS. Built without cgo (CGO_ENABLED=0) the package still
// compiles, and every Open fails with [ErrNoCgo].
//
// HDF5's own error printing to stderr is switched off; its failures come
// back as Go errors that name the file, the dataset and HDF5's outermost
// and innermost messages. Every HDF5 handle and all variable-length memory
// are freed before a call returns. Calls into the library are serialised,
// so a File may be used from several goroutines.
//
// Half-precision floats (as h5py writes float16) are read as raw 16-bit
// words and decoded in Go from the layout the file declares, so the
// result does not depend on the library's soft conversions.
package hdf5

import "errors"

// ErrNoCgo is returned by every Open of a build without cgo.
var ErrNoCgo = errors.New("built without cgo: HDF5 files need the C library")

// Class is the kind of a dataset's elements (the base elements of a
// variable-length dataset).
type Class int

const (
	Other Class = iota
	Integer
	Float
)

func (c Class) String() string {
	switch c {
	case Integer:
		return "integer"
	case Float:
		return "float"
	}
	return "non-numeric"
}

// Info describes a dataset.
type Info struct {
	Dims   []int // extent per dimension; a scalar has none
	VLen   bool  // elements are variable-length arrays of Class/Size
	Class  Class
	Size   int  // bytes per (base) element
	Signed bool // for integers
	// Float layout in bits, for floats: sign position, exponent position
	// and size, mantissa position and size, exponent bias.
	SignPos, ExpPos, ExpSize, MantPos, MantSize int
	ExpBias                                     int
}

// Len returns the extent of a 1-D dataset, or -1 for any other rank.
func (in Info) Len() int {
	if len(in.Dims) != 1 {
		return -1
	}
	return in.Dims[0]
}
