package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestSparseRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, binary := range []bool{true, false} {
		x := New(3, 7, 5)
		for i := range x.Data {
			if rng.Float64() < 0.3 {
				x.Data[i] = 1
				if !binary {
					x.Data[i] = float32(rng.NormFloat64())
				}
			}
		}
		s := SparseOf(x)
		if s.Binary() != binary {
			t.Fatalf("Binary() = %v, want %v", s.Binary(), binary)
		}
		if !slices.Equal(s.Dense().Data, x.Data) {
			t.Fatal("Dense(SparseOf(x)) != x")
		}
		// The column form lists, per sample and channel, the rows (b*T+t)
		// where the channel is non-zero, ascending, with their values.
		for b := range x.B {
			for n := range x.N {
				var rows []int32
				var vals []float32
				for tt := range x.T {
					if v := x.At(b, tt, n); v != 0 {
						rows = append(rows, int32(b*x.T+tt))
						vals = append(vals, v)
					}
				}
				lo, hi := s.ColPtr[b*x.N+n], s.ColPtr[b*x.N+n+1]
				if !slices.Equal(s.ColIdx[lo:hi], rows) {
					t.Fatalf("column (%d, %d): rows %v, want %v", b, n, s.ColIdx[lo:hi], rows)
				}
				if !binary && !slices.Equal(s.ColVals[lo:hi], vals) {
					t.Fatalf("column (%d, %d): values %v, want %v", b, n, s.ColVals[lo:hi], vals)
				}
			}
		}
		if got, want := s.Density(), float64(s.NNZ())/float64(len(x.Data)); got != want {
			t.Fatalf("Density %v, want %v", got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	x := New(2, 3, 4)
	if err := x.Check("x"); err != nil {
		t.Fatal(err)
	}
	x.Data[13] = float32(math.Inf(-1))
	if err := x.Check("x"); err == nil || !strings.Contains(err.Error(), "x: non-finite value -Inf at [batch 1, time 0, channel 1]") {
		t.Fatalf("got %v", err)
	}
	if err := (Batch{B: 1, T: 2, N: 3, Data: make([]float32, 5)}).Check("y"); err == nil || !strings.Contains(err.Error(), "needs 6 values, have 5") {
		t.Fatalf("got %v", err)
	}
}

func TestPool(t *testing.T) {
	x := GetDirty(2, 3, 4)
	for i := range x.Data {
		x.Data[i] = 7
	}
	Release(x)
	y := Get(2, 3, 4)
	for _, v := range y.Data {
		if v != 0 {
			t.Fatal("Get returned a buffer that is not zeroed")
		}
	}
	if len(y.Data) != 24 || y.B != 2 || y.T != 3 || y.N != 4 {
		t.Fatalf("Get returned shape [%d %d %d] with %d values", y.B, y.T, y.N, len(y.Data))
	}
}

func TestSparseCheck(t *testing.T) {
	x := New(2, 3, 4)
	x.Data[5], x.Data[20] = 1, 0.5
	if err := SparseOf(x).Check("x"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		spoil func(s *Sparse)
		want  string
	}{
		{"channel out of range", func(s *Sparse) { s.RowIdx[0] = 4 }, "event 0 has channel 4, outside 0…3"},
		{"negative channel", func(s *Sparse) { s.RowIdx[1] = -1 }, "event 1 has channel -1"},
		{"NaN value", func(s *Sparse) { s.Vals[1] = float32(math.NaN()) }, "event 1 has non-finite value NaN"},
		{"short row pointers", func(s *Sparse) { s.RowPtr = s.RowPtr[:3] }, "row pointers do not match"},
		{"decreasing pointers", func(s *Sparse) { s.RowPtr[2], s.RowPtr[3] = 2, 1 }, "decrease"},
		{"empty", func(s *Sparse) { s.B = 0 }, "empty shape"},
	} {
		s := SparseOf(x)
		c.spoil(s)
		if err := s.Check("x"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
