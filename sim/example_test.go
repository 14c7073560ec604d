package sim_test

import (
	"fmt"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// One adaptive neuron with a refractory period of 3 steps (blocks of 4)
// driven by a constant current: both simulators give the same spike times.
func Example() {
	cfg := neuron.Config{ARP: 3, Adapt: true, Surrogate: neuron.MultiGaussian, DetachSpikeGrad: true}
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		layer, err := sim.NewLayer(cfg, sim.Params{Beta: []float32{0.9}, P: []float32{0.8}, B: []float32{0.5}})
		if err != nil {
			panic(err)
		}
		cur := tensor.New(1, 24, 1)
		for i := range cur.Data {
			cur.Data[i] = 0.35
		}
		tr, err := sim.Forward(m, layer, cur)
		if err != nil {
			panic(err)
		}
		var times []int
		for t, s := range tr.Spikes.Dense().Data {
			if s == 1 {
				times = append(times, t)
			}
		}
		fmt.Printf("%-8s spikes at %v\n", m, times)
	}
	// Output:
	// blocks   spikes at [3 10 17]
	// standard spikes at [3 10 17]
}
