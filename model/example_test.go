package model_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
)

// A network saved in the reference's format and loaded back: the keys are
// the reference's state_dict() names and shapes, and the hyper-parameters
// travel in the "config" string. The second layer has the rich neuron
// (two adaptation scales and a reset potential), whose extra parameters
// follow the reference's.
func Example() {
	dir, err := os.MkdirTemp("", "model-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	net, err := network.New(network.Config{
		Inputs: 10,
		Layers: []network.LayerConfig{
			{Size: 8, Recurrent: true, Neuron: neuron.DefaultConfig(4)},
			{Size: 3, Neuron: neuron.Config{ARP: 2, Adapt: true, Surrogate: neuron.FastSigmoid, DetachSpikeGrad: true, Scales: 2, ResetPotential: true}},
		},
		DT: 1, TauMem: 20, TauAdapt: 150, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "model.npz")
	if err := model.Save(path, net); err != nil {
		panic(err)
	}
	loaded, err := model.Load(path)
	if err != nil {
		panic(err)
	}
	for i, l := range loaded.Layers {
		c := l.Neuron
		fmt.Printf("layer %d: ARP %d, adapt %v, scales %d, reset potential %v, surrogate %v\n", i, c.ARP, c.Adapt, c.AdaptScales(), c.ResetPotential, c.Surrogate)
		for _, e := range model.Params(l) {
			fmt.Printf("  %-14s %v\n", model.LayerKey(i, e.Key), e.Shape)
		}
	}
	fmt.Println("same weights:", loaded.Layers[0].W[5] == net.Layers[0].W[5])
	// Output:
	// layer 0: ARP 4, adapt true, scales 1, reset potential false, surrogate mg
	//   0._beta        [8]
	//   0._p           [8]
	//   0._b           [8]
	//   0._rf_weight   [8 1 10 1]
	//   0._rf_bias     [8]
	//   0._rec_weight  [8 8]
	// layer 1: ARP 2, adapt true, scales 2, reset potential true, surrogate fast_sigmoid
	//   1._beta        [3]
	//   1._p           [3]
	//   1._b           [3]
	//   1._rf_weight   [3 1 8 1]
	//   1._rf_bias     [3]
	//   1._p.1         [3]
	//   1._b.1         [3]
	//   1._v_reset     [3]
	// same weights: true
}
