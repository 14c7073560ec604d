package tensor

import (
	"fmt"

	"github.com/blocks-snn/blocks/internal/parallel"
)

// Sparse holds the non-zero elements of a [Batch] twice: by row (per sample
// and step: which channels are active) for forward projections, and by
// column within each sample (per channel: at which steps it is active) for
// weight gradients. Vals is nil when every non-zero is exactly 1, the
// common case of spike trains, so kernels can skip the multiplications.
type Sparse struct {
	B, T, N int

	// Row form: the events of row r = b*T+t are RowIdx[RowPtr[r]:RowPtr[r+1]]
	// (channel indices, ascending) with values Vals[same range].
	RowPtr []int32
	RowIdx []int32
	Vals   []float32

	// Column form: the events of channel n in sample b are
	// ColIdx[ColPtr[b*N+n]:ColPtr[b*N+n+1]] (row indices b*T+t, ascending)
	// with values ColVals[same range].
	ColPtr  []int32
	ColIdx  []int32
	ColVals []float32
}

// NNZ returns the number of non-zero elements.
func (s *Sparse) NNZ() int { return len(s.RowIdx) }

// Binary reports whether every non-zero element is 1.
func (s *Sparse) Binary() bool { return s.Vals == nil }

// Density returns the fraction of non-zero elements.
func (s *Sparse) Density() float64 {
	return float64(s.NNZ()) / float64(s.B*s.T*s.N)
}

// SparseOf converts x to its sparse form. x must have fewer than 2³¹
// non-zero elements and rows.
func SparseOf(x Batch) *Sparse {
	s := &Sparse{B: x.B, T: x.T, N: x.N}
	rows := x.B * x.T
	s.RowPtr = make([]int32, rows+1)
	binary := true
	nnz := 0
	for r := 0; r < rows; r++ {
		for _, v := range x.Data[r*x.N : (r+1)*x.N] {
			if v != 0 {
				nnz++
				if v != 1 {
					binary = false
				}
			}
		}
		s.RowPtr[r+1] = int32(nnz)
	}
	s.RowIdx = make([]int32, 0, nnz)
	if !binary {
		s.Vals = make([]float32, 0, nnz)
	}
	for r := 0; r < rows; r++ {
		for n, v := range x.Data[r*x.N : (r+1)*x.N] {
			if v != 0 {
				s.RowIdx = append(s.RowIdx, int32(n))
				if !binary {
					s.Vals = append(s.Vals, v)
				}
			}
		}
	}
	s.buildColumns()
	return s
}

// buildColumns fills the column form from the row form by a counting sort
// per sample, which keeps the row indices of each column ascending. A
// sample's entries are the same in both forms, so its columns start where
// its rows do, and the samples are sorted in parallel.
func (s *Sparse) buildColumns() {
	s.ColPtr = make([]int32, s.B*s.N+1)
	s.ColIdx = make([]int32, len(s.RowIdx))
	if s.Vals != nil {
		s.ColVals = make([]float32, len(s.RowIdx))
	}
	parallel.For(s.B, func(b int) {
		rows := s.RowPtr[b*s.T : (b+1)*s.T+1]
		next := make([]int32, s.N) // the next free place of each column
		for _, n := range s.RowIdx[rows[0]:rows[s.T]] {
			next[n]++
		}
		at := rows[0]
		for n, c := range next {
			next[n] = at
			at += c
			s.ColPtr[b*s.N+n+1] = at
		}
		for t := range s.T {
			r := b*s.T + t
			for k := rows[t]; k < rows[t+1]; k++ {
				n := s.RowIdx[k]
				s.ColIdx[next[n]] = int32(r)
				if s.Vals != nil {
					s.ColVals[next[n]] = s.Vals[k]
				}
				next[n]++
			}
		}
	})
}

// Dense returns the dense form of s, in a buffer from the pool (see [Get]).
func (s *Sparse) Dense() Batch {
	x := Get(s.B, s.T, s.N)
	for r := 0; r < s.B*s.T; r++ {
		for k := s.RowPtr[r]; k < s.RowPtr[r+1]; k++ {
			v := float32(1)
			if s.Vals != nil {
				v = s.Vals[k]
			}
			x.Data[r*s.N+int(s.RowIdx[k])] = v
		}
	}
	return x
}

// SparseFromRows returns the Sparse with the given row form (see
// [Sparse]) and fills in its column form. vals may be nil for binary data.
// The slices are kept, not copied.
func SparseFromRows(b, t, n int, rowPtr, rowIdx []int32, vals []float32) *Sparse {
	s := &Sparse{B: b, T: t, N: n, RowPtr: rowPtr, RowIdx: rowIdx, Vals: vals}
	s.buildColumns()
	return s
}

// Check reports an error naming what if s is not a consistent sparse
// tensor: a non-empty shape, row pointers that start at 0, never decrease
// and end at the number of events, channel indices inside [0, N), finite
// values, and a column form of the same size.
func (s *Sparse) Check(what string) error {
	if s.B <= 0 || s.T <= 0 || s.N <= 0 {
		return fmt.Errorf("%s: empty shape [batch %d, time %d, channels %d]", what, s.B, s.T, s.N)
	}
	rows := s.B * s.T
	if len(s.RowPtr) != rows+1 || s.RowPtr[0] != 0 || int(s.RowPtr[rows]) != len(s.RowIdx) {
		return fmt.Errorf("%s: row pointers do not match shape [%d %d %d] and %d events", what, s.B, s.T, s.N, len(s.RowIdx))
	}
	if s.Vals != nil && len(s.Vals) != len(s.RowIdx) {
		return fmt.Errorf("%s: %d values for %d events", what, len(s.Vals), len(s.RowIdx))
	}
	for r := range rows {
		if s.RowPtr[r+1] < s.RowPtr[r] {
			return fmt.Errorf("%s: row pointers decrease at row %d", what, r)
		}
	}
	n := int32(s.N)
	for k, c := range s.RowIdx {
		if c < 0 || c >= n {
			return fmt.Errorf("%s: event %d has channel %d, outside 0…%d", what, k, c, n-1)
		}
	}
	if s.Vals != nil && !allFinite(s.Vals) {
		for k, v := range s.Vals {
			if v-v != 0 {
				return fmt.Errorf("%s: event %d has non-finite value %v", what, k, v)
			}
		}
	}
	if len(s.ColPtr) != s.B*s.N+1 || len(s.ColIdx) != len(s.RowIdx) || (s.Vals != nil) != (s.ColVals != nil) {
		return fmt.Errorf("%s: column form does not match the row form", what)
	}
	return nil
}
