//go:build goexperiment.simd && amd64

package neuron

import (
	"simd/archsimd"
	"unsafe"
)

// AVX2 forms of the surrogate kernels (archsimd.Float32x8), installed at
// start-up when the CPU has AVX2. Lane by lane they perform the operations
// of the generic kernels in surrogate_generic.go in the same order (no
// fused multiply-add; VCMPPS predicates that are false for NaN, as Go's
// comparisons), so the results are bitwise identical. The last len mod 8
// elements run the generic kernel, after VZEROUPPER
// (archsimd.ClearAVXUpperBits): Go does not insert it, and legacy-SSE
// scalar code after dirty 256-bit registers runs several times slower.

func hasAVX2() bool { return archsimd.X86.AVX2() }

func init() {
	if hasAVX2() {
		fastSigmoidSlice = fastSigmoidSliceAVX2
		boxCarSlice = boxCarSliceAVX2
		multiGaussianSlice = multiGaussianSliceAVX2
	}
}

type sgF32 = archsimd.Float32x8

func sgLd(p unsafe.Pointer, i int) sgF32 {
	return archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(p, i*4)))
}

func sgSt(v sgF32, p unsafe.Pointer, i int) {
	v.Store((*[8]float32)(unsafe.Add(p, i*4)))
}

func fastSigmoidSliceAVX2(x []float32) {
	n := len(x)
	px := unsafe.Pointer(unsafe.SliceData(x))
	sign := archsimd.BroadcastInt32x8(-1 << 31)
	one, ten := archsimd.BroadcastFloat32x8(1), archsimd.BroadcastFloat32x8(10)
	var zero sgF32
	i := 0
	for ; i+8 <= n; i += 8 {
		v := sgLd(px, i)
		// v = -v where v < 0: the sign bit flipped, as Go negates (so a
		// NaN keeps its sign, unlike an absolute value).
		v = v.AsInt32x8().Xor(sign).AsFloat32x8().Merge(v, v.Less(zero))
		d := ten.Mul(v).Add(one)
		sgSt(one.Div(d.Mul(d)), px, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		fastSigmoidSliceGeneric(x[i:])
	}
}

func boxCarSliceAVX2(x []float32) {
	n := len(x)
	px := unsafe.Pointer(unsafe.SliceData(x))
	one := archsimd.BroadcastFloat32x8(1)
	lo, hi := archsimd.BroadcastFloat32x8(-0.5), archsimd.BroadcastFloat32x8(0.5)
	i := 0
	for ; i+8 <= n; i += 8 {
		v := sgLd(px, i)
		sgSt(one.Masked(v.Greater(lo).And(v.LessEqual(hi))), px, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		boxCarSliceGeneric(x[i:])
	}
}

// multiGaussianSliceAVX2 is multiGaussian on 8 lanes: the table index and
// fraction in vectors, the two table entries of each lane read with one
// 8-byte integer load (archsimd has no gather, and scalar float loads here
// would be legacy-SSE code in the middle of AVX code), assembled into two
// vectors and separated into the left and right entries with two shuffles.
// A group of 8 with a lane outside the table (or NaN) runs the scalar code.
func multiGaussianSliceAVX2(x []float32) {
	n := len(x)
	px := unsafe.Pointer(unsafe.SliceData(x))
	tbl := unsafe.Pointer(unsafe.SliceData(mgTable))
	off, scale := archsimd.BroadcastFloat32x8(mgRange), archsimd.BroadcastFloat32x8(mgScale)
	end := archsimd.BroadcastFloat32x8(2 * mgRange * mgScale)
	var zero sgF32
	var ix [8]int32
	i := 0
	for ; i+8 <= n; i += 8 {
		u := sgLd(px, i).Add(off).Mul(scale)
		if u.GreaterEqual(zero).And(u.Less(end)).ToBits() != 0xff {
			archsimd.ClearAVXUpperBits()
			for k := i; k < i+8; k++ {
				x[k] = multiGaussian(x[k])
			}
			continue
		}
		iv := u.ConvertToInt32() // truncates, as int(u)
		f := u.Sub(iv.ConvertToFloat32())
		iv.Store(&ix)
		// Entries (t[i], t[i+1]) of lanes 0 1 4 5 in lo's 64-bit elements
		// and of 2 3 6 7 in hi's, so that the even and odd floats of each
		// 128-bit half (VSHUFPS) come out in lane order.
		e := func(k int) uint64 { return *(*uint64)(unsafe.Add(tbl, int(ix[k])*4)) }
		var z2 archsimd.Uint64x2
		var z4 archsimd.Uint64x4
		lo := z4.SetLo(z2.SetElem(0, e(0)).SetElem(1, e(1))).SetHi(z2.SetElem(0, e(4)).SetElem(1, e(5))).AsFloat32x8()
		hi := z4.SetLo(z2.SetElem(0, e(2)).SetElem(1, e(3))).SetHi(z2.SetElem(0, e(6)).SetElem(1, e(7))).AsFloat32x8()
		a := lo.SelectFromPairGrouped(0, 2, 4, 6, hi)
		b := lo.SelectFromPairGrouped(1, 3, 5, 7, hi)
		sgSt(a.Add(f.Mul(b.Sub(a))), px, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		multiGaussianSliceGeneric(x[i:])
	}
}
