package train

import (
	"fmt"
	"math"
)

// Adam is the Adam optimiser exactly as PyTorch's torch.optim.Adam
// computes it (no weight decay, no AMSGrad), with float32 state:
//
//	step += 1
//	m = beta1·m + (1-beta1)·g
//	v = beta2·v + (1-beta2)·g·g
//	p -= lr/(1-beta1^step) · m / (sqrt(v)/sqrt(1-beta2^step) + eps)
//
// The bias corrections are computed in float64 (PyTorch's Python floats)
// and every element-wise operation is rounded to float32, in the order
// written above.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// Step is the number of updates done so far.
	Step int
	// M and V are the first and second moment estimates, one slice per
	// parameter, of the parameters' sizes.
	M, V [][]float32
}

// NewAdam returns an optimiser for parameters of the given sizes, with
// PyTorch's default betas (0.9, 0.999).
func NewAdam(sizes []int, lr, eps float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: eps}
	for _, n := range sizes {
		a.M = append(a.M, make([]float32, n))
		a.V = append(a.V, make([]float32, n))
	}
	return a
}

// Update applies one step to params given their gradients grads, in the
// order the optimiser was created with.
func (a *Adam) Update(params, grads [][]float32) error {
	if len(params) != len(a.M) || len(grads) != len(a.M) {
		return fmt.Errorf("adam: %d parameters and %d gradients for an optimiser of %d", len(params), len(grads), len(a.M))
	}
	for i := range params {
		if len(params[i]) != len(a.M[i]) || len(grads[i]) != len(a.M[i]) {
			return fmt.Errorf("adam: parameter %d has %d values and %d gradients, want %d", i, len(params[i]), len(grads[i]), len(a.M[i]))
		}
	}
	a.Step++
	step := float64(a.Step)
	bc1 := 1 - math.Pow(a.Beta1, step)
	bc2 := 1 - math.Pow(a.Beta2, step)
	stepSize := float32(a.LR / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	b1, c1 := float32(a.Beta1), float32(1-a.Beta1)
	b2, c2 := float32(a.Beta2), float32(1-a.Beta2)
	eps := float32(a.Eps)
	for i, p := range params {
		m, v, g := a.M[i], a.V[i], grads[i]
		for j := range p {
			// Explicit conversions round every operation to float32 and
			// keep the compiler from fusing multiply-adds, so the result
			// is the same on every architecture.
			mj := float32(b1*m[j]) + float32(c1*g[j])
			vj := float32(b2*v[j]) + float32(float32(c2*g[j])*g[j])
			m[j], v[j] = mj, vj
			denom := float32(sqrt32(vj)/bc2Sqrt) + eps
			p[j] -= float32(float32(stepSize*mj) / denom)
		}
	}
	return nil
}

// sqrt32 is the correctly rounded float32 square root.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// Schedule is PyTorch's MultiStepLR: the learning rate of epoch e
// (counted from 0) is the base rate multiplied by Gamma once for every
// milestone m <= e. With milestones [30, 60], epochs 0–29 (the first 30)
// use the base rate, epochs 30–59 base·Gamma and the rest base·Gamma².
type Schedule struct {
	Milestones []int
	Gamma      float64
}

// LR returns the learning rate of epoch e (0-based) for the base rate.
func (s Schedule) LR(base float64, e int) float64 {
	lr := base
	for _, m := range s.Milestones {
		if m <= e {
			lr *= s.Gamma
		}
	}
	return lr
}
