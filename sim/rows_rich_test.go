package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlocksGradRowScales checks the fused kernel of K adaptation scales
// against its definition, the per-scale row steps one after another
// (blocksCarryRowGeneric for m = 0, 1, …, blocksSpikeRowGeneric,
// thresholdRowGeneric per scale, blocksMembraneRowGeneric), bit for bit,
// for K = 1, 2, 3, with and without detach, adaptation and vPrev; and,
// for K = 1, against blocksGradRowGeneric.
func TestBlocksGradRowScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for trial := range 300 {
		n, k := 1+rng.IntN(20), 1+rng.IntN(3)
		j := int32(rng.IntN(6))
		detach, adapt, hasPrev := rng.IntN(2) == 0, rng.IntN(4) != 0, rng.IntN(4) != 0
		mask := make([]int32, n)
		for i := range mask {
			mask[i] = int32(rng.IntN(8)) - 1
		}
		// gI, accBeta, gNext, g1, g2, sg, gs, vPrev, beta (n); accP, accB, gAlpha, gBeta, a, c, p, b (k·n)
		base := [][]float32{vals(n), vals(n), vals(n), vals(n), vals(n), vals(n), vals(n), vals(n), vals(n),
			vals(k * n), vals(k * n), vals(k * n), vals(k * n), vals(k * n), vals(k * n), vals(k * n), vals(k * n)}
		state := func() [][]float32 {
			s := make([][]float32, len(base))
			for i, v := range base {
				s[i] = slices.Clone(v)
			}
			if !adapt {
				s[13] = nil
			}
			if !hasPrev {
				s[7] = nil
			}
			return s
		}
		want, got := state(), state()
		{
			w := want
			gI, accBeta, gNext, g1, g2, sg, gs, vPrev, beta := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
			accP, accB, gA, gB, a, c, p, b := w[9], w[10], w[11], w[12], w[13], w[14], w[15], w[16]
			if a != nil {
				for m := range k {
					r := m * n
					blocksCarryRowGeneric(accP[r:r+n], gs, gA[r:r+n], gB[r:r+n], a[r:r+n], c[r:r+n], p[r:r+n], detach)
				}
			}
			blocksSpikeRowGeneric(sg, gs, g1, g2)
			if a != nil {
				for m := range k {
					r := m * n
					thresholdRowGeneric(accB[r:r+n], gA[r:r+n], sg, a[r:r+n], b[r:r+n])
				}
			}
			blocksMembraneRowGeneric(j, gI, accBeta, gNext, sg, vPrev, beta, mask)
		}
		call := func(fn func(j int32, gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b []float32, mask []int32, detach bool), s [][]float32) {
			fn(j, s[0], s[1], s[9], s[10], s[2], s[11], s[12], s[3], s[4], s[5], s[6], s[13], s[14], s[7], s[8], s[15], s[16], mask, detach)
		}
		call(blocksGradRowScales, got)
		desc := fmt.Sprintf("trial %d: n %d, K %d, j %d, detach %v, adapt %v, vPrev %v", trial, n, k, j, detach, adapt, hasPrev)
		for i := range want {
			if i == 5 || i == 6 {
				continue // sg and gs are scratch
			}
			for e := range want[i] {
				if math.Float32bits(want[i][e]) != math.Float32bits(got[i][e]) {
					t.Fatalf("%s: slice %d differs at %d: %v, fused %v", desc, i, e, want[i][e], got[i][e])
				}
			}
		}
		if k == 1 {
			gen := state()
			call(blocksGradRowGeneric, gen)
			for i := range want {
				if i != 5 && i != 6 && !slices.Equal(want[i], gen[i]) {
					t.Fatalf("%s: blocksGradRowGeneric differs from the steps in slice %d", desc, i)
				}
			}
		}
	}
}
