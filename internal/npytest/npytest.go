// Package npytest writes .npy headers by hand, byte for byte as numpy
// writes them, for tests that need files from numpy — or headers that
// declare data a file does not hold — without going through the module's
// own encoder.
package npytest

import (
	"encoding/binary"
	"fmt"
)

// Header returns a format 1.0 .npy header for dtype descr (e.g. "<f4") and
// shape, a Python tuple such as "(2, 3)" or "(5,)": the magic, the
// version, the header length and the dict, padded with spaces and a
// newline so that the data starts at a multiple of 64 bytes.
func Header(descr, shape string, fortran bool) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	h := []byte("\x93NUMPY\x01\x00\x00\x00")
	binary.LittleEndian.PutUint16(h[8:], uint16(len(dict)))
	return append(h, dict...)
}
