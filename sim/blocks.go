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
// did not fire (else 0; for the rich neuron beta^(L-1-j1)·V_r), the
// refractory mask of the positions before the firing position j1, and the
// adaptation a[end of block] (one per time scale for the rich neuron).
//
// The scan over j is the same arithmetic as the standard simulator's
// steps, and the adaptation is carried as a (not A = a/p), so both
// simulators produce bitwise-identical spikes; see DESIGN §3 and
// docs/equations.md.
func (tr *Trace) blocksForward(b int, ev *sampleEvents) {
	l := tr.Layer
	n, nt, kn := l.N, tr.Current.T, l.K*l.N
	cur, vOut := tr.Current.Sample(b), tr.V.Sample(b)
	cfg := l.Neuron
	bl := cfg.BlockLen()
	v := make([]float32, n)      // membrane carried into the block (v0), then Vn[j]
	vPost := make([]float32, n)  // rich neuron: membrane since the block's spike
	alpha := make([]float32, kn) // α_m[j]: adaptation without this block's spike
	post := make([]float32, kn)  // adaptation after this block's spike
	th := make([]float32, n)     // rich neuron: thresholds
	mask := make([]int32, n)     // positions 0 … mask-1 of this block are refractory
	beta, p, bb := l.Beta[:n], l.P[:kn], l.B[:kn]
	nk := (nt + bl - 1) / bl
	blockFired := tr.blockFired[b*nk*n : (b+1)*nk*n]
	var blockA []float32
	if cfg.Adapt {
		blockA = tr.blockA[b*nk*kn : (b+1)*nk*kn]
	}
	for t0 := 0; t0 < nt; t0 += bl {
		end := min(t0+bl, nt)
		k := t0 / bl
		if cfg.Adapt {
			copy(blockA[k*kn:(k+1)*kn], alpha)
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
			j, row := int32(t-t0), cur[t*n:(t+1)*n]
			if l.rich() {
				ev.idx = blocksForwardRowRich(j, row, vOut[t*n:(t+1)*n], v, vPost, alpha, post, th, beta, p, bb, l.VReset, mask, fired, cfg.Adapt, ev.idx)
			} else {
				ev.idx = blocksForwardRow(j, row, vOut[t*n:(t+1)*n], v, alpha, post, beta, p, bb, mask, fired, cfg.Adapt, ev.idx)
			}
			ev.endStep(t)
		}
		// Carry to the next block: after a spike, the membrane since the
		// reset (0 for the paper's neuron) and the adaptation with it.
		for i := range n {
			if fired[i] >= 0 {
				v[i] = vPost[i]
				mask[i] = fired[i]
				for k := i; k < kn; k += n {
					alpha[k] = post[k]
				}
			} else {
				mask[i] = 0
			}
		}
	}
}
