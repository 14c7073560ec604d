//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// AVX2 kernels (Float32x8), used when the CPU has AVX2 but not AVX-512. They
// mirror the AVX-512 kernels of vec_simd.go with half-width vectors and the
// same per-element order of operations. Only 16 vector registers exist here
// (15 usable), so the register-blocked gathers keep 4 accumulators (32
// floats). Like the AVX-512 kernels, each one ends with VZEROUPPER (see
// vec_simd.go).

type f32x8 = archsimd.Float32x8

// ld8 loads 8 floats starting i floats after p.
func ld8(p unsafe.Pointer, i int) f32x8 {
	return archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(p, i*4)))
}

// st8 stores v to the 8 floats starting i floats after p.
func st8(v f32x8, p unsafe.Pointer, i int) {
	v.Store((*[8]float32)(unsafe.Add(p, i*4)))
}

// ldm8 loads the lanes of mask starting i floats after p, zeroing the others.
// Masked-off lanes are not accessed (VMASKMOV suppresses their faults).
// The *[8]float32 may extend past the end of the slice, which checkptr
// (enabled by -race) would reject although only enabled lanes are touched.
//
//go:nocheckptr
func ldm8(p unsafe.Pointer, i int, mask archsimd.Mask32x8) f32x8 {
	return archsimd.LoadMaskedFloat32x8((*[8]float32)(unsafe.Add(p, i*4)), mask)
}

// stm8 stores the lanes of mask of v starting i floats after p.
// See ldm8 about go:nocheckptr.
//
//go:nocheckptr
func stm8(v f32x8, p unsafe.Pointer, i int, mask archsimd.Mask32x8) {
	v.StoreMasked((*[8]float32)(unsafe.Add(p, i*4)), mask)
}

var iota8 = [8]int32{0, 1, 2, 3, 4, 5, 6, 7}

// mask8 enables the low t lanes, 0 <= t <= 8. (Mask32x8FromBits needs
// AVX-512, so the mask is built with an AVX2 compare.)
func mask8(t int) archsimd.Mask32x8 {
	return archsimd.BroadcastInt32x8(int32(t)).Greater(archsimd.LoadInt32x8(&iota8))
}

func add256(dst, x []float32) {
	n := len(dst)
	x = x[:n]
	addPtr256(ptr(dst), ptr(x), n)
	archsimd.ClearAVXUpperBits()
}

// addPtr256 computes d[j] += x[j] for j < n; both must hold n floats.
func addPtr256(d, x unsafe.Pointer, n int) {
	j := 0
	for ; j+32 <= n; j += 32 {
		a0 := ld8(d, j).Add(ld8(x, j))
		a1 := ld8(d, j+8).Add(ld8(x, j+8))
		a2 := ld8(d, j+16).Add(ld8(x, j+16))
		a3 := ld8(d, j+24).Add(ld8(x, j+24))
		st8(a0, d, j)
		st8(a1, d, j+8)
		st8(a2, d, j+16)
		st8(a3, d, j+24)
	}
	for ; j+8 <= n; j += 8 {
		st8(ld8(d, j).Add(ld8(x, j)), d, j)
	}
	if t := n - j; t > 0 {
		k := mask8(t)
		stm8(ldm8(d, j, k).Add(ldm8(x, j, k)), d, j, k)
	}
}

func axpy256(dst []float32, a float32, x []float32) {
	n := len(dst)
	x = x[:n]
	d, px := ptr(dst), ptr(x)
	va := archsimd.BroadcastFloat32x8(a)
	j := 0
	for ; j+32 <= n; j += 32 {
		a0 := ld8(d, j).Add(va.Mul(ld8(px, j)))
		a1 := ld8(d, j+8).Add(va.Mul(ld8(px, j+8)))
		a2 := ld8(d, j+16).Add(va.Mul(ld8(px, j+16)))
		a3 := ld8(d, j+24).Add(va.Mul(ld8(px, j+24)))
		st8(a0, d, j)
		st8(a1, d, j+8)
		st8(a2, d, j+16)
		st8(a3, d, j+24)
	}
	for ; j+8 <= n; j += 8 {
		st8(ld8(d, j).Add(va.Mul(ld8(px, j))), d, j)
	}
	if t := n - j; t > 0 {
		k := mask8(t)
		stm8(ldm8(d, j, k).Add(va.Mul(ldm8(px, j, k))), d, j, k)
	}
	archsimd.ClearAVXUpperBits()
}

func gatherAdd256(dst, m []float32, stride int, rows []int32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	hi := min(maxRow(len(m), stride, n), 1<<31-1)
	if n%64 != 0 {
		checkRows(len(m), stride, n, rows)
	} // else the assembly kernels check each row against hi
	d, pm, sb := ptr(dst), ptr(m), stride*4
	j := 0
	for ; j+128 <= n; j += 128 {
		if !gatherAdd256x16asm(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, hi) {
			panic(errRow)
		}
	}
	if j+64 <= n {
		if !gatherAdd256x8asm(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, hi) {
			panic(errRow)
		}
		j += 64
	}
	if j+32 <= n {
		gatherAdd256x4(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows)
		j += 32
	}
	if j+16 <= n {
		gatherAdd256x2(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows)
		j += 16
	}
	if j+8 <= n {
		gatherAdd256x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, mask8(8))
		j += 8
	}
	if t := n - j; t > 0 {
		gatherAdd256x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, mask8(t))
	}
	archsimd.ClearAVXUpperBits()
}

