package hdf5

import (
	"fmt"
	"math"
)

// smallFloat decodes 16-bit floats of a declared IEEE-like layout (implied
// leading mantissa bit, all-ones exponent for infinities and NaNs):
// IEEE half (sign 15, exponent 10+5, mantissa 0+10, bias 15) as h5py
// writes float16, or bfloat16 (exponent 7+8, mantissa 0+7, bias 127).
type smallFloat struct {
	signPos, expPos, expSize, mantPos, mantSize, bias int
}

func newSmallFloat(in Info) (smallFloat, error) {
	f := smallFloat{in.SignPos, in.ExpPos, in.ExpSize, in.MantPos, in.MantSize, in.ExpBias}
	ok := in.Size == 2 && f.expSize >= 2 && f.expSize <= 11 && f.mantSize >= 1 && f.mantSize <= 52 &&
		f.signPos >= 0 && f.signPos < 16 && f.expPos >= 0 && f.expPos+f.expSize <= 16 &&
		f.mantPos >= 0 && f.mantPos+f.mantSize <= 16
	if !ok {
		return f, fmt.Errorf("unsupported 16-bit float layout (sign %d, exponent %d+%d, mantissa %d+%d)",
			f.signPos, f.expPos, f.expSize, f.mantPos, f.mantSize)
	}
	return f, nil
}

func (f smallFloat) decode(w uint16) float64 {
	e := int(w>>f.expPos) & (1<<f.expSize - 1)
	m := uint64(w>>f.mantPos) & (1<<f.mantSize - 1)
	neg := w>>f.signPos&1 == 1
	var v float64
	switch e {
	case 1<<f.expSize - 1:
		if m != 0 {
			return math.NaN()
		}
		v = math.Inf(1)
	case 0: // zero or subnormal
		v = math.Ldexp(float64(m), 1-f.bias-f.mantSize)
	default:
		v = math.Ldexp(float64(m|1<<f.mantSize), e-f.bias-f.mantSize)
	}
	if neg {
		v = -v
	}
	return v
}

// Float16 returns the IEEE half-precision value of the bits w.
func Float16(w uint16) float64 {
	return smallFloat{15, 10, 5, 0, 10, 15}.decode(w)
}

// ToFloat16 returns the IEEE half-precision bits nearest to v (ties to
// even), as numpy's float16 conversion does.
func ToFloat16(v float64) uint16 {
	bits := math.Float64bits(v)
	sign := uint16(bits>>48) & 0x8000
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return sign | 0x7e00
	case a >= 65520: // rounds to infinity
		return sign | 0x7c00
	case a < math.Ldexp(1, -14): // subnormal: units of 2^-24
		q := math.RoundToEven(math.Ldexp(a, 24))
		return sign | uint16(q) // q == 1024 carries into the smallest normal
	}
	fr, exp := math.Frexp(a) // a = fr·2^exp, fr in [0.5, 1)
	m := math.RoundToEven(math.Ldexp(fr, 11))
	if m == 2048 {
		m, exp = 1024, exp+1
	}
	return sign | uint16(exp-1+15)<<10 | uint16(m)&0x3ff
}
