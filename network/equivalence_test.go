package network

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/blocks-snn/blocks/sim"
)

// floatAllowance is the margin |V − θ| under which DESIGN §3 lets float
// rounding flip a spike between the two simulators.
const floatAllowance = 1e-5

// TestBlocksEqualsStandard runs 1000 random networks (ARP 0–60, T often
// not a multiple of L, recurrent and feed-forward, adaptation on and off,
// batch > 1, 1–3 layers) through both simulators and requires identical
// spike trains, allowing a difference only where the standard
// simulator's |V − θ| is within the float-rounding allowance.
func TestBlocksEqualsStandard(t *testing.T) {
	opts := caseOptions{maxARP: 60, maxT: 200, maxN: 24, maxIn: 30, maxBatch: 4, maxLayers: 3, dense: true, surrogates: allSurrogates}
	checkEquivalence(t, rand.New(rand.NewPCG(1, 2)), 1000, opts)
}

// TestRichBlocksEqualsStandard is TestBlocksEqualsStandard for the rich
// neuron (docs/equations.md): 1–3 adaptation scales and a reset potential
// across its whole clamp range.
func TestRichBlocksEqualsStandard(t *testing.T) {
	opts := caseOptions{maxARP: 60, maxT: 200, maxN: 24, maxIn: 30, maxBatch: 4, maxLayers: 3, dense: true, surrogates: allSurrogates, rich: true}
	checkEquivalence(t, rand.New(rand.NewPCG(5, 6)), 1000, opts)
}

// checkEquivalence runs cases random networks through both simulators.
func checkEquivalence(t *testing.T, rng *rand.Rand, cases int, opts caseOptions) {
	t.Helper()
	var steps, spikes, flips int
	for c := range cases {
		rc := randomNet(rng, opts)
		bp, err := rc.net.Forward(rc.input, sim.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := rc.net.Forward(rc.input, sim.Standard)
		if err != nil {
			t.Fatal(err)
		}
		for l := range rc.net.Layers {
			bs, ss := bp.Spikes(l), sp.Spikes(l)
			v, th := sp.Membrane(l), sp.Threshold(l)
			diverged := false
			for i := range bs.Data {
				steps++
				if ss.Data[i] == 1 {
					spikes++
				}
				if bs.Data[i] == ss.Data[i] {
					continue
				}
				if m := math.Abs(float64(v.Data[i] - th.Data[i])); m > floatAllowance {
					t.Fatalf("case %d layer %d: spikes differ at flat index %d (blocks %v, standard %v) with |V-θ| = %g",
						c, l, i, bs.Data[i], ss.Data[i], m)
				}
				flips++
				diverged = true
				break // later steps may legitimately follow the flip
			}
			if diverged {
				break
			}
		}
	}
	t.Logf("%d neuron-steps compared, %d spikes, %d rounding flips", steps, spikes, flips)
	if spikes < steps/50 {
		t.Fatalf("random networks are too quiet to test anything: %d spikes in %d steps", spikes, steps)
	}
}
