package sim

// Row kernels: the simulators' work on one step (or block position) of
// every neuron of a layer. They are the hot loops of both simulators and
// both backward passes; rows_simd.go replaces them with vector code where
// the CPU allows, with bitwise-identical results (no fused multiply-add,
// the same order of operations).

// blocksForwardRow advances every neuron by position j of its block
// (DESIGN §3): c = 0 where j < mask, else cur; v = beta·v + c, stored in
// vOut; with adaptation θ = 1 + b·α, then α = p·α and post = p·post where
// the neuron has fired. A neuron that has not fired yet and has v > θ
// fires: fired = j and, with adaptation, post = α + 1. The indices of the
// neurons that fire are appended to idx, ascending.
func blocksForwardRowGeneric(j int32, cur, vOut, v, alpha, post, beta, p, b []float32, mask, fired []int32, adapt bool, idx []int32) []int32 {
	n := len(v)
	cur, vOut, alpha, post, beta, p, b, mask, fired = cur[:n], vOut[:n], alpha[:n], post[:n], beta[:n], p[:n], b[:n], mask[:n], fired[:n]
	for i := range n {
		c := cur[i]
		if j < mask[i] {
			c = 0
		}
		vi := beta[i]*v[i] + c
		v[i] = vi
		vOut[i] = vi
		th := float32(1)
		if adapt {
			th = 1 + b[i]*alpha[i]
			alpha[i] = p[i] * alpha[i]
			if fired[i] >= 0 {
				post[i] = p[i] * post[i]
			}
		}
		if fired[i] < 0 && vi > th {
			fired[i] = j
			idx = append(idx, int32(i))
			if adapt {
				post[i] = alpha[i] + 1
			}
		}
	}
	return idx
}

// standardForwardRow steps every neuron once (DESIGN §2): V = beta·U (+ I
// unless refractory, which uses up one step of refr), stored in vOut;
// θ = 1 + b·a and a = p·a with adaptation; a neuron with V > θ fires: U =
// 0, refr = arp, a += 1; otherwise U = V. The indices of the neurons that
// fire are appended to idx, ascending.
func standardForwardRowGeneric(cur, vOut, u, a, beta, p, b []float32, refr []int32, arp int32, adapt bool, idx []int32) []int32 {
	n := len(u)
	cur, vOut, a, beta, p, b, refr = cur[:n], vOut[:n], a[:n], beta[:n], p[:n], b[:n], refr[:n]
	for i := range n {
		var v float32
		if refr[i] > 0 {
			refr[i]--
			v = beta[i] * u[i]
		} else {
			v = beta[i]*u[i] + cur[i]
		}
		vOut[i] = v
		th := float32(1)
		if adapt {
			th = 1 + b[i]*a[i]
			a[i] = p[i] * a[i]
		}
		if v > th {
			idx = append(idx, int32(i))
			u[i] = 0
			refr[i] = arp
			if adapt {
				a[i]++
			}
		} else {
			u[i] = v
		}
	}
	return idx
}

// gapRow sets x = v − θ with θ = 1 + b·a (adapt) or 1.
func gapRowGeneric(x, v, a, b []float32, adapt bool) {
	n := len(x)
	v = v[:n]
	if !adapt {
		for i := range n {
			x[i] = v[i] - 1
		}
		return
	}
	a, b = a[:n], b[:n]
	for i := range n {
		x[i] = v[i] - (1 + b[i]*a[i])
	}
}

// adaptRow steps the blocks simulator's adaptation recursions forward
// from position j-1 to j of a block: α[j] = p·α[j-1], and β[j] = 1 where
// the neuron fired at j-1, else p·β[j-1] (β[j] = p·β[j-1] + s[j-1], with
// β[j-1] = 0 up to the firing position).
func adaptRowGeneric(alpha, carry, alphaPrev, carryPrev, p []float32, fired []int32, j int32) {
	n := len(alpha)
	carry, alphaPrev, carryPrev, p, fired = carry[:n], alphaPrev[:n], carryPrev[:n], p[:n], fired[:n]
	for i := range n {
		alpha[i] = p[i] * alphaPrev[i]
		if fired[i] == j-1 {
			carry[i] = 1
		} else {
			carry[i] = p[i] * carryPrev[i]
		}
	}
}

