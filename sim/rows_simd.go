//go:build goexperiment.simd && amd64

package sim

import (
	"math/bits"
	"simd/archsimd"
	"slices"
	"unsafe"
)

// AVX2 row kernels (archsimd.Float32x8), chosen once at start-up when the
// CPU has AVX2; otherwise the generic kernels of rows.go run.
//
// Each kernel computes, lane by lane, exactly the operations of its
// generic version in the same order: a multiply and then an add (never a
// fused multiply-add), the same comparisons (VCMPPS with ordered
// predicates for >, >=, <, <= and ==, so that a NaN compares false as in
// Go), and a select (blend) where the generic code branches, so that the
// results are bitwise identical. Where the generic code leaves a value
// unchanged the kernel stores the old value back, and where it stores a
// constant 0 the kernel clears the lane's bits (+0). (The one thing left
// open is which of two NaN operands with different bits an operation
// passes on: x86 takes the first, and which operand that is in the scalar
// code is up to the compiler's register allocation. Every NaN result is a
// NaN in both, and with only the NaN that x86 itself produces,
// 0xffc00000, the bits agree too; see rows_simd_test.go.)
//
// The vector loop handles 8 neurons at a time; the last n mod 8 run the
// generic kernel on the remaining sub-slices (with the spike indices
// offset), which is exact by construction. Each kernel executes VZEROUPPER
// (archsimd.ClearAVXUpperBits) before any scalar float code, since Go does
// not insert it and legacy-SSE code after dirty 256-bit registers runs
// several times slower.
//
// The vector loops address memory through unsafe pointers after the
// slices have been cut to the row length n (which panics like the generic
// code if one is too short), so they carry no bounds checks; every 8-float
// access lies inside the slice it came from.
//
// The kernels assume, like their callers, that distinct slice arguments
// do not overlap.

var rowsAVX2 = archsimd.X86.AVX2()

var (
	blocksForwardRow    = pickRow(blocksForwardRowAVX2, blocksForwardRowGeneric)
	standardForwardRow  = pickRow(standardForwardRowAVX2, standardForwardRowGeneric)
	gapRow              = pickRow(gapRowAVX2, gapRowGeneric)
	adaptRow            = pickRow(adaptRowAVX2, adaptRowGeneric)
	blocksGradRow       = pickRow(blocksGradRowAVX2, blocksGradRowGeneric)
	standardBackwardRow = pickRow(standardBackwardRowAVX2, standardBackwardRowGeneric)
)

// pickRow returns fast if the CPU has AVX2, else generic.
func pickRow[F any](fast, generic F) F {
	if rowsAVX2 {
		return fast
	}
	return generic
}

type rowF32 = archsimd.Float32x8

func rowPtr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

func rowPtrI(s []int32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// rowLd loads the 8 floats starting i floats after p.
func rowLd(p unsafe.Pointer, i int) rowF32 {
	return archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(p, i*4)))
}

// rowSt stores v to the 8 floats starting i floats after p.
func rowSt(v rowF32, p unsafe.Pointer, i int) {
	v.Store((*[8]float32)(unsafe.Add(p, i*4)))
}

// rowLdI loads the 8 int32s starting i elements after p.
func rowLdI(p unsafe.Pointer, i int) archsimd.Int32x8 {
	return archsimd.LoadInt32x8((*[8]int32)(unsafe.Add(p, i*4)))
}

// rowStI stores v to the 8 int32s starting i elements after p.
func rowStI(v archsimd.Int32x8, p unsafe.Pointer, i int) {
	v.Store((*[8]int32)(unsafe.Add(p, i*4)))
}

// rowClear returns x with the lanes of m set to +0 (the bits cleared).
func rowClear(x rowF32, m archsimd.Mask32x8) rowF32 {
	return x.AsInt32x8().AndNot(m.ToInt32x8()).AsFloat32x8()
}

// rowFrom returns s[i:], or nil if s is nil (for the optional slices of
// the generic tails).
func rowFrom(s []float32, i int) []float32 {
	if s == nil {
		return nil
	}
	return s[i:]
}

// rowSpikes appends base+k for every set bit k of m, ascending, within
// idx's capacity (see rowRoom).
func rowSpikes(idx []int32, base int, m uint8) []int32 {
	for ; m != 0; m &= m - 1 {
		k := len(idx)
		idx = idx[:k+1]
		idx[k] = int32(base + bits.TrailingZeros8(m))
	}
	return idx
}

// rowRoom returns idx with room for n more elements: the vector loops
// append spikes without a call (to append's growslice), across which
// the compiler would spill and reload their pointers and constants.
func rowRoom(idx []int32, n int) []int32 {
	if cap(idx)-len(idx) < n {
		idx = slices.Grow(idx, n)
	}
	return idx
}

