package sim

// Row kernels of the rich neuron (a reset potential V_r and K adaptation
// time scales; docs/equations.md, "The rich neuron"). They are portable Go
// only: the rich neuron serves single-neuron fits and small networks, where
// the rows are short. Adaptation state a, α, post and the parameters p, b
// hold K rows of N values, scale-major. With V_r = 0 and K = 1 every
// kernel does exactly the arithmetic of its paper counterpart in rows.go,
// in the same order.

// thresholdScales sets th = 1 + Σ_m b_m·a_m, summed in the order m = 0, 1,
// … (for K = 1 the paper's 1 + b·a).
func thresholdScales(th, a, b []float32) {
	n := len(th)
	for i := range th {
		th[i] = 1
	}
	for m := range len(a) / n {
		am, bm := a[m*n:(m+1)*n], b[m*n:(m+1)*n]
		for i := range th {
			th[i] += bm[i] * am[i]
		}
	}
}

// decayScales sets a = p·a (element-wise over all K rows).
func decayScales(a, p []float32) {
	p = p[:len(a)]
	for i := range a {
		a[i] = p[i] * a[i]
	}
}

// resetAt returns neuron i's reset potential (0 when vr is nil).
func resetAt(vr []float32, i int) float32 {
	if vr == nil {
		return 0
	}
	return vr[i]
}

// resetDecay returns beta^e·vr computed as the simulators do, one
// multiplication per step: the membrane e steps after a reset to vr.
func resetDecay(vr, beta float32, e int) float32 {
	for range e {
		vr = beta * vr
	}
	return vr
}

// blocksForwardRowRich is blocksForwardRow for the rich neuron. th is
// scratch for the thresholds; vPost holds, for a neuron that has fired in
// the block, its membrane since the spike: V_r, then ·beta at every later
// position, which at the block's end is the next block's v0.
func blocksForwardRowRich(j int32, cur, vOut, v, vPost, alpha, post, th, beta, p, b, vr []float32, mask, fired []int32, adapt bool, idx []int32) []int32 {
	n := len(v)
	if adapt {
		thresholdScales(th, alpha, b)
		decayScales(alpha, p)
		for i, f := range fired {
			if f >= 0 {
				for k := i; k < len(post); k += n {
					post[k] = p[k] * post[k]
				}
			}
		}
	} else {
		thresholdScales(th, nil, nil)
	}
	for i := range n {
		c := cur[i]
		if j < mask[i] {
			c = 0
		}
		vi := beta[i]*v[i] + c
		v[i] = vi
		vOut[i] = vi
		if fired[i] >= 0 {
			vPost[i] = beta[i] * vPost[i]
			continue
		}
		if vi > th[i] {
			fired[i] = j
			idx = append(idx, int32(i))
			vPost[i] = resetAt(vr, i)
			if adapt {
				for k := i; k < len(post); k += n {
					post[k] = alpha[k] + 1
				}
			}
		}
	}
	return idx
}

// standardForwardRowRich is standardForwardRow for the rich neuron: a
// neuron that fires resets to V_r and every scale's a_m += 1. th is
// scratch for the thresholds.
func standardForwardRowRich(cur, vOut, u, a, th, beta, p, b, vr []float32, refr []int32, arp int32, adapt bool, idx []int32) []int32 {
	n := len(u)
	if adapt {
		thresholdScales(th, a, b)
		decayScales(a, p)
	} else {
		thresholdScales(th, nil, nil)
	}
	for i := range n {
		var v float32
		if refr[i] > 0 {
			refr[i]--
			v = beta[i] * u[i]
		} else {
			v = beta[i]*u[i] + cur[i]
		}
		vOut[i] = v
		if v > th[i] {
			idx = append(idx, int32(i))
			u[i] = resetAt(vr, i)
			refr[i] = arp
			if adapt {
				for k := i; k < len(a); k += n {
					a[k]++
				}
			}
		} else {
			u[i] = v
		}
	}
	return idx
}

// gapRowRich sets x = v − θ with θ = 1 + Σ_m b_m·a_m (a nil: θ = 1).
func gapRowRich(x, v, a, b []float32) {
	thresholdScales(x, a, b)
	for i := range x {
		x[i] = v[i] - x[i]
	}
}

// standardBackwardRowRich is standardBackwardRow for the rich neuron: the
// reset U[t] = V[t]·(1 − s[t]) + V_r·s[t] passes gU to V_r where the
// neuron fired (accVr, nil without a reset potential) and, with detach
// off, (V_r − V[t])·gU to the spike; every scale m carries its own ga_m
// and receives the spike's gradient.
func standardBackwardRowRich(gI, accBeta, accP, accB, accVr, gU, ga, sg, gs, v, vPrev, aPrev, spike, spikePrev, open, beta, p, b, vr []float32, detach bool) {
	n := len(gI)
	for i := range n {
		g := gs[i]
		for k := i; k < len(ga); k += n {
			g += ga[k]
		}
		if !detach {
			g += (resetAt(vr, i) - v[i]) * gU[i]
		}
		gx := sg[i] * g
		gv := gx
		if spike[i] == 0 {
			gv += gU[i]
		} else if accVr != nil {
			accVr[i] += gU[i]
		}
		if aPrev != nil {
			for k := i; k < len(ga); k += n {
				accB[k] -= gx * aPrev[k]
				accP[k] += ga[k] * aPrev[k]
				ga[k] = p[k]*ga[k] - gx*b[k]
			}
		}
		if open[i] != 0 {
			gI[i] = gv
		} else {
			gI[i] = 0
		}
		if vPrev != nil {
			if spikePrev[i] == 0 {
				accBeta[i] += gv * vPrev[i]
			} else if vr != nil {
				accBeta[i] += gv * vr[i]
			}
		}
		gU[i] = beta[i] * gv
	}
}
