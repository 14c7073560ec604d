package sim

import "github.com/blocks-snn/blocks/internal/vec"

// blocksForward simulates sample b block by block (DESIGN §3). Within
// block k (steps kL … kL+L-1) every neuron integrates its masked input
// without reset from the carried membrane v0,
//
//	Vn[j] = beta·Vn[j-1] + c[j],   Vn[-1] = v0,
//
// compares it with the block's thresholds θ[j] = 1 + b·α[j], where α[j] =
// a·p^j continues the adaptation a carried from the previous block without
// the block's own spike, and fires at the first crossing only. The block's
// whole input, including the recurrent part from block k-1, is known when
// the block starts. The carry to block k+1 is v0 = Vn[L-1] if the neuron
// did not fire (else 0), the refractory mask of the positions before the
// firing position j1, and the adaptation a[end of block].
//
// The scan over j is the same arithmetic as the standard simulator's
// steps, and the adaptation is carried as a (not A = a/p), so both
// simulators produce bitwise-identical spikes; see DESIGN §3 and
// docs/equations.md.
func (tr *Trace) blocksForward(b int, ev *sampleEvents) {
	l := tr.Layer
	n, nt := l.N, tr.Current.T
	cur, vOut := tr.Current.Sample(b), tr.V.Sample(b)
	cfg := l.Neuron
	bl := cfg.BlockLen()
	v := make([]float32, n)     // membrane carried into the block (v0), then Vn[j]
	alpha := make([]float32, n) // α[j]: adaptation without this block's spike
	post := make([]float32, n)  // adaptation after this block's spike
	mask := make([]int32, n)    // positions 0 … mask-1 of this block are refractory
	beta, p, bb := l.Beta[:n], l.P[:n], l.B[:n]
	nk := (nt + bl - 1) / bl
	blockFired := tr.blockFired[b*nk*n : (b+1)*nk*n]
	var blockA []float32
	if cfg.Adapt {
		blockA = tr.blockA[b*nk*n : (b+1)*nk*n]
	}
	for t0 := 0; t0 < nt; t0 += bl {
		end := min(t0+bl, nt)
		k := t0 / bl
		if cfg.Adapt {
			copy(blockA[k*n:(k+1)*n], alpha)
		}
		if l.RecT != nil && t0 >= bl {
			for t := t0; t < end; t++ {
				vec.GatherAdd(cur[t*n:(t+1)*n], l.RecT, n, ev.at(t-bl))
			}
		}
		fired := blockFired[k*n : (k+1)*n] // firing position in this block, or -1
		for i := range fired {
			fired[i] = -1
		}
		for t := t0; t < end; t++ {
			ev.idx = blocksForwardRow(int32(t-t0), cur[t*n:(t+1)*n], vOut[t*n:(t+1)*n], v, alpha, post, beta, p, bb, mask, fired, cfg.Adapt, ev.idx)
			ev.endStep(t)
		}
		// Carry to the next block.
		for i := range n {
			if fired[i] >= 0 {
				v[i] = 0
				mask[i] = fired[i]
				alpha[i] = post[i]
			} else {
				mask[i] = 0
			}
		}
	}
}
