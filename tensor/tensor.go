package tensor

import "fmt"

// Batch is a dense float32 array of shape [B][T][N]: B samples, T time
// steps, N channels. Element (b, t, n) is Data[(b*T+t)*N+n].
type Batch struct {
	B, T, N int
	Data    []float32
}

// New returns a zeroed Batch of the given shape.
func New(b, t, n int) Batch {
	return Batch{B: b, T: t, N: n, Data: make([]float32, b*t*n)}
}

// Row returns the N values of sample b at step t.
func (x Batch) Row(b, t int) []float32 {
	i := (b*x.T + t) * x.N
	return x.Data[i : i+x.N : i+x.N]
}

// At returns element (b, t, n).
func (x Batch) At(b, t, n int) float32 { return x.Data[(b*x.T+t)*x.N+n] }

// Sample returns the [T][N] slice of sample b.
func (x Batch) Sample(b int) []float32 {
	i := b * x.T * x.N
	return x.Data[i : i+x.T*x.N : i+x.T*x.N]
}

// Check reports an error naming what if the shape is empty or inconsistent
// with Data, or if any element is not finite.
func (x Batch) Check(what string) error {
	if x.B <= 0 || x.T <= 0 || x.N <= 0 {
		return fmt.Errorf("%s: empty shape [batch %d, time %d, channels %d]", what, x.B, x.T, x.N)
	}
	if len(x.Data) != x.B*x.T*x.N {
		return fmt.Errorf("%s: shape [%d %d %d] needs %d values, have %d", what, x.B, x.T, x.N, x.B*x.T*x.N, len(x.Data))
	}
	if allFinite(x.Data) {
		return nil
	}
	for i, v := range x.Data {
		if v-v != 0 { // only NaN and ±Inf
			n := i % x.N
			t := (i / x.N) % x.T
			b := i / (x.N * x.T)
			return fmt.Errorf("%s: non-finite value %v at [batch %d, time %d, channel %d]", what, v, b, t, n)
		}
	}
	return nil
}

// allFinite reports whether no element is NaN or ±Inf. v-v is 0 for every
// finite v and NaN otherwise, and NaN survives addition, so four running
// sums of v-v (independent, for speed) are 0 exactly when all are finite.
func allFinite(x []float32) bool {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += v[0] - v[0]
		s1 += v[1] - v[1]
		s2 += v[2] - v[2]
		s3 += v[3] - v[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] - x[i]
	}
	return s0+s1+s2+s3 == 0
}