// rowShift adds off to idx[from:], the indices that a generic tail
// appended relative to its sub-slices.
func rowShift(idx []int32, from, off int) {
	for k := from; k < len(idx); k++ {
		idx[k] += int32(off)
	}
}

func blocksForwardRowAVX2(j int32, cur, vOut, v, alpha, post, beta, p, b []float32, mask, fired []int32, adapt bool, idx []int32) []int32 {
	n := len(v)
	cur, vOut, alpha, post, beta, p, b, mask, fired = cur[:n], vOut[:n], alpha[:n], post[:n], beta[:n], p[:n], b[:n], mask[:n], fired[:n]
	pc, po, pv, pbeta, pm, pf := rowPtr(cur), rowPtr(vOut), rowPtr(v), rowPtr(beta), rowPtrI(mask), rowPtrI(fired)
	pa, ppost, pp, pb := rowPtr(alpha), rowPtr(post), rowPtr(p), rowPtr(b)
	jv := archsimd.BroadcastInt32x8(j)
	one := archsimd.BroadcastFloat32x8(1)
	var zi archsimd.Int32x8
	idx = rowRoom(idx, n)
	i := 0
	if adapt {
		for ; i+8 <= n; i += 8 {
			c := rowClear(rowLd(pc, i), rowLdI(pm, i).Greater(jv)) // 0 where j < mask
			vi := rowLd(pbeta, i).Mul(rowLd(pv, i)).Add(c)
			rowSt(vi, pv, i)
			rowSt(vi, po, i)
			al, pi := rowLd(pa, i), rowLd(pp, i)
			th := one.Add(rowLd(pb, i).Mul(al))
			al = pi.Mul(al)
			rowSt(al, pa, i)
			f := rowLdI(pf, i)
			open := f.Less(zi) // not fired yet in this block
			ps := rowLd(ppost, i)
			ps = ps.Merge(pi.Mul(ps), open) // p·post where fired >= 0
			spike := vi.Greater(th).And(open)
			rowSt(al.Add(one).Merge(ps, spike), ppost, i)
			if m := spike.ToBits(); m != 0 {
				rowStI(jv.Merge(f, spike), pf, i)
				idx = rowSpikes(idx, i, m)
			}
		}
	} else {
		for ; i+8 <= n; i += 8 {
			c := rowClear(rowLd(pc, i), rowLdI(pm, i).Greater(jv))
			vi := rowLd(pbeta, i).Mul(rowLd(pv, i)).Add(c)
			rowSt(vi, pv, i)
			rowSt(vi, po, i)
			f := rowLdI(pf, i)
			spike := vi.Greater(one).And(f.Less(zi))
			if m := spike.ToBits(); m != 0 {
				rowStI(jv.Merge(f, spike), pf, i)
				idx = rowSpikes(idx, i, m)
			}
		}
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		k := len(idx)
		idx = blocksForwardRowGeneric(j, cur[i:], vOut[i:], v[i:], alpha[i:], post[i:], beta[i:], p[i:], b[i:], mask[i:], fired[i:], adapt, idx)
		rowShift(idx, k, i)
	}
	return idx
}

func standardForwardRowAVX2(cur, vOut, u, a, beta, p, b []float32, refr []int32, arp int32, adapt bool, idx []int32) []int32 {
	n := len(u)
	cur, vOut, a, beta, p, b, refr = cur[:n], vOut[:n], a[:n], beta[:n], p[:n], b[:n], refr[:n]
	pc, po, pu, pa, pbeta, pp, pb, pr := rowPtr(cur), rowPtr(vOut), rowPtr(u), rowPtr(a), rowPtr(beta), rowPtr(p), rowPtr(b), rowPtrI(refr)
	arpv := archsimd.BroadcastInt32x8(arp)
	one := archsimd.BroadcastFloat32x8(1)
	var zi archsimd.Int32x8
	idx = rowRoom(idx, n)
	i := 0
	for ; i+8 <= n; i += 8 {
		r := rowLdI(pr, i)
		rm := r.Greater(zi)
		bu := rowLd(pbeta, i).Mul(rowLd(pu, i))
		v := bu.Merge(bu.Add(rowLd(pc, i)), rm) // beta·u, + cur unless refractory
		r = r.Add(rm.ToInt32x8())               // refr-- where refractory (the mask is -1)
		rowSt(v, po, i)
		th := one
		var av rowF32
		if adapt {
			av = rowLd(pa, i)
			th = one.Add(rowLd(pb, i).Mul(av))
			av = rowLd(pp, i).Mul(av)
		}
		spike := v.Greater(th)
		rowSt(rowClear(v, spike), pu, i)
		m := spike.ToBits()
		if m != 0 {
			r = arpv.Merge(r, spike)
			if adapt {
				av = av.Add(one).Merge(av, spike)
			}
		}
		rowStI(r, pr, i)
		if adapt {
			rowSt(av, pa, i)
		}
		if m != 0 {
			idx = rowSpikes(idx, i, m)
		}
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		k := len(idx)
		idx = standardForwardRowGeneric(cur[i:], vOut[i:], u[i:], a[i:], beta[i:], p[i:], b[i:], refr[i:], arp, adapt, idx)
		rowShift(idx, k, i)
	}
	return idx
}

