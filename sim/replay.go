package sim

import "github.com/blocks-snn/blocks/tensor"

// replayStandard recomputes, from sample b's spikes, the bookkeeping of
// the standard forward pass that the trace does not store: the spike
// indicator s[t], the refractory gate g[t] (1: input open; both 0 or 1)
// and the adaptation a[t-1] that sets θ[t] (nil without adaptation), each
// [T][N]. It repeats the forward's arithmetic, so the values are bitwise
// the same. The slices come from the tensor pool; give them back with
// releaseAll.
func (tr *Trace) replayStandard(b int) (spike, open, aPrev []float32) {
	l := tr.Layer
	n, nt := l.N, tr.V.T
	cfg := l.Neuron
	ev := sampleSpikes(tr.Spikes, b)
	spike = tensor.Get(1, nt, n).Data
	open = tensor.Get(1, nt, n).Data
	if cfg.Adapt {
		aPrev = tensor.GetDirty(1, nt, n).Data // every element is written
	}
	refr := make([]int32, n)
	a := make([]float32, n)
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
			if cfg.Adapt {
				aPrev[k] = a[i]
				a[i] = l.P[i] * a[i]
				if spike[k] != 0 {
					a[i]++
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
// each block's firing position (-1: none) and, with adaptation, the
// adaptation a entering it (nil without), [K][N].
func (tr *Trace) blockCarry(b int) (fired []int32, aStart []float32) {
	l := tr.Layer
	size := ((tr.V.T + l.Neuron.BlockLen() - 1) / l.Neuron.BlockLen()) * l.N
	fired = tr.blockFired[b*size : (b+1)*size]
	if tr.blockA != nil {
		aStart = tr.blockA[b*size : (b+1)*size]
	}
	return fired, aStart
}

// Threshold returns the firing threshold at every step, [B][T][N]: θ[t] =
// 1 + b·a[t-1] for the standard simulator; for the blocks simulator the
// block's θ[j] = 1 + b·α[j], whose adaptation α leaves out the block's own
// spike (they agree up to each neuron's first spike of a block).
func (tr *Trace) Threshold() tensor.Batch {
	l := tr.Layer
	n, nt := l.N, tr.V.T
	th := tensor.New(tr.V.B, nt, n)
	for i := range th.Data {
		th.Data[i] = 1
	}
	if !l.Neuron.Adapt {
		return th
	}
	bl := l.Neuron.BlockLen()
	for b := range th.B {
		out := th.Sample(b)
		if tr.Method == Standard {
			spike, open, aPrev := tr.replayStandard(b)
			for k, a := range aPrev {
				out[k] = 1 + l.B[k%n]*a
			}
			releaseAll(spike, open, aPrev)
			continue
		}
		_, aStart := tr.blockCarry(b)
		for t0 := 0; t0 < nt; t0 += bl {
			alpha := append([]float32(nil), aStart[(t0/bl)*n:(t0/bl+1)*n]...)
			for t := t0; t < min(t0+bl, nt); t++ {
				for i := range n {
					out[t*n+i] = 1 + l.B[i]*alpha[i]
					alpha[i] = l.P[i] * alpha[i]
				}
			}
		}
	}
	return th
}
