//go:build goexperiment.simd && amd64

package neuron

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// The AVX2 surrogate kernels must reproduce the generic ones bit for bit.

func TestGradSliceAVX2(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	kernels := []struct {
		s             Surrogate
		generic, avx2 func([]float32)
	}{
		{FastSigmoid, fastSigmoidSliceGeneric, fastSigmoidSliceAVX2},
		{BoxCar, boxCarSliceGeneric, boxCarSliceAVX2},
		{MultiGaussian, multiGaussianSliceGeneric, multiGaussianSliceAVX2},
	}
	for _, k := range kernels {
		// GradSlice must dispatch to the AVX2 kernel.
		got := reflect.ValueOf(map[Surrogate]func([]float32){FastSigmoid: fastSigmoidSlice, BoxCar: boxCarSlice, MultiGaussian: multiGaussianSlice}[k.s]).Pointer()
		if got != reflect.ValueOf(k.avx2).Pointer() {
			t.Errorf("%v: GradSlice does not use the AVX2 kernel", k.s)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{1, 7, 8, 9, 15, 16, 17, 128, 129, 300}
	specials := []float32{0, float32(math.Copysign(0, -1)), 0.5, -0.5, math.Nextafter32(0.5, 1), math.Nextafter32(-0.5, -1),
		-8, 8, math.Nextafter32(8, 0), math.Nextafter32(-8, 0), math.Nextafter32(-8, -9), 1e-40, -1e-40, 100, -100, 1e30}
	nans := []float32{float32(math.NaN()), math.Float32frombits(0xffc00000), math.Float32frombits(0x7fc12345), math.Float32frombits(0x7f800001),
		float32(math.Inf(1)), float32(math.Inf(-1))}
	for trial := range 4000 {
		n := 1 + rng.IntN(300)
		if trial < len(sizes) {
			n = sizes[trial]
		}
		x := make([]float32, n)
		for i := range x {
			switch r := rng.IntN(16); {
			case r < 8:
				x[i] = float32(rng.NormFloat64() * 2)
			case r < 11:
				x[i] = float32(rng.Float64()*20 - 10)
			case r < 13:
				x[i] = float32(rng.IntN(65)-32) / 4 // grid points, ±0.5, ±8
			case r < 15 || trial%2 == 0:
				x[i] = specials[rng.IntN(len(specials))]
			default:
				x[i] = nans[rng.IntN(len(nans))]
			}
		}
		// Mostly in-table rows, so that the vector path runs.
		if trial%4 == 1 {
			for i := range x {
				if !(x[i] > -8 && x[i] < 8) {
					x[i] = float32(rng.NormFloat64())
				}
			}
		}
		for _, k := range kernels {
			want, got := append([]float32(nil), x...), append([]float32(nil), x...)
			k.generic(want)
			k.avx2(got)
			for i := range want {
				if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
					t.Fatalf("%v n=%d: x[%d] = %v (%#x): generic %v (%#x), avx2 %v (%#x)", k.s, n, i,
						x[i], math.Float32bits(x[i]), want[i], math.Float32bits(want[i]), got[i], math.Float32bits(got[i]))
				}
			}
		}
	}
}

// BenchmarkGradSlice times the generic and AVX2 surrogate kernels on a row
// of 128 values like V − θ: go test -run x -bench GradSlice ./neuron/
func BenchmarkGradSlice(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 128)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	buf := make([]float32, len(x))
	for _, k := range []struct {
		name string
		fn   func([]float32)
	}{
		{"mg/generic", multiGaussianSliceGeneric}, {"mg/avx2", multiGaussianSliceAVX2},
		{"fast_sigmoid/generic", fastSigmoidSliceGeneric}, {"fast_sigmoid/avx2", fastSigmoidSliceAVX2},
		{"box_car/generic", boxCarSliceGeneric}, {"box_car/avx2", boxCarSliceAVX2},
	} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				copy(buf, x)
				k.fn(buf)
			}
		})
	}
}