func gapRowAVX2(x, v, a, b []float32, adapt bool) {
	n := len(x)
	v = v[:n]
	px, pv := rowPtr(x), rowPtr(v)
	one := archsimd.BroadcastFloat32x8(1)
	i := 0
	if !adapt {
		for ; i+8 <= n; i += 8 {
			rowSt(rowLd(pv, i).Sub(one), px, i)
		}
	} else {
		a, b = a[:n], b[:n]
		pa, pb := rowPtr(a), rowPtr(b)
		for ; i+8 <= n; i += 8 {
			rowSt(rowLd(pv, i).Sub(one.Add(rowLd(pb, i).Mul(rowLd(pa, i)))), px, i)
		}
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		gapRowGeneric(x[i:], v[i:], rowFrom(a, i), rowFrom(b, i), adapt)
	}
}

func adaptRowAVX2(alpha, carry, alphaPrev, carryPrev, p []float32, fired []int32, j int32) {
	n := len(alpha)
	carry, alphaPrev, carryPrev, p, fired = carry[:n], alphaPrev[:n], carryPrev[:n], p[:n], fired[:n]
	pa, pc, pap, pcp, pp, pf := rowPtr(alpha), rowPtr(carry), rowPtr(alphaPrev), rowPtr(carryPrev), rowPtr(p), rowPtrI(fired)
	one := archsimd.BroadcastFloat32x8(1)
	jPrev := archsimd.BroadcastInt32x8(j - 1)
	i := 0
	for ; i+8 <= n; i += 8 {
		pv := rowLd(pp, i)
		rowSt(pv.Mul(rowLd(pap, i)), pa, i)
		justFired := rowLdI(pf, i).Equal(jPrev)
		rowSt(one.Merge(pv.Mul(rowLd(pcp, i)), justFired), pc, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		adaptRowGeneric(alpha[i:], carry[i:], alphaPrev[i:], carryPrev[i:], p[i:], fired[i:], j)
	}
}

// blocksGradRowAVX2 is blocksGradRow for one adaptation scale.
func blocksGradRowAVX2(j int32, gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b []float32, mask []int32, detach bool) {
	n := len(gI)
	if n < 8 { // a single neuron (blocks fit): no vector, no set-up
		blocksGradRowGeneric(j, gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b, mask, detach)
		return
	}
	accBeta, gNext, g1, g2, sg, gs, beta, mask = accBeta[:n], gNext[:n], g1[:n], g2[:n], sg[:n], gs[:n], beta[:n], mask[:n]
	pgI, pab, pgn, pg1, pg2, psg, pgs, pbeta, pm := rowPtr(gI), rowPtr(accBeta), rowPtr(gNext), rowPtr(g1), rowPtr(g2), rowPtr(sg), rowPtr(gs), rowPtr(beta), rowPtrI(mask)
	adapt := a != nil
	var pap, paB, pga, pgb, pa, pc, pp, pb unsafe.Pointer
	if adapt {
		accP, accB, gAlpha, gBeta, a, c, p, b = accP[:n], accB[:n], gAlpha[:n], gBeta[:n], a[:n], c[:n], p[:n], b[:n]
		pap, paB, pga, pgb, pa, pc, pp, pb = rowPtr(accP), rowPtr(accB), rowPtr(gAlpha), rowPtr(gBeta), rowPtr(a), rowPtr(c), rowPtr(p), rowPtr(b)
	}
	var pvp unsafe.Pointer
	if vPrev != nil {
		pvp = rowPtr(vPrev[:n])
	}
	jv := archsimd.BroadcastInt32x8(j)
	i := 0
	for ; i+8 <= n; i += 8 {
		gsv := rowLd(pgs, i)
		var av, ga rowF32
		if adapt { // the adaptation recursions
			av, ga = rowLd(pa, i), rowLd(pga, i)
			gb := rowLd(pgb, i)
			rowSt(rowLd(pap, i).Add(ga.Mul(av).Add(gb.Mul(rowLd(pc, i)))), pap, i)
			if !detach {
				gsv = gsv.Add(gb)
			}
			pi := rowLd(pp, i)
			ga = ga.Mul(pi)
			rowSt(gb.Mul(pi), pgb, i)
		}
		// the spike
		s1 := rowLd(pg1, i).Add(gsv)
		s2 := rowLd(pg2, i).Add(s1)
		rowSt(s1, pg1, i)
		rowSt(s2, pg2, i)
		x := rowLd(psg, i).Mul(s2)
		if adapt { // the thresholds
			rowSt(rowLd(paB, i).Sub(x.Mul(av)), paB, i)
			rowSt(ga.Sub(x.Mul(rowLd(pb, i))), pga, i)
		}
		// the membrane
		gv := x.Add(rowLd(pgn, i))
		rowSt(rowClear(gv, rowLdI(pm, i).Greater(jv)), pgI, i)
		if pvp != nil {
			rowSt(rowLd(pab, i).Add(gv.Mul(rowLd(pvp, i))), pab, i)
		}
		rowSt(rowLd(pbeta, i).Mul(gv), pgn, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		var ai, ci, accPi, accBi, gAi, gBi, pi, bi []float32
		if adapt {
			ai, ci, accPi, accBi, gAi, gBi, pi, bi = a[i:], c[i:], accP[i:], accB[i:], gAlpha[i:], gBeta[i:], p[i:], b[i:]
		}
		blocksGradRowGeneric(j, gI[i:], accBeta[i:], accPi, accBi, gNext[i:], gAi, gBi, g1[i:], g2[i:], sg[i:], gs[i:], ai, ci, rowFrom(vPrev, i), beta[i:], pi, bi, mask[i:], detach)
	}
}

func standardBackwardRowAVX2(gI, accBeta, accP, accB, gU, ga, sg, gs, v, vPrev, aPrev, spike, spikePrev, open, beta, p, b []float32, detach bool) {
	n := len(gI)
	accBeta, accP, accB, gU, ga, sg, gs, v, spike, open, beta, p, b = accBeta[:n], accP[:n], accB[:n], gU[:n], ga[:n], sg[:n], gs[:n], v[:n], spike[:n], open[:n], beta[:n], p[:n], b[:n]
	pgI, pab, pap, paB, pgU, pga, psg, pgs, pv := rowPtr(gI), rowPtr(accBeta), rowPtr(accP), rowPtr(accB), rowPtr(gU), rowPtr(ga), rowPtr(sg), rowPtr(gs), rowPtr(v)
	pspike, popen, pbeta, pp, pb := rowPtr(spike), rowPtr(open), rowPtr(beta), rowPtr(p), rowPtr(b)
	hasV, hasA := vPrev != nil, aPrev != nil
	var pvp, psp, paPrev unsafe.Pointer
	if hasV {
		pvp, psp = rowPtr(vPrev[:n]), rowPtr(spikePrev[:n])
	}
	if hasA {
		paPrev = rowPtr(aPrev[:n])
	}
	var zero rowF32
	i := 0
	for ; i+8 <= n; i += 8 {
		gu, gav := rowLd(pgU, i), rowLd(pga, i)
		g := rowLd(pgs, i).Add(gav)
		if !detach {
			g = g.Sub(rowLd(pv, i).Mul(gu))
		}
		gx := rowLd(psg, i).Mul(g)
		gv := gx.Add(gu).Merge(gx, rowLd(pspike, i).Equal(zero)) // + gU where spike == 0
		if hasA {
			ap := rowLd(paPrev, i)
			rowSt(rowLd(paB, i).Sub(gx.Mul(ap)), paB, i)
			rowSt(rowLd(pap, i).Add(gav.Mul(ap)), pap, i)
			rowSt(rowLd(pp, i).Mul(gav).Sub(gx.Mul(rowLd(pb, i))), pga, i)
		}
		rowSt(rowClear(gv, rowLd(popen, i).Equal(zero)), pgI, i) // 0 where open == 0
		if hasV {
			acc := rowLd(pab, i)
			rowSt(acc.Add(gv.Mul(rowLd(pvp, i))).Merge(acc, rowLd(psp, i).Equal(zero)), pab, i)
		}
		rowSt(rowLd(pbeta, i).Mul(gv), pgU, i)
	}
	archsimd.ClearAVXUpperBits()
	if i < n {
		var sp []float32
		if hasV {
			sp = spikePrev[i:]
		}
		standardBackwardRowGeneric(gI[i:], accBeta[i:], accP[i:], accB[i:], gU[i:], ga[i:], sg[i:], gs[i:], v[i:], rowFrom(vPrev, i), rowFrom(aPrev, i),
			spike[i:], sp, open[i:], beta[i:], p[i:], b[i:], detach)
	}
}
