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

// The rich neuron, with two adaptation time scales (a slow and a fast
// one): a reset potential V_r of 0.9, against the paper's 0, makes the
// neuron fire again sooner after each spike. Both simulators still agree
// spike for spike.
func Example_richNeuron() {
	cfg := neuron.Config{ARP: 1, Adapt: true, Surrogate: neuron.MultiGaussian, DetachSpikeGrad: true,
		ResetPotential: true, Scales: 2}
	for _, vr := range []float32{0, 0.9} {
		for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
			layer, err := sim.NewLayer(cfg, sim.Params{
				Beta:   []float32{0.5},
				P:      []float32{0.99, 0.5}, // scale 0 slow, scale 1 fast
				B:      []float32{0.01, 0.05},
				VReset: []float32{vr},
			})
			if err != nil {
				panic(err)
			}
			cur := tensor.New(1, 24, 1)
			for i := range cur.Data {
				cur.Data[i] = 0.65
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
			fmt.Printf("V_r %.1f %-8s spikes at %v\n", vr, m, times)
		}
	}
	// Output:
	// V_r 0.0 blocks   spikes at [2 6 10 14 18 22]
	// V_r 0.0 standard spikes at [2 6 10 14 18 22]
	// V_r 0.9 blocks   spikes at [2 5 8 11 14 17 20 23]
	// V_r 0.9 standard spikes at [2 5 8 11 14 17 20 23]
}
