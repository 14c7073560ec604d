package network

import (
	"github.com/blocks-snn/blocks/internal/parallel"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// beta returns the readout's clamped decays and the clamp's derivatives.
func (r *Readout) beta() (eff, d []float32) {
	eff, d = make([]float32, r.NOut), make([]float32, r.NOut)
	for k, b := range r.Beta {
		eff[k], d[k] = neuron.ClampBeta(b)
	}
	return eff, d
}

// forward integrates the spikes s: O[t] = beta·O[t-1] + W·s[t] + bias, and
// returns O ([B][T][NOut]) and the logits Σ_t O[t] ([B][NOut]).
func (r *Readout) forward(s *tensor.Sparse) (tensor.Batch, []float32) {
	k := r.NOut
	wt := transpose(r.W, k, r.NIn)
	beta, _ := r.beta()
	out := tensor.GetDirty(s.B, s.T, k) // every element is written
	logits := make([]float32, s.B*k)
	parallel.For(s.B, func(b int) {
		o := make([]float32, k)
		u := make([]float32, k)
		lg := logits[b*k : (b+1)*k]
		for t := range s.T {
			row := b*s.T + t
			copy(u, r.Bias)
			vec.GatherAdd(u, wt, k, s.RowIdx[s.RowPtr[row]:s.RowPtr[row+1]])
			orow := out.Data[row*k : (row+1)*k]
			for i := range k {
				o[i] = beta[i]*o[i] + u[i]
				orow[i] = o[i]
				lg[i] += o[i]
			}
		}
	})
	return out, logits
}

// ReadoutGrads holds the gradients of a [Readout]'s parameters.
type ReadoutGrads struct{ W, Bias, Beta []float32 }

// backward returns the readout's parameter gradients and the gradient of
// its input spikes, given gO, the gradient of O, and the forward's O.
func (r *Readout) backward(s *tensor.Sparse, out, gO tensor.Batch) (ReadoutGrads, tensor.Batch) {
	k, n := r.NOut, r.NIn
	beta, dBeta := r.beta()
	rows := make([]int32, k)
	for i := range rows {
		rows[i] = int32(i)
	}
	gS := tensor.New(s.B, s.T, n)
	type partial struct{ wt, bias, beta []float32 }
	parts := make([]partial, s.B)
	parallel.For(s.B, func(b int) {
		pt := partial{wt: make([]float32, n*k), bias: make([]float32, k), beta: make([]float32, k)}
		ga := make([]float32, k)
		for t := s.T - 1; t >= 0; t-- {
			row := b*s.T + t
			g := gO.Data[row*k : (row+1)*k]
			for i := range k {
				ga[i] = g[i] + beta[i]*ga[i]
				if t > 0 {
					pt.beta[i] += ga[i] * out.Data[(row-1)*k+i]
				}
			}
			vec.Add(pt.bias, ga)
			for _, i := range s.RowIdx[s.RowPtr[row]:s.RowPtr[row+1]] {
				vec.Add(pt.wt[int(i)*k:(int(i)+1)*k], ga)
			}
			vec.GatherAxpy(gS.Data[row*n:(row+1)*n], r.W, n, rows, ga)
		}
		parts[b] = pt
	})
	g := ReadoutGrads{Bias: make([]float32, k), Beta: make([]float32, k)}
	wt := make([]float32, n*k)
	for _, pt := range parts {
		vec.Add(wt, pt.wt)
		vec.Add(g.Bias, pt.bias)
		vec.Add(g.Beta, pt.beta)
	}
	for i := range k {
		g.Beta[i] *= dBeta[i]
	}
	g.W = transpose(wt, n, k)
	return g, gS
}
