//go:build !cgo

package hdf5

import "fmt"

// Available reports whether this build can read HDF5 files.
const Available = false

// File is an HDF5 file open for reading; without cgo none can be opened.
type File struct{ name string }

// Open fails: the build has no cgo.
func Open(name string) (*File, error) {
	return nil, fmt.Errorf("%s: %w", name, ErrNoCgo)
}

func (f *File) Name() string     { return f.name }
func (f *File) Close() error     { return nil }
func (f *File) OpenObjects() int { return -1 }
func (f *File) Info(path string) (Info, error) {
	return Info{}, fmt.Errorf("%s: %w", f.name, ErrNoCgo)
}
func (f *File) ReadFloat64(path string) ([]float64, error) {
	return nil, fmt.Errorf("%s: %w", f.name, ErrNoCgo)
}
func (f *File) ReadInt64(path string) ([]int64, error) {
	return nil, fmt.Errorf("%s: %w", f.name, ErrNoCgo)
}
func (f *File) ReadVLenFloat64(path string, start, count int) ([]int, []float64, error) {
	return nil, nil, fmt.Errorf("%s: %w", f.name, ErrNoCgo)
}
func (f *File) ReadVLenInt64(path string, start, count int) ([]int, []int64, error) {
	return nil, nil, fmt.Errorf("%s: %w", f.name, ErrNoCgo)
}
