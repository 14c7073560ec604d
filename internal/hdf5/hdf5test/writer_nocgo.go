//go:build !cgo

package hdf5test

import "errors"

// Available reports whether this build can write HDF5 files.
const Available = false

// Writer writes a new HDF5 file; without cgo none can be created.
type Writer struct{}

var errNoCgo = errors.New("built without cgo: HDF5 files need the C library")

func Create(name string) (*Writer, error)                               { return nil, errNoCgo }
func (w *Writer) Close() error                                          { return errNoCgo }
func (w *Writer) Write(path string, t Type, v []float64) error          { return errNoCgo }
func (w *Writer) WriteVLen(path string, t Type, rows [][]float64) error { return errNoCgo }
