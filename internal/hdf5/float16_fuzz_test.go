package hdf5

import (
	"math"
	"testing"
)

// FuzzSmallFloat fuzzes the Go side of reading 16-bit floats: the check
// of the layout a file declares (newSmallFloat) and the decoding of a
// word in an accepted layout, which must never panic. For IEEE half, the
// decoding matches Float16 and ToFloat16 inverts it. (The rest of the
// package's validation runs inside cgo calls and is tested with files in
// hdf5_test.go.)
func FuzzSmallFloat(f *testing.F) {
	f.Add(2, 15, 10, 5, 0, 10, 15, uint16(0x3c00))     // IEEE half, 1.0
	f.Add(2, 15, 7, 8, 0, 7, 127, uint16(0x7f80))      // bfloat16, +Inf
	f.Add(2, 15, 10, 5, 0, 10, 15, uint16(0x7e01))     // NaN
	f.Add(2, 16, 0, 11, 11, 5, -1<<40, uint16(0xffff)) // out of range
	f.Add(4, 31, 23, 8, 0, 23, 127, uint16(1))         // float32: refused
	f.Fuzz(func(t *testing.T, size, signPos, expPos, expSize, mantPos, mantSize, bias int, w uint16) {
		in := Info{Class: Float, Size: size, SignPos: signPos, ExpPos: expPos, ExpSize: expSize, MantPos: mantPos, MantSize: mantSize, ExpBias: bias}
		sf, err := newSmallFloat(in)
		if err != nil {
			return
		}
		v := sf.decode(w)
		if sf == (smallFloat{15, 10, 5, 0, 10, 15}) {
			h := Float16(w)
			if math.Float64bits(v) != math.Float64bits(h) && !(math.IsNaN(v) && math.IsNaN(h)) {
				t.Fatalf("%#04x: %v, Float16 says %v", w, v, h)
			}
			if !math.IsNaN(h) && ToFloat16(h) != w {
				t.Fatalf("%#04x decodes to %v, which encodes to %#04x", w, h, ToFloat16(h))
			}
		}
	})
}
