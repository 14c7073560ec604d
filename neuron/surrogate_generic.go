package neuron

// The surrogate kernels of GradSlice, one call per row of neurons. These
// are the portable forms; surrogate_simd.go replaces them at start-up with
// vector code where the CPU allows, with bitwise-identical results.
var (
	fastSigmoidSlice   = fastSigmoidSliceGeneric
	boxCarSlice        = boxCarSliceGeneric
	multiGaussianSlice = multiGaussianSliceGeneric
)

func fastSigmoidSliceGeneric(x []float32) {
	for i, v := range x {
		if v < 0 {
			v = -v
		}
		d := 10*v + 1
		x[i] = 1 / (d * d)
	}
}

func boxCarSliceGeneric(x []float32) {
	for i, v := range x {
		if v > -0.5 && v <= 0.5 {
			x[i] = 1
		} else {
			x[i] = 0
		}
	}
}

func multiGaussianSliceGeneric(x []float32) {
	for i, v := range x {
		x[i] = multiGaussian(v)
	}
}
