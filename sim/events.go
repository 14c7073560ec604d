package sim

import (
	"github.com/blocks-snn/blocks/internal/parallel"
	"github.com/blocks-snn/blocks/tensor"
)

// sampleEvents collects the spikes of one sample while it is simulated:
// the neurons that fire at step t are idx[ptr[t]:ptr[t+1]], ascending.
type sampleEvents struct {
	ptr []int32
	idx []int32
}

// at returns the neurons that fired at step t.
func (e *sampleEvents) at(t int) []int32 { return e.idx[e.ptr[t]:e.ptr[t+1]] }

// endStep closes step t: the spikes appended since the previous call
// belong to it.
func (e *sampleEvents) endStep(t int) { e.ptr[t+1] = int32(len(e.idx)) }

// collectSpikes runs run(b, events) for every sample in parallel and joins
// the samples' spikes into one binary Sparse tensor.
func collectSpikes(nb, nt, n int, run func(b int, ev *sampleEvents)) *tensor.Sparse {
	evs := make([]sampleEvents, nb)
	parallel.For(nb, func(b int) {
		evs[b] = sampleEvents{ptr: make([]int32, nt+1)}
		run(b, &evs[b])
	})
	total := 0
	for b := range evs {
		total += len(evs[b].idx)
	}
	rowPtr := make([]int32, nb*nt+1)
	rowIdx := make([]int32, 0, total)
	for b := range evs {
		base := int32(len(rowIdx))
		for t := range nt {
			rowPtr[b*nt+t+1] = base + evs[b].ptr[t+1]
		}
		rowIdx = append(rowIdx, evs[b].idx...)
	}
	return tensor.SparseFromRows(nb, nt, n, rowPtr, rowIdx, nil)
}

// sampleSpikes returns the spikes of sample b of sp as per-step lists.
func sampleSpikes(sp *tensor.Sparse, b int) sampleEvents {
	lo := sp.RowPtr[b*sp.T]
	ptr := make([]int32, sp.T+1)
	for t := range sp.T + 1 {
		ptr[t] = sp.RowPtr[b*sp.T+t] - lo
	}
	return sampleEvents{ptr: ptr, idx: sp.RowIdx[lo:sp.RowPtr[(b+1)*sp.T]]}
}
