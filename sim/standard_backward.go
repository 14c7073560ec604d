package sim

// standardBackward is the backward pass of standardForward for one sample
// (DESIGN §4, standard simulator). It walks t = T-1 … 0 carrying the
// gradients of U[t] and a[t]:
//
//	gs    = dL/ds[t] + ga[t]                (a[t] uses the undetached spike)
//	        − V[t]·gU[t]                    (reset, only without detach)
//	        + (W_recᵀ·gI[t+L])              (recurrence, only without detach)
//	gx    = σ'(V[t] − θ[t])·gs
//	gV    = gx + gU[t]·(1 − s[t])
//	gI[t] = g[t]·gV,   gU[t-1] = beta·gV,   ga[t-1] = p·ga[t] − b·gx
//
// For the rich neuron every scale m carries its own ga_m (all of them
// reach gs), the reset term is (V_r − V[t])·gU[t], and V_r gets gU[t]
// where the neuron fired.
func (tr *Trace) standardBackward(b int, gS, gI []float32, acc *neuronGrads) {
	l := tr.Layer
	n, nt, kn := l.N, tr.V.T, l.K*l.N
	cfg := l.Neuron
	vIn := tr.V.Sample(b)
	beta, p, bb := l.Beta[:n], l.P[:kn], l.B[:kn]

	spike, open, aPrevAll := tr.replayStandard(b)
	defer releaseAll(spike, open, aPrevAll)

	rows := allRows(n)
	gU := make([]float32, n)
	ga := make([]float32, kn)
	gsBuf := make([]float32, n)
	sg := make([]float32, n)
	for t := nt - 1; t >= 0; t-- {
		row := t * n
		prefetchBack(t, n, gS, vIn, gI, spike, open)
		if cfg.Adapt {
			prefetchBack(t, kn, aPrevAll)
		}
		gs := gS[row : row+n : row+n]
		if !cfg.DetachSpikeGrad { // the recurrent input passes gradient to s[t] too
			gs = append(gsBuf[:0], gs...)
			addRecurrentSpikeGrad(l, rows, gs, gI, t, nt)
		}
		var vPrev, aPrev, spikePrev []float32
		if t > 0 {
			vPrev, spikePrev = vIn[row-n:row], spike[row-n:row]
		}
		if cfg.Adapt {
			aPrev = aPrevAll[t*kn : (t+1)*kn]
		}
		if l.rich() {
			gapRowRich(sg, vIn[row:row+n], aPrev, bb)
		} else {
			gapRow(sg, vIn[row:row+n], aPrev, bb, cfg.Adapt)
		}
		cfg.Surrogate.GradSlice(sg)
		if l.rich() {
			standardBackwardRowRich(gI[row:row+n], acc.beta, acc.p, acc.b, acc.vr, gU, ga, sg, gs, vIn[row:row+n], vPrev, aPrev,
				spike[row:row+n], spikePrev, open[row:row+n], beta, p, bb, l.VReset, cfg.DetachSpikeGrad)
		} else {
			standardBackwardRow(gI[row:row+n], acc.beta, acc.p, acc.b, gU, ga, sg, gs, vIn[row:row+n], vPrev, aPrev,
				spike[row:row+n], spikePrev, open[row:row+n], beta, p, bb, cfg.DetachSpikeGrad)
		}
	}
}
