package sim

// blocksBackward is the backward pass of blocksForward for one sample
// (DESIGN §4, blocks simulator), block by block from the last. Within a
// block, with gz[j] = dL/ds[j] (the output's gradient reaches every
// candidate position, ds/dz = 1):
//
//	gf[i] = Σ_{j≥i} (j−i+1)·gz[j]       (two reverse running sums)
//	gx[j] = σ'(Vn[j] − θ[j])·gf[j]
//	gV[j] = gx[j] + beta·gV[j+1],  gV[L] = gradient of the next block's v0
//	gI[j] = (j not masked)·gV[j]
//
// The adaptation is differentiated through its positional recursion
// α[j+1] = p·α[j] (the thresholds) and s-weighted sum β[j+1] = p·β[j] +
// s[j] (the spike's contribution to the carry a = α[L] + β[L]); spikes
// reach β, the recurrent input and the v0 gate only detached, unless
// DetachSpikeGrad is off, in which case β and the recurrent input pass
// their gradient to every position's s[j]. The refractory mask and the
// "did not fire" gate of v0 never carry gradient. The rich neuron runs
// the adaptation recursions once per time scale, and its v0 after a spike,
// beta^(L-1-j1)·V_r, passes gradient to beta and V_r.
func (tr *Trace) blocksBackward(b int, gS, gI []float32, acc *neuronGrads) {
	l := tr.Layer
	n, nt, kn := l.N, tr.V.T, l.K*l.N
	cfg := l.Neuron
	bl := cfg.BlockLen()
	vIn := tr.V.Sample(b)
	beta, bb := l.Beta[:n], l.B[:kn]

	fired, aStart := tr.blockCarry(b)

	rows := allRows(n)
	gsBuf := make([]float32, bl*n)  // gradient of the block's spikes, without detach
	alpha := make([]float32, bl*kn) // α_m[j] of the block, [L][K][N]
	carry := make([]float32, bl*kn) // β_m[j] of the block
	noMask := make([]int32, n)
	for i := range noMask {
		noMask[i] = -1
	}
	v0 := make([]float32, n) // the block's carried membrane
	sg := make([]float32, n)
	g1 := make([]float32, n)
	g2 := make([]float32, n)
	gNext := make([]float32, n) // gradient reaching Vn[j] from Vn[j+1] (or the next v0)
	gAlpha := make([]float32, kn)
	gBeta := make([]float32, kn) // gradient of β_m[j]
	grad := blocksGradRow
	if l.K > 1 {
		grad = blocksGradRowGeneric // the vector kernel has one scale
	}
	for k := (nt+bl-1)/bl - 1; k >= 0; k-- {
		t0 := k * bl
		nj := min(bl, nt-t0)
		gs := gS[t0*n : (t0+nj)*n : (t0+nj)*n]
		if !cfg.DetachSpikeGrad {
			// Spikes pass gradient from the recurrent input and the
			// carry too: work on a copy of the output's gradient.
			gs = append(gsBuf[:0], gs...)
			for j := range nj {
				addRecurrentSpikeGrad(l, rows, gs[j*n:(j+1)*n], gI, t0+j, nt)
			}
		}
		fk := fired[k*n : (k+1)*n]
		mask := noMask
		if k > 0 {
			mask = fired[(k-1)*n : k*n]
			tr.blockStart(v0, vIn[t0*n-n:t0*n], mask)
		}
		if cfg.Adapt {
			// α_m[j+1] = p_m·α_m[j] from the block's start; β_m[j+1] =
			// p_m·β_m[j] + s[j].
			copy(alpha, aStart[k*kn:(k+1)*kn])
			clear(carry[:kn])
			for j := 1; j < nj; j++ {
				for m := range l.K {
					at, ap := (j*l.K+m)*n, ((j-1)*l.K+m)*n
					adaptRow(alpha[at:at+n], carry[at:at+n], alpha[ap:ap+n], carry[ap:ap+n], l.P[m*n:(m+1)*n], fk, int32(j))
				}
			}
			copy(gBeta, gAlpha) // a_m[end of block] = α_m[L] + β_m[L]
		}
		clear(g1)
		clear(g2)
		for j := nj - 1; j >= 0; j-- {
			row := (t0 + j) * n
			prefetchBack(t0+j, n, gS, vIn, gI)
			gsj := gs[j*n : (j+1)*n]
			var aj, cj []float32
			if cfg.Adapt {
				aj, cj = alpha[j*kn:(j+1)*kn], carry[j*kn:(j+1)*kn]
			}
			if l.rich() {
				gapRowRich(sg, vIn[row:row+n], aj, bb)
			} else {
				gapRow(sg, vIn[row:row+n], aj, bb, cfg.Adapt)
			}
			cfg.Surrogate.GradSlice(sg)
			// Vn[j-1], or at j = 0 the block's v0 (none in block 0).
			var vPrev []float32
			switch {
			case j > 0:
				vPrev = vIn[row-n : row]
			case k > 0:
				vPrev = v0
			}
			grad(int32(j), gI[row:row+n], acc.beta, acc.p, acc.b, gNext, gAlpha, gBeta, g1, g2, sg, gsj, aj, cj, vPrev, beta, l.P, bb, mask, cfg.DetachSpikeGrad)
		}
		// gNext is now the gradient of v0. It reaches the previous
		// block's Vn[L-1] only if that block did not fire; after a spike
		// v0 = beta^(L-1-j1)·V_r reaches beta and V_r.
		for i := range n {
			if mask[i] < 0 {
				continue
			}
			if l.VReset != nil {
				e := bl - 1 - int(mask[i])
				pw := resetDecay(1, beta[i], max(e-1, 0)) // beta^(e-1)
				if e > 0 {
					acc.beta[i] += gNext[i] * float32(e) * pw * l.VReset[i]
					pw *= beta[i]
				}
				acc.vr[i] += gNext[i] * pw
			}
			gNext[i] = 0
		}
	}
}

// blockStart sets v0 to the membrane carried into a block: the previous
// block's last Vn where the neuron did not fire there (fired < 0), else the
// reset potential decayed to that block's end, beta^(L-1-j1)·V_r (0 for
// the paper's neuron), computed as the forward pass does.
func (tr *Trace) blockStart(v0, vEnd []float32, fired []int32) {
	l := tr.Layer
	bl := l.Neuron.BlockLen()
	for i, f := range fired[:len(v0)] {
		if f < 0 {
			v0[i] = vEnd[i]
		} else {
			v0[i] = resetDecay(resetAt(l.VReset, i), l.Beta[i], bl-1-int(f))
		}
	}
}