// gatherAdd256x4 adds the rows to the 32 floats at d with four accumulators
// that stay in registers across all rows. (Eight would not fit: without
// AVX-512 the loads cannot be folded into the adds, and Go reserves X15/Y15,
// so 8 accumulators + 8 loaded vectors exceed the 15 usable registers and one
// accumulator was spilled every row.) m points at the rows' column j, sb is
// the row stride in bytes.
func gatherAdd256x4(d, m unsafe.Pointer, sb int, rows []int32) {
	a0, a1, a2, a3 := ld8(d, 0), ld8(d, 8), ld8(d, 16), ld8(d, 24)
	for _, r := range rows {
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(ld8(p, 0))
		a1 = a1.Add(ld8(p, 8))
		a2 = a2.Add(ld8(p, 16))
		a3 = a3.Add(ld8(p, 24))
	}
	st8(a0, d, 0)
	st8(a1, d, 8)
	st8(a2, d, 16)
	st8(a3, d, 24)
}

// gatherAdd256x16asm and gatherAdd256x8asm add the rows to the 128 (64)
// floats at d with 16 (8) accumulators, in assembly (vec_avx2_amd64.s): Go
// does not fold the row loads into the adds, and 16 accumulators plus the
// loaded vectors do not fit in registers. m points at the rows' column j, sb
// is the row stride in bytes, hi the largest valid row index; they return
// false, leaving d untouched, at the first row above hi or below 0.
//
//go:noescape
func gatherAdd256x16asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)

//go:noescape
func gatherAdd256x8asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)

func gatherAdd256x2(d, m unsafe.Pointer, sb int, rows []int32) {
	a0, a1 := ld8(d, 0), ld8(d, 8)
	for _, r := range rows {
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(ld8(p, 0))
		a1 = a1.Add(ld8(p, 8))
	}
	st8(a0, d, 0)
	st8(a1, d, 8)
}

// gatherAdd256x1 handles the lanes of mask of the 8 floats at d.
func gatherAdd256x1(d, m unsafe.Pointer, sb int, rows []int32, k archsimd.Mask32x8) {
	a0 := ldm8(d, 0, k)
	for _, r := range rows {
		a0 = a0.Add(ldm8(unsafe.Add(m, int(r)*sb), 0, k))
	}
	stm8(a0, d, 0, k)
}

func gatherAxpy256(dst, m []float32, stride int, rows []int32, vals []float32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	vals = vals[:len(rows)]
	checkRows(len(m), stride, n, rows)
	d, pm, sb := ptr(dst), ptr(m), stride*4
	j := 0
	for ; j+32 <= n; j += 32 {
		gatherAxpy256x4(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals)
	}
	for ; j+8 <= n; j += 8 {
		gatherAxpy256x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals, mask8(8))
	}
	if t := n - j; t > 0 {
		gatherAxpy256x1(unsafe.Add(d, j*4), unsafe.Add(pm, j*4), sb, rows, vals, mask8(t))
	}
	archsimd.ClearAVXUpperBits()
}

// gatherAxpy256x4 is gatherAdd256x4 with each row scaled by its value: a
// multiply then an add (never a fused multiply-add), as in the portable code.
func gatherAxpy256x4(d, m unsafe.Pointer, sb int, rows []int32, vals []float32) {
	a0, a1, a2, a3 := ld8(d, 0), ld8(d, 8), ld8(d, 16), ld8(d, 24)
	vals = vals[:len(rows)]
	for k, r := range rows {
		v := archsimd.BroadcastFloat32x8(vals[k])
		p := unsafe.Add(m, int(r)*sb)
		a0 = a0.Add(v.Mul(ld8(p, 0)))
		a1 = a1.Add(v.Mul(ld8(p, 8)))
		a2 = a2.Add(v.Mul(ld8(p, 16)))
		a3 = a3.Add(v.Mul(ld8(p, 24)))
	}
	st8(a0, d, 0)
	st8(a1, d, 8)
	st8(a2, d, 16)
	st8(a3, d, 24)
}

func gatherAxpy256x1(d, m unsafe.Pointer, sb int, rows []int32, vals []float32, k archsimd.Mask32x8) {
	a0 := ldm8(d, 0, k)
	vals = vals[:len(rows)]
	for i, r := range rows {
		v := archsimd.BroadcastFloat32x8(vals[i])
		a0 = a0.Add(v.Mul(ldm8(unsafe.Add(m, int(r)*sb), 0, k)))
	}
	stm8(a0, d, 0, k)
}

func scatterAdd256(m []float32, stride int, rows []int32, x []float32) {
	n := len(x)
	if n == 0 || len(rows) == 0 {
		return
	}
	checkRows(len(m), stride, n, rows)
	pm, px, sb := ptr(m), ptr(x), stride*4
	// Row by row, in order, so that overlapping or repeated rows see exactly
	// the sequence of additions of the portable loop.
	for _, r := range rows {
		addPtr256(unsafe.Add(pm, int(r)*sb), px, n)
	}
	archsimd.ClearAVXUpperBits()
}

// dot256 keeps the 16 lane sums of Dot in two vectors: lanes 0-7 and 8-15.
func dot256(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	px, py := ptr(x), ptr(y)
	var lo, hi f32x8
	i := 0
	for ; i+16 <= n; i += 16 {
		lo = lo.Add(ld8(px, i).Mul(ld8(py, i)))
		hi = hi.Add(ld8(px, i+8).Mul(ld8(py, i+8)))
	}
	// The first two halving steps of reduce16 in registers: lanes l and l+8
	// (lo+hi), then l and l+4.
	h := lo.Add(hi)
	var t [4]float32
	h.GetLo().Add(h.GetHi()).Store(&t)
	archsimd.ClearAVXUpperBits() // before the scalar (SSE) code below
	r := (t[0] + t[2]) + (t[1] + t[3])
	for ; i < n; i++ {
		r += float32(x[i] * y[i])
	}
	return r
}
