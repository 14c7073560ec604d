package network

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/sim"
)

// TestThreadCountInvariance checks that outputs and every gradient are
// bitwise identical with 1, 2 and 8 threads.
func TestThreadCountInvariance(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(7, 7))
	opts := caseOptions{maxARP: 8, maxT: 300, maxN: 70, maxIn: 150, maxBatch: 9, maxLayers: 3, surrogates: allSurrogates}
	for c := range 6 {
		rc := randomNet(rng, opts)
		for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
			var ref []float32
			for _, procs := range []int{1, 2, 8} {
				runtime.GOMAXPROCS(procs)
				p, err := rc.net.Forward(rc.input, m)
				if err != nil {
					t.Fatal(err)
				}
				o := p.Output()
				g, err := p.Backward(linspaceLoss(o.B, o.T, o.N), true)
				if err != nil {
					t.Fatal(err)
				}
				flat := slices.Clone(o.Data)
				for _, lg := range g.Layers {
					flat = slices.Concat(flat, lg.W, lg.Bias, lg.Rec, lg.Beta, lg.P, lg.B)
				}
				flat = append(flat, g.Input.Data...)
				if ref == nil {
					ref = flat
				} else if !slices.Equal(ref, flat) {
					t.Fatalf("case %d %v: results with GOMAXPROCS=%d differ from GOMAXPROCS=1", c, m, procs)
				}
			}
		}
	}
}
