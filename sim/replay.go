package sim

import "github.com/blocks-snn/blocks/tensor"

// replayStandard recomputes, from sample b's spikes, the bookkeeping of
// the standard forward pass that the trace does not store: the spike
// indicator s[t] and the refractory gate g[t] (1: input open; both 0 or
// 1), each [T][N], and the adaptation a_m[t-1] of every scale that sets
// θ[t], [T][K][N] (nil without adaptation). It repeats the forward's
// arithmetic, so the values are bitwise the same. The slices come from the
// tensor pool; give them back with releaseAll.
func (tr *Trace) replayStandard(b int) (spike, open, aPrev []float32) {
	l := tr.Layer
	n, nt, kn := l.N, tr.V.T, l.K*l.N
	cfg := l.Neuron
	ev := sampleSpikes(tr.Spikes, b)
	spike = tensor.Get(1, nt, n).Data
	open = tensor.Get(1, nt, n).Data
	if cfg.Adapt {
		aPrev = tensor.GetDirty(1, nt, kn).Data // every element is written
	}
	refr := make([]int32, n)
	a := make([]float32, kn)
	for t := range nt {
		for _, i := range ev.at(t) {
			spike[t*n+int(i)] = 1
		}
		for i := range n {
			k := t*n + i
			if refr[i] > 0 {
				refr[i]--
			} else {
				open[k] = 1
			}
			if spike[k] != 0 {
				refr[i] = int32(cfg.ARP)
			}
		}
		if cfg.Adapt {
			copy(aPrev[t*kn:(t+1)*kn], a)
			decayScales(a, l.P)
			for _, i := range ev.at(t) {
				for k := int(i); k < kn; k += n {
					a[k]++
				}
			}
		}
	}
	return spike, open, aPrev
}

// releaseAll gives buffers from the tensor pool back (nil ones are skipped).
func releaseAll(bufs ...[]float32) {
	for _, b := range bufs {
		tensor.Release(tensor.Batch{Data: b})
	}
}

// blockCarry returns sample b's block carry saved by the forward pass:
// each block's firing position (-1: none), [blocks][N], and, with
// adaptation, the adaptation a_m entering it (nil without),
// [blocks][K][N].
func (tr *Trace) blockCarry(b int) (fired []int32, aStart []float32) {
	l := tr.Layer
	size := ((tr.V.T + l.Neuron.BlockLen() - 1) / l.Neuron.BlockLen()) * l.N
	fired = tr.blockFired[b*size : (b+1)*size]
	if tr.blockA != nil {
		aStart = tr.blockA[b*size*l.K : (b+1)*size*l.K]
	}
	return fired, aStart
}

// Threshold returns the firing threshold at every step, [B][T][N]: θ[t] =
// 1 + Σ_m b_m·a_m[t-1] for the standard simulator; for the blocks
// simulator the block's θ[j] = 1 + Σ_m b_m·α_m[j], whose adaptation α
// leaves out the block's own spike (they agree up to each neuron's first
// spike of a block).
func (tr *Trace) Threshold() tensor.Batch {
	l := tr.Layer
	n, nt, kn := l.N, tr.V.T, l.K*l.N
	th := tensor.New(tr.V.B, nt, n)
	if !l.Neuron.Adapt {
		for i := range th.Data {
			th.Data[i] = 1
		}
		return th
	}
	bl := l.Neuron.BlockLen()
	for b := range th.B {
		out := th.Sample(b)
		if tr.Method == Standard {
			spike, open, aPrev := tr.replayStandard(b)
			for t := range nt {
				thresholdScales(out[t*n:(t+1)*n], aPrev[t*kn:(t+1)*kn], l.B)
			}
			releaseAll(spike, open, aPrev)
			continue
		}
		_, aStart := tr.blockCarry(b)
		alpha := make([]float32, kn)
		for t0 := 0; t0 < nt; t0 += bl {
			copy(alpha, aStart[(t0/bl)*kn:(t0/bl+1)*kn])
			for t := t0; t < min(t0+bl, nt); t++ {
				thresholdScales(out[t*n:(t+1)*n], alpha, l.B)
				decayScales(alpha, l.P)
			}
		}
	}
	return th
}
