package network

import (
	"math"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

func smallNet(t *testing.T) *Network {
	t.Helper()
	net, err := New(Config{
		Inputs: 3, Outputs: 2, DT: 1, TauMem: 20, TauAdapt: 150, TauOut: 20, Seed: 1,
		Layers: []LayerConfig{{Size: 4, Recurrent: true, Neuron: neuron.DefaultConfig(2)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestBadArguments checks that every kind of bad argument gives an error
// that says what is wrong, and nothing panics.
func TestBadArguments(t *testing.T) {
	good := tensor.New(2, 5, 3)
	nan := tensor.New(2, 5, 3)
	nan.Data[7] = float32(math.NaN())
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"negative ARP", func() error {
			_, err := New(Config{Inputs: 3, DT: 1, TauMem: 20, TauAdapt: 150,
				Layers: []LayerConfig{{Size: 4, Neuron: neuron.DefaultConfig(-1)}}})
			return err
		}, "refractory period must be >= 0"},
		{"negative ARP at forward", func() error {
			net := smallNet(t)
			net.Layers[0].Neuron.ARP = -3
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "refractory period must be >= 0"},
		{"wrong input channels", func() error {
			_, err := smallNet(t).Forward(tensor.New(2, 5, 4), sim.Blocks)
			return err
		}, "input has 4 channels, the network takes 3"},
		{"data shorter than shape", func() error {
			x := good
			x.Data = x.Data[:10]
			_, err := smallNet(t).Forward(x, sim.Standard)
			return err
		}, "needs 30 values, have 10"},
		{"NaN input", func() error {
			_, err := smallNet(t).Forward(nan, sim.Blocks)
			return err
		}, "non-finite value NaN at [batch 0, time 2, channel 1]"},
		{"empty batch", func() error {
			_, err := smallNet(t).Forward(tensor.New(0, 5, 3), sim.Blocks)
			return err
		}, "empty shape"},
		{"zero steps", func() error {
			_, err := smallNet(t).Forward(tensor.New(2, 0, 3), sim.Blocks)
			return err
		}, "empty shape"},
		{"weights of wrong size", func() error {
			net := smallNet(t)
			net.Layers[0].W = net.Layers[0].W[:5]
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "layer 0: W has 5 values, want 12"},
		{"too many adaptation scales", func() error {
			net := smallNet(t)
			net.Layers[0].Neuron.Scales = neuron.MaxScales + 1
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "number of adaptation time scales must be in 1 … 16, got 17"},
		{"adaptation scales without their parameters", func() error {
			net := smallNet(t)
			net.Layers[0].Neuron.Scales = 2
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "layer 0: P has 4 values, want 8"},
		{"reset potential missing", func() error {
			net := smallNet(t)
			net.Layers[0].Neuron.ResetPotential = true
			_, err := net.Forward(good, sim.Standard)
			return err
		}, "layer 0: VReset has 0 values, want 4"},
		{"reset potential without the config", func() error {
			net := smallNet(t)
			net.Layers[0].VReset = make([]float32, 4)
			_, err := net.Forward(good, sim.Standard)
			return err
		}, "has reset potentials but its neuron config has no ResetPotential"},
		{"NaN reset potential", func() error {
			net := smallNet(t)
			net.Layers[0].Neuron.ResetPotential = true
			net.Layers[0].VReset = []float32{0, 0, float32(math.NaN()), 0}
			_, err := net.Forward(good, sim.Standard)
			return err
		}, "layer 0: VReset[2] is NaN"},
		{"NaN parameter", func() error {
			net := smallNet(t)
			net.Layers[0].Beta[2] = float32(math.Inf(1))
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "layer 0: Beta[2] is +Inf"},
		{"layers do not chain", func() error {
			net := smallNet(t)
			net.Layers = append(net.Layers, &Layer{NIn: 7, NOut: 1, Neuron: neuron.DefaultConfig(0),
				W: make([]float32, 7), Bias: make([]float32, 1), Beta: []float32{.9}, P: []float32{.9}, B: []float32{1}})
			_, err := net.Forward(good, sim.Blocks)
			return err
		}, "layer 1: takes 7 inputs but layer 0 has 4 neurons"},
		{"unknown method", func() error {
			_, err := smallNet(t).Forward(good, sim.Method(7))
			return err
		}, "unknown method"},
		{"output gradient of wrong shape", func() error {
			p, err := smallNet(t).Forward(good, sim.Blocks)
			if err != nil {
				return err
			}
			_, err = p.Backward(tensor.New(2, 5, 3), false)
			return err
		}, "output gradient has shape [2 5 3], the output is [2 5 2]"},
		{"NaN output gradient", func() error {
			p, err := smallNet(t).Forward(good, sim.Blocks)
			if err != nil {
				return err
			}
			g := tensor.New(2, 5, 2)
			g.Data[3] = float32(math.NaN())
			_, err = p.Backward(g, false)
			return err
		}, "output gradient: non-finite value"},
		{"logit gradient of wrong size", func() error {
			p, err := smallNet(t).Forward(good, sim.Blocks)
			if err != nil {
				return err
			}
			_, err = p.BackwardLogits(make([]float32, 3), false)
			return err
		}, "logit gradient has 3 values, want 2×2"},
		{"unknown surrogate", func() error {
			_, err := neuron.ParseSurrogate("sigmoid")
			return err
		}, `unknown surrogate "sigmoid"`},
		{"label out of range", func() error {
			_, _, err := CrossEntropy(make([]float32, 4), []int{0, 2}, 2)
			return err
		}, "label 2 of sample 1 is outside 0…1"},
		{"non-positive time constant", func() error {
			_, err := New(Config{Inputs: 3, DT: 1, TauMem: 0, TauAdapt: 150,
				Layers: []LayerConfig{{Size: 4, Neuron: neuron.DefaultConfig(1)}}})
			return err
		}, "TauMem must be a positive number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