// standardBackwardRow steps the standard simulator's backward pass from t
// to t-1 (see standardBackward), with sg holding σ'(V − θ) on entry and
// spike, open, spikePrev the 0/1 indicators of s[t], g[t] and s[t-1].
// vPrev is V[t-1], nil at t = 0; aPrev is a[t-1], nil without adaptation.
func standardBackwardRowGeneric(gI, accBeta, accP, accB, gU, ga, sg, gs, v, vPrev, aPrev, spike, spikePrev, open, beta, p, b []float32, detach bool) {
	n := len(gI)
	accBeta, accP, accB, gU, ga, sg, gs, v, spike, open, beta, p, b = accBeta[:n], accP[:n], accB[:n], gU[:n], ga[:n], sg[:n], gs[:n], v[:n], spike[:n], open[:n], beta[:n], p[:n], b[:n]
	for i := range n {
		g := gs[i] + ga[i]
		if !detach { // U[t] = V[t]·(1 − s[t])
			g -= v[i] * gU[i]
		}
		gx := sg[i] * g
		gv := gx
		if spike[i] == 0 {
			gv += gU[i]
		}
		if aPrev != nil {
			accB[i] -= gx * aPrev[i]
			accP[i] += ga[i] * aPrev[i]
			ga[i] = p[i]*ga[i] - gx*b[i]
		}
		if open[i] != 0 {
			gI[i] = gv
		} else {
			gI[i] = 0
		}
		if vPrev != nil && spikePrev[i] == 0 {
			accBeta[i] += gv * vPrev[i]
		}
		gU[i] = beta[i] * gv
	}
}

// blocksGradRow is one position j of the blocks simulator's backward pass
// after the surrogate, in one pass over the neurons (rows_test.go spells
// it out as four separate steps). Per neuron, with gx = sg·g2 the
// gradient of the candidate x[j] = Vn[j] − θ[j]:
//
//   - the adaptation recursions α[j+1] = p·α[j], β[j+1] = p·β[j] + s[j],
//     per scale m = 0, 1, … (a, c, p, b, accP, accB, gAlpha and gBeta hold
//     K rows; a nil without adaptation): accP += gα·α[j] + gβ·β[j]; without
//     detach the spike's share, gs += gβ; then gα ·= p, gβ ·= p;
//   - the spike: g1 += gs, g2 += g1 (the two reverse running sums whose
//     result is Σ_{j'≥j} (j'−j+1)·gs[j']), gx = sg·g2;
//   - the thresholds θ = 1 + Σ_m b_m·α_m: accB −= gx·α, gα −= gx·b;
//   - the membrane Vn[j] = beta·Vn[j-1] + c[j]: gV = gx + gNext; gI = gV
//     where j >= mask, else 0; accBeta += gV·vPrev (unless vPrev is nil:
//     Vn[-1] of the first block); gNext = beta·gV.
//
// sg and gs are scratch afterwards.
func blocksGradRowGeneric(j int32, gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b []float32, mask []int32, detach bool) {
	n := len(gI)
	for i := range n {
		gsi := gs[i]
		for k := i; k < len(a); k += n {
			accP[k] += gAlpha[k]*a[k] + gBeta[k]*c[k]
			if !detach {
				gsi += gBeta[k]
			}
			gAlpha[k] *= p[k]
			gBeta[k] *= p[k]
		}
		g1[i] += gsi
		g2[i] += g1[i]
		x := sg[i] * g2[i]
		for k := i; k < len(a); k += n {
			accB[k] -= x * a[k]
			gAlpha[k] -= x * b[k]
		}
		gv := x + gNext[i]
		if j >= mask[i] {
			gI[i] = gv
		} else {
			gI[i] = 0
		}
		if vPrev != nil {
			accBeta[i] += gv * vPrev[i]
		}
		gNext[i] = beta[i] * gv
	}
}
