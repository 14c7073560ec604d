package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks model the simulators' hot loops: a 1000-row weight matrix
// (m = 1000 x stride random floats, 512 KiB at stride 128), 100 active input
// rows per step. They report ns/row (time per gathered or scattered row) and
// bytes of matrix touched per second.

const (
	benchInputs = 1000
	benchRows   = 100
)

func benchSetup(width int) (dst, m []float32, rows []int32) {
	rng := rand.New(rand.NewPCG(42, uint64(width)))
	m = randVec(rng, benchInputs*width)
	dst = randVec(rng, width)
	rows = make([]int32, benchRows)
	for i := range rows {
		rows[i] = int32(rng.IntN(benchInputs))
	}
	return dst, m, rows
}

func reportPerRow(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}

func BenchmarkGatherAdd(b *testing.B) {
	b.Logf("implementation: %s", Implementation())
	for _, width := range []int{128, 512} {
		b.Run(fmt.Sprintf("dst=%d", width), func(b *testing.B) {
			dst, m, rows := benchSetup(width)
			b.SetBytes(int64(4 * width * benchRows))
			for b.Loop() {
				GatherAdd(dst, m, width, rows)
			}
			reportPerRow(b)
		})
	}
}

// BenchmarkGatherRate measures the rate (MB/s) at which GatherAdd reads
// random 512-byte rows (128 floats) of matrices from 20 KiB (in L1) to
// 2000 KiB (beyond L2), 100 000 rows a call: the bound on the simulators'
// input projection and input-weight gradient, which gather rows of a
// 1000×128 matrix (500 KiB) at random.
func BenchmarkGatherRate(b *testing.B) {
	for _, nrows := range []int{40, 200, 500, 1000, 4000} {
		b.Run(fmt.Sprintf("matrix=%dKiB", nrows/2), func(b *testing.B) {
			m := make([]float32, nrows*128)
			dst := make([]float32, 128)
			rng := rand.New(rand.NewPCG(1, uint64(nrows)))
			rows := make([]int32, 100000)
			for i := range rows {
				rows[i] = int32(rng.IntN(nrows))
			}
			b.SetBytes(int64(len(rows) * 512))
			for b.Loop() {
				GatherAdd(dst, m, 128, rows)
			}
		})
	}
}

func BenchmarkGatherAxpy(b *testing.B) {
	for _, width := range []int{128, 512} {
		b.Run(fmt.Sprintf("dst=%d", width), func(b *testing.B) {
			dst, m, rows := benchSetup(width)
			vals := randVec(rand.New(rand.NewPCG(1, 1)), benchRows)
			b.SetBytes(int64(4 * width * benchRows))
			for b.Loop() {
				GatherAxpy(dst, m, width, rows, vals)
			}
			reportPerRow(b)
		})
	}
}

func BenchmarkScatterAdd(b *testing.B) {
	for _, width := range []int{128, 512} {
		b.Run(fmt.Sprintf("x=%d", width), func(b *testing.B) {
			x, m, rows := benchSetup(width)
			// Keep the values bounded: subtract again every other step.
			neg := make([]float32, width)
			for i := range x {
				neg[i] = -x[i]
			}
			b.SetBytes(int64(4 * width * benchRows))
			i := 0
			for b.Loop() {
				if i&1 == 0 {
					ScatterAdd(m, width, rows, x)
				} else {
					ScatterAdd(m, width, rows, neg)
				}
				i++
			}
			reportPerRow(b)
		})
	}
}

var sink float32

func BenchmarkDot(b *testing.B) {
	for _, n := range []int{128} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 5))
			x, y := randVec(rng, n), randVec(rng, n)
			b.SetBytes(int64(8 * n))
			var s float32
			for b.Loop() {
				s += Dot(x, y)
			}
			sink = s
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	for _, n := range []int{128} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(6, 6))
			dst, x := randVec(rng, n), randVec(rng, n)
			b.SetBytes(int64(8 * n))
			a := float32(1e-3)
			for b.Loop() {
				Axpy(dst, a, x)
				a = -a
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{128} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 7))
			dst, x := randVec(rng, n), randVec(rng, n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				Add(dst, x)
			}
		})
	}
}
