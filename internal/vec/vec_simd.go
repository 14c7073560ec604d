//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// The implementation is chosen once at start-up from the CPU's features: the
// AVX-512 kernels below when the CPU supports AVX-512 (archsimd bundles F, CD,
// BW, DQ and VL), else the AVX2 kernels of vec_avx2.go, else the portable
// code. All of them compute bitwise-identical results.
var (
	hasAVX512   = archsimd.X86.AVX512()
	hasAVX2     = archsimd.X86.AVX2()
	accelerated = hasAVX512 || hasAVX2
)

func implementation() string {
	switch {
	case hasAVX512:
		return "avx512"
	case hasAVX2:
		return "avx2"
	}
	return "generic"
}

// variants lists the implementations this CPU can run, for the tests.
func variants() []kernels {
	var v []kernels
	if hasAVX512 {
		v = append(v, kernels{"avx512", add512, axpy512, gatherAdd512, gatherAxpy512, scatterAdd512, dot512})
	}
	if hasAVX2 {
		v = append(v, kernels{"avx2", add256, axpy256, gatherAdd256, gatherAxpy256, scatterAdd256, dot256})
	}
	return v
}

func addSIMD(dst, x []float32) {
	if hasAVX512 {
		add512(dst, x)
	} else {
		add256(dst, x)
	}
}

func axpySIMD(dst []float32, a float32, x []float32) {
	if hasAVX512 {
		axpy512(dst, a, x)
	} else {
		axpy256(dst, a, x)
	}
}

func gatherAddSIMD(dst, m []float32, stride int, rows []int32) {
	if hasAVX512 {
		gatherAdd512(dst, m, stride, rows)
	} else {
		gatherAdd256(dst, m, stride, rows)
	}
}

func gatherAxpySIMD(dst, m []float32, stride int, rows []int32, vals []float32) {
	if hasAVX512 {
		gatherAxpy512(dst, m, stride, rows, vals)
	} else {
		gatherAxpy256(dst, m, stride, rows, vals)
	}
}

func scatterAddSIMD(m []float32, stride int, rows []int32, x []float32) {
	if hasAVX512 {
		scatterAdd512(m, stride, rows, x)
	} else {
		scatterAdd256(m, stride, rows, x)
	}
}

func dotSIMD(x, y []float32) float32 {
	if hasAVX512 {
		return dot512(x, y)
	}
	return dot256(x, y)
}

type f32x16 = archsimd.Float32x16

// AVX-512 kernels (Float32x16).
//
// The kernels validate lengths and row indices up front and then address
// memory through unsafe pointers, so that the inner loops carry no bounds
// checks. Every pointer formed stays inside the slice it was derived from.
//
// Each kernel ends with archsimd.ClearAVXUpperBits (VZEROUPPER) before any
// scalar code runs: the Go compiler emits legacy-SSE instructions for scalar
// float code and (in Go 1.26) does not insert VZEROUPPER itself, and leaving
// the upper halves dirty made the following SSE code several times slower on
// the development machine (Axpy n=128: 140 ns -> 28 ns with it).

// ld16 loads 16 floats starting i floats after p.
func ld16(p unsafe.Pointer, i int) f32x16 {
	return archsimd.LoadFloat32x16((*[16]float32)(unsafe.Add(p, i*4)))
}

// st16 stores v to the 16 floats starting i floats after p.
func st16(v f32x16, p unsafe.Pointer, i int) {
	v.Store((*[16]float32)(unsafe.Add(p, i*4)))
}

// ldm16 loads the lanes of mask starting i floats after p, zeroing the others.
// Masked-off lanes are not accessed (AVX-512 suppresses their faults).
// The *[16]float32 may extend past the end of the slice, which checkptr
// (enabled by -race) would reject although only enabled lanes are touched.
//
//go:nocheckptr
func ldm16(p unsafe.Pointer, i int, mask archsimd.Mask32x16) f32x16 {
	return archsimd.LoadMaskedFloat32x16((*[16]float32)(unsafe.Add(p, i*4)), mask)
}

// stm16 stores the lanes of mask of v starting i floats after p.
// See ldm16 about go:nocheckptr.
//
//go:nocheckptr
func stm16(v f32x16, p unsafe.Pointer, i int, mask archsimd.Mask32x16) {
	v.StoreMasked((*[16]float32)(unsafe.Add(p, i*4)), mask)
}

// mask16 enables the low t lanes, 0 <= t <= 16.
func mask16(t int) archsimd.Mask32x16 {
	return archsimd.Mask32x16FromBits(uint16(1<<uint(t) - 1))
}

func ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

