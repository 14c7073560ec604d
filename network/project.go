package network

import (
	"github.com/blocks-snn/blocks/internal/parallel"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/tensor"
)

// rowChunk is the number of (sample, step) rows one work item handles.
// Work is split by this fixed size, never by the number of threads.
const rowChunk = 64

// project returns the input current W·x[t] + bias for every row of x,
// [B][T][nOut], by gathering the rows of Wᵀ of the active inputs: binary
// sparse input costs one vector add per event.
func project(x *tensor.Sparse, w, bias []float32, nOut int) tensor.Batch {
	wt := transpose(w, nOut, x.N)
	cur := tensor.GetDirty(x.B, x.T, nOut) // every row starts from a copy of bias
	parallel.Chunks(x.B*x.T, rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := cur.Data[r*nOut : (r+1)*nOut]
			copy(row, bias)
			a, b := x.RowPtr[r], x.RowPtr[r+1]
			if x.Vals == nil {
				vec.GatherAdd(row, wt, nOut, x.RowIdx[a:b])
			} else {
				vec.GatherAxpy(row, wt, nOut, x.RowIdx[a:b], x.Vals[a:b])
			}
		}
	})
	return cur
}

// projectGrads returns the gradient of project's weights ([nOut][N])
// given gI, the gradient of its output. Each input channel's weight
// column sums the gradient rows at its events, sample by sample in order,
// whichever thread does it. A thread takes a contiguous range of channels
// and walks the samples once, so each sample's gI rows are read into cache
// once per thread.
func projectGrads(x *tensor.Sparse, gI tensor.Batch) []float32 {
	nOut := gI.N
	gWT := make([]float32, x.N*nOut)
	parallel.Split(x.N, func(lo, hi int) {
		for b := range x.B {
			for i := lo; i < hi; i++ {
				a, e := x.ColPtr[b*x.N+i], x.ColPtr[b*x.N+i+1]
				if x.ColVals == nil {
					vec.GatherAdd(gWT[i*nOut:(i+1)*nOut], gI.Data, nOut, x.ColIdx[a:e])
				} else {
					vec.GatherAxpy(gWT[i*nOut:(i+1)*nOut], gI.Data, nOut, x.ColIdx[a:e], x.ColVals[a:e])
				}
			}
		}
	})
	return transpose(gWT, x.N, nOut)
}

// projectInputGrad returns gX[r] = Wᵀ·gI[r] for every row r, [B][T][nIn].
func projectInputGrad(gI tensor.Batch, w []float32, nIn int) tensor.Batch {
	nOut := gI.N
	rows := make([]int32, nOut)
	for i := range rows {
		rows[i] = int32(i)
	}
	gX := tensor.Get(gI.B, gI.T, nIn)
	parallel.Chunks(gI.B*gI.T, rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			vec.GatherAxpy(gX.Data[r*nIn:(r+1)*nIn], w, nIn, rows, gI.Data[r*nOut:(r+1)*nOut])
		}
	})
	return gX
}

// transpose returns the [cols][rows] transpose of the [rows][cols] matrix m.
func transpose(m []float32, rows, cols int) []float32 {
	t := make([]float32, len(m))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = m[i*cols+j]
		}
	}
	return t
}
