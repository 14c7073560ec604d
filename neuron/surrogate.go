package neuron

import (
	"fmt"
	"math"
)

// Surrogate selects the function that replaces dH(x)/dx, x = V - θ, in the
// backward pass. The forward pass always uses the Heaviside step.
type Surrogate int

const (
	// MultiGaussian is the paper's default:
	// 0.5·[1.15·N(x;0,0.5) − 0.15·N(x;0.5,3) − 0.15·N(x;−0.5,3)].
	MultiGaussian Surrogate = iota
	// FastSigmoid is 1/(10|x|+1)².
	FastSigmoid
	// BoxCar is 1 for −0.5 < x ≤ 0.5, else 0.
	BoxCar
)

var surrogateNames = [...]string{MultiGaussian: "mg", FastSigmoid: "fast_sigmoid", BoxCar: "box_car"}

// String returns the name used in model files: "mg", "fast_sigmoid" or "box_car".
func (s Surrogate) String() string {
	if s < 0 || int(s) >= len(surrogateNames) {
		return fmt.Sprintf("Surrogate(%d)", int(s))
	}
	return surrogateNames[s]
}

// ParseSurrogate returns the surrogate with the given model-file name.
func ParseSurrogate(name string) (Surrogate, error) {
	for i, n := range surrogateNames {
		if n == name {
			return Surrogate(i), nil
		}
	}
	return 0, fmt.Errorf("neuron: unknown surrogate %q (want mg, fast_sigmoid or box_car)", name)
}

// Multi-Gaussian constants: weight/(sigma·sqrt(2π)) of each term, with the
// leading 0.5 folded in, and -1/(2σ²) of each exponent.
var (
	mgNarrow = float32(0.5 * 1.15 / (0.5 * math.Sqrt(2*math.Pi)))
	mgWide   = float32(0.5 * 0.15 / (3 * math.Sqrt(2*math.Pi)))
)

const (
	mgNarrowExp = -1 / (2 * 0.5 * 0.5)
	mgWideExp   = -1 / (2 * 3.0 * 3.0)
)

// expf returns e^x in float32 to about one ulp (Cephes' expf: range
// reduction by ln 2 and a degree-6 polynomial). It is several times faster
// than converting to float64 for math.Exp, and the surrogate is evaluated
// at every neuron-step of a backward pass.
func expf(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	if x > 88.7 {
		return float32(math.Inf(1))
	}
	n := float32(math.Floor(float64(x*1.44269504088896341 + 0.5)))
	r := x - n*0.693359375 - n*-2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// Grad returns the surrogate derivative at x = V − θ.
func (s Surrogate) Grad(x float32) float32 {
	v := [1]float32{x}
	s.GradSlice(v[:])
	return v[0]
}

// GradSlice replaces every x[i] by the surrogate derivative at x[i]. It is
// the form the backward passes use: one call per row of neurons.
func (s Surrogate) GradSlice(x []float32) {
	switch s {
	case FastSigmoid:
		fastSigmoidSlice(x)
	case BoxCar:
		boxCarSlice(x)
	default:
		multiGaussianSlice(x)
	}
}

// The multi-Gaussian is evaluated at every neuron-step of a backward pass,
// so inside ±mgRange it is read from a table of its exact values at steps
// of 1/mgScale with linear interpolation (error below 1e-6, about 2e-6 of
// its peak; see TestMultiGaussianTable), and computed directly outside.
const (
	mgRange = 8
	mgScale = 512
)

var mgTable = func() []float32 {
	t := make([]float32, 2*mgRange*mgScale+2)
	for i := range t {
		t[i] = multiGaussianExact(float32(i)/mgScale - mgRange)
	}
	return t
}()

func multiGaussianExact(x float32) float32 {
	lo, hi := x-0.5, x+0.5
	return mgNarrow*expf(mgNarrowExp*x*x) - mgWide*(expf(mgWideExp*lo*lo)+expf(mgWideExp*hi*hi))
}

func multiGaussian(x float32) float32 {
	u := (x + mgRange) * mgScale
	if !(u >= 0 && u < 2*mgRange*mgScale) { // also catches NaN
		return multiGaussianExact(x)
	}
	i := int(u)
	f := u - float32(i)
	a, b := mgTable[i], mgTable[i+1]
	return a + f*(b-a)
}
