package network

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// TestRichRecoversPaper runs random networks of the paper's neuron and the
// same networks given the rich neuron with V_r = 0 and one adaptation
// scale (which takes the rich neuron's code paths), through both
// simulators, forward and backward: spikes, membranes, thresholds and
// every gradient must be bitwise the same.
func TestRichRecoversPaper(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	opts := caseOptions{maxARP: 12, maxT: 60, maxN: 12, maxIn: 10, maxBatch: 3, maxLayers: 3, dense: true, surrogates: allSurrogates}
	for c := range 200 {
		rc := randomNet(rng, opts)
		rich := &Network{}
		for _, l := range rc.net.Layers {
			r := *l
			r.Neuron.ResetPotential = true
			r.VReset = make([]float32, l.NOut)
			rich.Layers = append(rich.Layers, &r)
		}
		for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
			name := fmt.Sprintf("case %d %v", c, m)
			pp, err := rc.net.Forward(rc.input, m)
			if err != nil {
				t.Fatal(err)
			}
			rp, err := rich.Forward(rc.input, m)
			if err != nil {
				t.Fatal(err)
			}
			for l := range rc.net.Layers {
				for what, pair := range map[string][2]tensor.Batch{
					"spikes":    {pp.Spikes(l), rp.Spikes(l)},
					"membrane":  {pp.Membrane(l), rp.Membrane(l)},
					"threshold": {pp.Threshold(l), rp.Threshold(l)},
				} {
					if !slices.Equal(pair[0].Data, pair[1].Data) {
						t.Fatalf("%s layer %d: %s differ", name, l, what)
					}
				}
			}
			o := pp.Output()
			gOut := tensor.New(o.B, o.T, o.N)
			for i := range gOut.Data {
				gOut.Data[i] = float32(rng.NormFloat64())
			}
			pg, err := pp.Backward(gOut, true)
			if err != nil {
				t.Fatal(err)
			}
			rg, err := rp.Backward(gOut, true)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pg.Input.Data, rg.Input.Data) {
				t.Fatalf("%s: input gradients differ", name)
			}
			for l, a := range pg.Layers {
				b := rg.Layers[l]
				for what, pair := range map[string][2][]float32{
					"W": {a.W, b.W}, "bias": {a.Bias, b.Bias}, "rec": {a.Rec, b.Rec},
					"beta": {a.Beta, b.Beta}, "p": {a.P, b.P}, "b": {a.B, b.B},
				} {
					if !slices.Equal(pair[0], pair[1]) {
						t.Fatalf("%s layer %d: %s gradients differ\npaper %v\n rich %v", name, l, what, pair[0], pair[1])
					}
				}
				if len(b.VReset) != rich.Layers[l].NOut {
					t.Fatalf("%s layer %d: %d reset-potential gradients, want %d", name, l, len(b.VReset), rich.Layers[l].NOut)
				}
			}
		}
	}
}
