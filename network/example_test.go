package network_test

import (
	"fmt"

	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// A recurrent adaptive layer with a readout, run with both simulators: the
// spike trains are identical, the gradients follow each simulator's
// surrogate paths.
func Example() {
	net, err := network.New(network.Config{
		Inputs: 20, Outputs: 3,
		Layers: []network.LayerConfig{{Size: 16, Recurrent: true, Neuron: neuron.DefaultConfig(4)}},
		DT:     1, TauMem: 20, TauAdapt: 150, TauOut: 20, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	// Two samples of 100 steps; input channel i spikes every 2 + i mod 3 steps.
	x := tensor.New(2, 100, 20)
	for b := range x.B {
		for t := range x.T {
			for i := range x.N {
				if (t+b)%(2+i%3) == 0 {
					x.Data[(b*x.T+t)*x.N+i] = 1
				}
			}
		}
	}
	var spikes [2]tensor.Batch
	for k, m := range []sim.Method{sim.Blocks, sim.Standard} {
		pass, err := net.Forward(x, m)
		if err != nil {
			panic(err)
		}
		spikes[k] = pass.Spikes(0)
		loss, gLogits, err := network.CrossEntropy(pass.Logits, []int{0, 2}, 3)
		if err != nil {
			panic(err)
		}
		grads, err := pass.BackwardLogits(gLogits, false)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d spikes, loss %.3f, %d input-weight gradients\n",
			m, pass.SpikeEvents(0).NNZ(), loss, len(grads.Layers[0].W))
	}
	same := true
	for i := range spikes[0].Data {
		same = same && spikes[0].Data[i] == spikes[1].Data[i]
	}
	fmt.Println("identical spike trains:", same)
	// Output:
	// blocks: 59 spikes, loss 15.230, 320 input-weight gradients
	// standard: 59 spikes, loss 15.230, 320 input-weight gradients
	// identical spike trains: true
}
