package network

import (
	"testing"

	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/tensor"
)

// benchInput is the §5.1 benchmark's input size: batch 64, T 1024, 1000
// channels, about 10 % events.
func benchInput() (*tensor.Sparse, []float32, tensor.Batch) {
	x := tensor.New(64, 1024, 1000)
	state := uint64(1)
	for i := range x.Data {
		state = state*6364136223846793005 + 1442695040888963407
		if state>>40%10 == 0 {
			x.Data[i] = 1
		}
	}
	w := make([]float32, 128*1000)
	for i := range w {
		w[i] = float32(i%17) * 0.01
	}
	gI := tensor.New(64, 1024, 128)
	for i := range gI.Data {
		gI.Data[i] = float32(i%13) * 0.1
	}
	return tensor.SparseOf(x), w, gI
}

// BenchmarkProject times the input projection of the §5.1 benchmark and
// its weight gradient: go test -run x -bench Project ./network/
func BenchmarkProject(b *testing.B) {
	x, w, gI := benchInput()
	bias := make([]float32, 128)
	b.Run("forward/"+vec.Implementation(), func(b *testing.B) {
		for b.Loop() {
			tensor.Release(project(x, w, bias, 128))
		}
	})
	b.Run("weight-grad/"+vec.Implementation(), func(b *testing.B) {
		for b.Loop() {
			projectGrads(x, gI)
		}
	})
}