func add512(dst, x []float32) {
	n := len(dst)
	x = x[:n]
	addPtr512(ptr(dst), ptr(x), n)
	archsimd.ClearAVXUpperBits()
}

// addPtr512 computes d[j] += x[j] for j < n; both must hold n floats.
func addPtr512(d, x unsafe.Pointer, n int) {
	j := 0
	for ; j+64 <= n; j += 64 {
		a0 := ld16(d, j).Add(ld16(x, j))
		a1 := ld16(d, j+16).Add(ld16(x, j+16))
		a2 := ld16(d, j+32).Add(ld16(x, j+32))
		a3 := ld16(d, j+48).Add(ld16(x, j+48))
		st16(a0, d, j)
		st16(a1, d, j+16)
		st16(a2, d, j+32)
		st16(a3, d, j+48)
	}
	for ; j+16 <= n; j += 16 {
		st16(ld16(d, j).Add(ld16(x, j)), d, j)
	}
	if t := n - j; t > 0 {
		k := mask16(t)
		stm16(ldm16(d, j, k).Add(ldm16(x, j, k)), d, j, k)
	}
}

func axpy512(dst []float32, a float32, x []float32) {
	n := len(dst)
	x = x[:n]
	d, px := ptr(dst), ptr(x)
	va := archsimd.BroadcastFloat32x16(a)
	j := 0
	for ; j+64 <= n; j += 64 {
		a0 := ld16(d, j).Add(va.Mul(ld16(px, j)))
		a1 := ld16(d, j+16).Add(va.Mul(ld16(px, j+16)))
		a2 := ld16(d, j+32).Add(va.Mul(ld16(px, j+32)))
		a3 := ld16(d, j+48).Add(va.Mul(ld16(px, j+48)))
		st16(a0, d, j)
		st16(a1, d, j+16)
		st16(a2, d, j+32)
		st16(a3, d, j+48)
	}
	for ; j+16 <= n; j += 16 {
		st16(ld16(d, j).Add(va.Mul(ld16(px, j))), d, j)
	}
	if t := n - j; t > 0 {
		k := mask16(t)
		stm16(ldm16(d, j, k).Add(va.Mul(ldm16(px, j, k))), d, j, k)
	}
	archsimd.ClearAVXUpperBits()
}

func gatherAdd512(dst, m []float32, stride int, rows []int32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	checkRows(len(m), stride, n, rows)
	d, pm, sb := ptr(dst), ptr(m), stride*4
	// Each block kernel gets &dst[j] and &m[j] so that its fixed offsets fold
	// into the addressing of its loads and stores.
	j := 0
	for ; j+128 <= n; j += 128 {
		gatherAdd512x8(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows)
	}
	if j+64 <= n {
		gatherAdd512x4(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows)
		j += 64
	}
	if j+32 <= n {
		gatherAdd512x2(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows)
		j += 32
	}
	if j+16 <= n {
		gatherAdd512x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, mask16(16))
		j += 16
	}
	if t := n - j; t > 0 {
		gatherAdd512x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, mask16(t))
	}
	archsimd.ClearAVXUpperBits()
}

// gatherAdd512x8 adds the rows to the 128 floats at d with eight accumulators
// that stay in registers (Z0-Z7) across all rows: each row costs eight loads
// folded into eight VADDPS. m points at the rows' column j, sb is the row
// stride in bytes.
func gatherAdd512x8(d, m unsafe.Pointer, sb int, rows []int32) {
	a0, a1, a2, a3 := ld16(d, 0), ld16(d, 16), ld16(d, 32), ld16(d, 48)
	a4, a5, a6, a7 := ld16(d, 64), ld16(d, 80), ld16(d, 96), ld16(d, 112)
	for _, r := range rows {
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(ld16(p, 0))
		a1 = a1.Add(ld16(p, 16))
		a2 = a2.Add(ld16(p, 32))
		a3 = a3.Add(ld16(p, 48))
		a4 = a4.Add(ld16(p, 64))
		a5 = a5.Add(ld16(p, 80))
		a6 = a6.Add(ld16(p, 96))
		a7 = a7.Add(ld16(p, 112))
	}
	st16(a0, d, 0)
	st16(a1, d, 16)
	st16(a2, d, 32)
	st16(a3, d, 48)
	st16(a4, d, 64)
	st16(a5, d, 80)
	st16(a6, d, 96)
	st16(a7, d, 112)
}

func gatherAdd512x4(d, m unsafe.Pointer, sb int, rows []int32) {
	a0, a1, a2, a3 := ld16(d, 0), ld16(d, 16), ld16(d, 32), ld16(d, 48)
	for _, r := range rows {
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(ld16(p, 0))
		a1 = a1.Add(ld16(p, 16))
		a2 = a2.Add(ld16(p, 32))
		a3 = a3.Add(ld16(p, 48))
	}
	st16(a0, d, 0)
	st16(a1, d, 16)
	st16(a2, d, 32)
	st16(a3, d, 48)
}

