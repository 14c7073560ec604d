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
// "did not fire" gate of v0 never carry gradient.
func (tr *Trace) blocksBackward(b int, gS, gI []float32, acc *neuronGrads) {
	l := tr.Layer
	n, nt := l.N, tr.V.T
	cfg := l.Neuron
	bl := cfg.BlockLen()
	vIn := tr.V.Sample(b)
	beta, p, bb := l.Beta[:n], l.P[:n], l.B[:n]

	fired, aStart := tr.blockCarry(b)

	rows := allRows(n)
	gsBuf := make([]float32, bl*n) // gradient of the block's spikes, without detach
	alpha := make([]float32, bl*n) // α[j] of the block
	carry := make([]float32, bl*n) // β[j] of the block
	noMask := make([]int32, n)
	for i := range noMask {
		noMask[i] = -1
	}
	sg := make([]float32, n)
	g1 := make([]float32, n)
	g2 := make([]float32, n)
	gNext := make([]float32, n) // gradient reaching Vn[j] from Vn[j+1] (or the next v0)
	gAlpha := make([]float32, n)
	gBeta := make([]float32, n) // gradient of β[j]
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
		}
		if cfg.Adapt {
			// α[j+1] = p·α[j] from the block's start; β[j+1] = p·β[j] + s[j].
			copy(alpha, aStart[k*n:(k+1)*n])
			clear(carry[:n])
			for j := 1; j < nj; j++ {
				adaptRow(alpha[j*n:(j+1)*n], carry[j*n:(j+1)*n], alpha[(j-1)*n:j*n], carry[(j-1)*n:j*n], p, fk, int32(j))
			}
			copy(gBeta, gAlpha) // a[end of block] = α[L] + β[L]
		}
		clear(g1)
		clear(g2)
		for j := nj - 1; j >= 0; j-- {
			row := (t0 + j) * n
			gsj := gs[j*n : (j+1)*n]
			var aj, cj []float32
			if cfg.Adapt {
				aj, cj = alpha[j*n:(j+1)*n], carry[j*n:(j+1)*n]
			}
			gapRow(sg, vIn[row:row+n], aj, bb, cfg.Adapt)
			cfg.Surrogate.GradSlice(sg)
			if cfg.Adapt {
				blocksCarryRow(acc.p, gsj, gAlpha, gBeta, aj, cj, p, cfg.DetachSpikeGrad)
			}
			blocksSpikeRow(sg, gsj, g1, g2) // sg now holds gx[j]
			if cfg.Adapt {
				thresholdRow(acc.b, gAlpha, sg, aj, bb)
			}
			// Vn[j-1], or at j = 0 the previous block's Vn[L-1]: the v0
			// of the neurons that did not fire there.
			var vPrev []float32
			var gate []int32
			if j > 0 || k > 0 {
				vPrev = vIn[row-n : row]
			}
			if j == 0 {
				gate = mask
			}
			blocksMembraneRow(int32(j), gI[row:row+n], acc.beta, gNext, sg, vPrev, beta, mask, gate)
		}
		// gNext is now the gradient of v0; it reaches the previous
		// block's Vn[L-1] only if that block did not fire.
		for i := range n {
			if mask[i] >= 0 {
				gNext[i] = 0
			}
		}
	}
}
