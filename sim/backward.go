package sim

import (
	"github.com/blocks-snn/blocks/internal/parallel"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/tensor"
)

// neuronGrads accumulates one sample's gradients of the per-neuron
// parameters (effective values; p and b K·N, vr nil without a reset
// potential), and the sum of its current gradients.
type neuronGrads struct{ beta, p, b, vr, current []float32 }

// backward runs run for every sample in parallel, each into its own slice
// of gI and its own partial gradients, then sums the partials in sample
// order, so the result does not depend on the number of threads.
func (tr *Trace) backward(gS tensor.Batch, run func(b int, gS, gI []float32, acc *neuronGrads)) (tensor.Batch, Grads) {
	l := tr.Layer
	nb, n, kn := gS.B, l.N, l.K*l.N
	gI := tensor.GetDirty(nb, gS.T, n) // every element is written
	parts := make([]neuronGrads, nb)
	parallel.For(nb, func(b int) {
		buf := make([]float32, 3*n+2*kn)
		part := neuronGrads{beta: buf[:n], current: buf[n : 2*n], p: buf[2*n : 2*n+kn], b: buf[2*n+kn : 2*n+2*kn]}
		if l.VReset != nil {
			part.vr = buf[2*n+2*kn:]
		}
		gIb := gI.Sample(b)
		run(b, gS.Sample(b), gIb, &part)
		for t := range gS.T { // while the sample's gI is still in cache
			vec.Add(part.current, gIb[t*n:(t+1)*n])
		}
		parts[b] = part
	})
	g := Grads{Beta: make([]float32, n), P: make([]float32, kn), B: make([]float32, kn), CurrentSum: make([]float32, n)}
	if l.VReset != nil {
		g.VReset = make([]float32, n)
	}
	for _, part := range parts {
		vec.Add(g.Beta, part.beta)
		vec.Add(g.P, part.p)
		vec.Add(g.B, part.b)
		vec.Add(g.CurrentSum, part.current)
		if g.VReset != nil {
			vec.Add(g.VReset, part.vr)
		}
	}
	if l.Rec != nil {
		g.Rec = tr.recGrad(gI)
	}
	return gI, g
}

// recGrad returns dL/dW_rec[n][m] = Σ_{b,t} gI[b,t,n]·s[b,t-L,m]: for each
// presynaptic neuron m, the sum of the current gradients L steps after
// each of its spikes. Spikes are few (at most one per block), so this
// gathers rows of gI instead of multiplying dense matrices.
func (tr *Trace) recGrad(gI tensor.Batch) []float32 {
	sp, n := tr.Spikes, tr.Layer.N
	delay := int32(tr.Layer.Neuron.BlockLen())
	gT := make([]float32, n*n) // gT[m*n+i] = dL/dW_rec[i][m]
	// As in the input projection's gradient: each thread owns a range of
	// presynaptic neurons and walks the samples once, in order.
	parallel.Split(n, func(lo, hi int) {
		var rows []int32
		for b := range sp.B {
			last := int32((b+1)*sp.T) - delay // rows r with r+delay still in sample b
			for m := lo; m < hi; m++ {
				rows = rows[:0]
				for _, r := range sp.ColIdx[sp.ColPtr[b*n+m]:sp.ColPtr[b*n+m+1]] {
					if r < last {
						rows = append(rows, r+delay)
					}
				}
				vec.GatherAdd(gT[m*n:(m+1)*n], gI.Data, n, rows)
			}
		}
	})
	g := make([]float32, n*n)
	for m := range n {
		for i := range n {
			g[i*n+m] = gT[m*n+i]
		}
	}
	return g
}

// allRows returns 0, 1, …, n-1: the row list that turns the gather
// kernels into a dense matrix-vector product.
func allRows(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(i)
	}
	return r
}

// addRecurrentSpikeGrad adds, for spikes that reach the recurrent input
// undetached, the gradient W_recᵀ·gI[t+L] to gs (the gradient of the
// spikes at step t), if t+L is inside the sample.
func addRecurrentSpikeGrad(l *Layer, rows []int32, gs, gI []float32, t, nt int) {
	d := l.Neuron.BlockLen()
	if l.Rec == nil || l.Neuron.DetachSpikeGrad || t+d >= nt {
		return
	}
	n := l.N
	vec.GatherAxpy(gs, l.Rec, n, rows, gI[(t+d)*n:(t+d+1)*n])
}

// prefetchAhead is the distance, in steps, at which the backward passes
// ask for the rows they will reach next.
const prefetchAhead = 8

// prefetchBack asks the CPU to load row t−prefetchAhead (n floats) of each
// of the tensors: the backward passes walk their rows back in time, which
// the hardware prefetchers do not foresee. It measured 20–30 % faster on
// the blocks backward dynamics (BenchmarkDynamics, one thread).
func prefetchBack(t, n int, tensors ...[]float32) {
	p := (t - prefetchAhead) * n
	if p < 0 {
		return
	}
	for _, x := range tensors {
		vec.Prefetch(x[p : p+n])
	}
}