func gatherAdd512x2(d, m unsafe.Pointer, sb int, rows []int32) {
	a0, a1 := ld16(d, 0), ld16(d, 16)
	for _, r := range rows {
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(ld16(p, 0))
		a1 = a1.Add(ld16(p, 16))
	}
	st16(a0, d, 0)
	st16(a1, d, 16)
}

// gatherAdd512x1 handles the lanes of mask of the 16 floats at d; masked-off
// lanes are neither loaded nor stored.
func gatherAdd512x1(d, m unsafe.Pointer, sb int, rows []int32, k archsimd.Mask32x16) {
	a0 := ldm16(d, 0, k)
	for _, r := range rows {
		a0 = a0.Add(ldm16(unsafe.Add(m, int(r)*sb), 0, k))
	}
	stm16(a0, d, 0, k)
}

func gatherAxpy512(dst, m []float32, stride int, rows []int32, vals []float32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	vals = vals[:len(rows)]
	checkRows(len(m), stride, n, rows)
	d, pm, sb := ptr(dst), ptr(m), stride*4
	j := 0
	for ; j+64 <= n; j += 64 {
		gatherAxpy512x4(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals)
	}
	for ; j+16 <= n; j += 16 {
		gatherAxpy512x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals, mask16(16))
	}
	if t := n - j; t > 0 {
		gatherAxpy512x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals, mask16(t))
	}
	archsimd.ClearAVXUpperBits()
}

// gatherAxpy512x4 is gatherAdd512x4 with each row scaled by its value: a
// multiply then an add (never a fused multiply-add), as in the portable code.
// It keeps four accumulators, not eight: Go 1.26's register allocator uses
// only X0-X14 (X15 is its zero register; Z16-Z31 are never allocated), and
// eight accumulators plus eight products plus the broadcast value spilled an
// accumulator to the stack on every row.
func gatherAxpy512x4(d, m unsafe.Pointer, sb int, rows []int32, vals []float32) {
	a0, a1, a2, a3 := ld16(d, 0), ld16(d, 16), ld16(d, 32), ld16(d, 48)
	vals = vals[:len(rows)]
	for k, r := range rows {
		v := archsimd.BroadcastFloat32x16(vals[k])
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(v.Mul(ld16(p, 0)))
		a1 = a1.Add(v.Mul(ld16(p, 16)))
		a2 = a2.Add(v.Mul(ld16(p, 32)))
		a3 = a3.Add(v.Mul(ld16(p, 48)))
	}
	st16(a0, d, 0)
	st16(a1, d, 16)
	st16(a2, d, 32)
	st16(a3, d, 48)
}

func gatherAxpy512x1(d, m unsafe.Pointer, sb int, rows []int32, vals []float32, k archsimd.Mask32x16) {
	a0 := ldm16(d, 0, k)
	vals = vals[:len(rows)]
	for i, r := range rows {
		v := archsimd.BroadcastFloat32x16(vals[i])
		a0 = a0.Add(v.Mul(ldm16(unsafe.Add(m, int(r)*sb), 0, k)))
	}
	stm16(a0, d, 0, k)
}

func scatterAdd512(m []float32, stride int, rows []int32, x []float32) {
	n := len(x)
	if n == 0 || len(rows) == 0 {
		return
	}
	checkRows(len(m), stride, n, rows)
	pm, px, sb := ptr(m), ptr(x), stride*4
	// Row by row, in order, so that overlapping or repeated rows see exactly
	// the sequence of additions of the portable loop.
	for _, r := range rows {
		addPtr512(unsafe.Add(pm, int(r)*sb), px, n)
	}
	archsimd.ClearAVXUpperBits()
}

func dot512(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	px, py := ptr(x), ptr(y)
	var acc f32x16
	i := 0
	for ; i+16 <= n; i += 16 {
		acc = acc.Add(ld16(px, i).Mul(ld16(py, i)))
	}
	// The first two halving steps of reduce16 in registers: lanes l and l+8,
	// then l and l+4.
	h := acc.GetLo().Add(acc.GetHi())
	var t [4]float32
	h.GetLo().Add(h.GetHi()).Store(&t)
	archsimd.ClearAVXUpperBits() // before the scalar (SSE) code below
	r := (t[0] + t[2]) + (t[1] + t[3])
	for ; i < n; i++ {
		r += float32(x[i] * y[i])
	}
	return r
}
