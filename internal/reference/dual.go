package reference

import "math"

// Dual is a dual number V + D·ε with ε² = 0. Carrying D through every
// operation of a computation gives, in D, the exact directional derivative of
// the result along the seeded direction (forward-mode automatic
// differentiation). The only non-smooth operations of the network are
// Heaviside, whose D uses the surrogate derivative (DESIGN §4), and the
// explicit StopGrad / value-only gates.
type Dual struct{ V, D float64 }

// Const is a constant: value v, no derivative.
func Const(v float64) Dual { return Dual{V: v} }

// Add returns a + b.
func (a Dual) Add(b Dual) Dual { return Dual{a.V + b.V, a.D + b.D} }

// Sub returns a - b.
func (a Dual) Sub(b Dual) Dual { return Dual{a.V - b.V, a.D - b.D} }

// Mul returns a · b (product rule).
func (a Dual) Mul(b Dual) Dual { return Dual{a.V * b.V, a.D*b.V + a.V*b.D} }

// Div returns a / b (quotient rule).
func (a Dual) Div(b Dual) Dual {
	return Dual{a.V / b.V, (a.D*b.V - a.V*b.D) / (b.V * b.V)}
}

// Scale returns c · a for a constant c.
func (a Dual) Scale(c float64) Dual { return Dual{c * a.V, c * a.D} }

// Abs returns |a|; its derivative is sign(a) (0 at a = 0, as torch.abs).
func Abs(a Dual) Dual {
	switch {
	case a.V > 0:
		return a
	case a.V < 0:
		return Dual{-a.V, -a.D}
	default:
		return Dual{0, 0}
	}
}

// Clamp returns min(max(a, lo), hi). The derivative passes where
// lo <= a <= hi and is 0 where the clamp is active (torch.clamp's rule).
func Clamp(a Dual, lo, hi float64) Dual {
	switch {
	case a.V < lo:
		return Const(lo)
	case a.V > hi:
		return Const(hi)
	default:
		return a
	}
}

// StopGrad keeps the value and drops the derivative (torch's .detach()).
func StopGrad(a Dual) Dual { return Dual{V: a.V} }

// Powers returns [a^0, a^1, …, a^n], each computed by repeated Mul, so that
// its derivative is exactly the product rule's.
func Powers(a Dual, n int) []Dual {
	p := make([]Dual, n+1)
	p[0] = Const(1)
	for k := 1; k <= n; k++ {
		p[k] = p[k-1].Mul(a)
	}
	return p
}

// Surrogate is the derivative substituted for dH(x)/dx (DESIGN §4).
type Surrogate func(x float64) float64

// Heaviside returns H(x) = 1 iff x.V > 0 (strictly), with derivative
// surrogate(x.V) · x.D.
func Heaviside(x Dual, surrogate Surrogate) Dual {
	h := 0.0
	if x.V > 0 {
		h = 1
	}
	if x.D == 0 { // nothing to propagate (and the surrogates are finite)
		return Dual{V: h}
	}
	return Dual{h, surrogate(x.V) * x.D}
}

// normalPDF is the density of N(mu, sigma²) at x.
func normalPDF(x, mu, sigma float64) float64 {
	d := (x - mu) / sigma
	return math.Exp(-0.5*d*d) / (sigma * math.Sqrt(2*math.Pi))
}

// The surrogates of DESIGN §4, x = V - θ.

func fastSigmoid(x float64) float64 {
	d := 10*math.Abs(x) + 1
	return 1 / (d * d)
}

func boxCar(x float64) float64 {
	if -0.5 < x && x <= 0.5 {
		return 1
	}
	return 0
}

func multiGaussian(x float64) float64 {
	return 0.5 * (1.15*normalPDF(x, 0, 0.5) -
		0.15*normalPDF(x, 0.5, 3) -
		0.15*normalPDF(x, -0.5, 3))
}

// SurrogateByName returns the surrogate called name: "mg" (multi-Gaussian),
// "fast_sigmoid" or "box_car".
func SurrogateByName(name string) (Surrogate, bool) {
	switch name {
	case "mg":
		return multiGaussian, true
	case "fast_sigmoid":
		return fastSigmoid, true
	case "box_car":
		return boxCar, true
	}
	return nil, false
}
