package neuron

import (
	"math"
	"testing"
)

// exactMG is the multi-Gaussian of DESIGN §4 in float64.
func exactMG(x float64) float64 {
	n := func(x, mu, sigma float64) float64 {
		d := (x - mu) / sigma
		return math.Exp(-0.5*d*d) / (sigma * math.Sqrt(2*math.Pi))
	}
	return 0.5 * (1.15*n(x, 0, 0.5) - 0.15*n(x, 0.5, 3) - 0.15*n(x, -0.5, 3))
}

func TestSurrogates(t *testing.T) {
	for x := -20.0; x <= 20; x += 0.0013 {
		got := float64(MultiGaussian.Grad(float32(x)))
		if want := exactMG(float64(float32(x))); math.Abs(got-want) > 1e-6 {
			t.Fatalf("multi-Gaussian(%v) = %v, want %v", x, got, want)
		}
		if got, want := float64(FastSigmoid.Grad(float32(x))), 1/math.Pow(10*math.Abs(float64(float32(x)))+1, 2); math.Abs(got-want) > 1e-6*want {
			t.Fatalf("fast sigmoid(%v) = %v, want %v", x, got, want)
		}
	}
	// Boxcar is 1 on (-0.5, 0.5].
	for x, want := range map[float32]float32{-0.5: 0, -0.4999: 1, 0: 1, 0.5: 1, 0.5001: 0, 3: 0} {
		if got := BoxCar.Grad(x); got != want {
			t.Errorf("boxcar(%v) = %v, want %v", x, got, want)
		}
	}
	// The multi-Gaussian peaks at 0 with about 0.4354 and dips below zero in the tails.
	if g := MultiGaussian.Grad(0); math.Abs(float64(g)-exactMG(0)) > 1e-6 || g < 0.43 {
		t.Errorf("multi-Gaussian(0) = %v", g)
	}
	if g := MultiGaussian.Grad(3); g >= 0 {
		t.Errorf("multi-Gaussian(3) = %v, want negative", g)
	}
}

func TestExpf(t *testing.T) {
	for x := -87.0; x < 88; x += 0.01 {
		got, want := float64(expf(float32(x))), math.Exp(float64(float32(x)))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expf(%v) = %v, want %v", x, got, want)
		}
	}
	if expf(-100) != 0 || !math.IsInf(float64(expf(100)), 1) {
		t.Error("expf does not saturate")
	}
}

func TestClamps(t *testing.T) {
	cases := []struct {
		f        func(float32) (float32, float32)
		in, v, d float32
		name     string
	}{
		{ClampBeta, 0.5, 0.5, 1, "beta inside"},
		{ClampBeta, 1.2, 0.999, 0, "beta above"},
		{ClampBeta, -1, 0.001, 0, "beta below"},
		{ClampP, -0.7, 0.7, -1, "p negative"},
		{ClampP, 0.7, 0.7, 1, "p positive"},
		{ClampP, 2, 0.999, 0, "p above"},
		{ClampB, 1.8, 1, 0, "b initial"},
		{ClampB, -0.3, 0.3, -1, "b negative"},
		{ClampB, 0.0001, 0.001, 0, "b below"},
	}
	for _, c := range cases {
		v, d := c.f(c.in)
		if v != c.v || d != c.d {
			t.Errorf("%s: got (%v, %v), want (%v, %v)", c.name, v, d, c.v, c.d)
		}
	}
}
