package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlocksGradRow checks the fused kernel against its definition, the
// row steps below one after another (blocksCarryRowStep for every scale m
// = 0, 1, …, blocksSpikeRowStep, thresholdRowStep for every scale,
// blocksMembraneRowStep), bit for bit, for K = 1, 2, 3, with and without
// detach, adaptation and vPrev.
func TestBlocksGradRow(t *testing.T) {
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
					blocksCarryRowStep(accP[r:r+n], gs, gA[r:r+n], gB[r:r+n], a[r:r+n], c[r:r+n], p[r:r+n], detach)
				}
			}
			blocksSpikeRowStep(sg, gs, g1, g2)
			if a != nil {
				for m := range k {
					r := m * n
					thresholdRowStep(accB[r:r+n], gA[r:r+n], sg, a[r:r+n], b[r:r+n])
				}
			}
			blocksMembraneRowStep(j, gI, accBeta, gNext, sg, vPrev, beta, mask)
		}
		call := func(fn func(j int32, gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b []float32, mask []int32, detach bool), s [][]float32) {
			fn(j, s[0], s[1], s[9], s[10], s[2], s[11], s[12], s[3], s[4], s[5], s[6], s[13], s[14], s[7], s[8], s[15], s[16], mask, detach)
		}
		call(blocksGradRowGeneric, got)
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
	}
}

// The steps of blocksGradRow one at a time, as separate passes over the
// neurons: the definition the fused kernel is tested against.

// blocksCarryRowStep steps the backward pass of the block's adaptation
// recursions α[j+1] = p·α[j] and β[j+1] = p·β[j] + s[j] from position j+1
// to j: accP += gα·α[j] + gβ·β[j]; without detach gs += gβ (the spike's
// share of the carry); then gα ·= p and gβ ·= p.
func blocksCarryRowStep(accP, gs, gAlpha, gBeta, alpha, carry, p []float32, detach bool) {
	n := len(accP)
	gs, gAlpha, gBeta, alpha, carry, p = gs[:n], gAlpha[:n], gBeta[:n], alpha[:n], carry[:n], p[:n]
	for i := range n {
		accP[i] += gAlpha[i]*alpha[i] + gBeta[i]*carry[i]
		if !detach {
			gs[i] += gBeta[i]
		}
		gAlpha[i] *= p[i]
		gBeta[i] *= p[i]
	}
}

// blocksSpikeRowStep turns the gradient of position j's spikes into that of
// its candidate: g1 += gs, g2 += g1 (the two reverse running sums whose
// result is Σ_{j'≥j} (j'−j+1)·gs[j']), then sg ·= g2, so sg, which held
// the surrogate derivative, holds dL/dx[j].
func blocksSpikeRowStep(sg, gs, g1, g2 []float32) {
	n := len(sg)
	gs, g1, g2 = gs[:n], g1[:n], g2[:n]
	for i := range n {
		g1[i] += gs[i]
		g2[i] += g1[i]
		sg[i] *= g2[i]
	}
}

// thresholdRowStep accumulates the gradient reaching θ = 1 + b·a from gx =
// dL/d(V − θ): accB −= gx·a and ga −= gx·b.
func thresholdRowStep(accB, ga, gx, a, b []float32) {
	n := len(accB)
	ga, gx, a, b = ga[:n], gx[:n], a[:n], b[:n]
	for i := range n {
		accB[i] -= gx[i] * a[i]
		ga[i] -= gx[i] * b[i]
	}
}

// blocksMembraneRowStep steps the backward pass of Vn[j] = beta·Vn[j-1] + c[j]:
// gV = gx + gNext; gI = gV where j >= mask, else 0; accBeta += gV·vPrev
// (unless vPrev is nil: Vn[-1] of the first block); gNext = beta·gV.
func blocksMembraneRowStep(j int32, gI, accBeta, gNext, gx, vPrev, beta []float32, mask []int32) {
	n := len(gI)
	accBeta, gNext, gx, beta, mask = accBeta[:n], gNext[:n], gx[:n], beta[:n], mask[:n]
	for i := range n {
		gv := gx[i] + gNext[i]
		if j >= mask[i] {
			gI[i] = gv
		} else {
			gI[i] = 0
		}
		if vPrev != nil {
			accBeta[i] += gv * vPrev[i]
		}
		gNext[i] = beta[i] * gv
	}
}
