package network

import (
	"fmt"

	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// Network is a stack of adaptive layers with an optional readout.
type Network struct {
	Layers  []*Layer
	Readout *Readout // nil: the output is the last layer's spikes
}

// Validate checks that the layers chain (each layer's inputs are the
// previous layer's neurons) and that every parameter is finite.
func (net *Network) Validate() error {
	if len(net.Layers) == 0 {
		return fmt.Errorf("network: no layers")
	}
	for i, l := range net.Layers {
		if err := l.validate(fmt.Sprintf("layer %d", i)); err != nil {
			return err
		}
		if i > 0 && l.NIn != net.Layers[i-1].NOut {
			return fmt.Errorf("layer %d: takes %d inputs but layer %d has %d neurons", i, l.NIn, i-1, net.Layers[i-1].NOut)
		}
	}
	if r := net.Readout; r != nil {
		if err := r.validate(); err != nil {
			return err
		}
		if last := net.Layers[len(net.Layers)-1]; r.NIn != last.NOut {
			return fmt.Errorf("readout: takes %d inputs but the last layer has %d neurons", r.NIn, last.NOut)
		}
	}
	return nil
}

// Inputs returns the number of input channels.
func (net *Network) Inputs() int { return net.Layers[0].NIn }

// Outputs returns the number of output channels: readout size, or the
// last layer's neurons.
func (net *Network) Outputs() int {
	if net.Readout != nil {
		return net.Readout.NOut
	}
	return net.Layers[len(net.Layers)-1].NOut
}

// Pass is the result of a forward pass; it keeps what the backward pass needs.
type Pass struct {
	Net    *Network
	Method sim.Method
	// Logits are Σ_t O[t], [B][Outputs], when the network has a readout.
	Logits []float32

	input  *tensor.Sparse
	layers []*sim.Layer
	traces []*sim.Trace
	out    tensor.Batch // the readout's O[t], or the dense last spikes once asked for
}

// Output returns the network's output, [B][T][Outputs]: the readout's
// O[t] or, without a readout, the last layer's spikes (made dense on the
// first call).
func (p *Pass) Output() tensor.Batch {
	if p.out.Data == nil {
		p.out = p.traces[len(p.traces)-1].Spikes.Dense()
	}
	return p.out
}

// outputShape returns the shape of Output without building it.
func (p *Pass) outputShape() (b, t, n int) {
	s := p.traces[len(p.traces)-1].Spikes
	return s.B, s.T, p.Net.Outputs()
}

// Forward runs the network on x ([B][T][Inputs]) with the given simulator.
func (net *Network) Forward(x tensor.Batch, m sim.Method) (*Pass, error) {
	if err := x.Check("network: input"); err != nil {
		return nil, err
	}
	return net.ForwardSparse(tensor.SparseOf(x), m)
}

// ForwardSparse is Forward for an input already in sparse form (the form
// datasets of spike events load into).
func (net *Network) ForwardSparse(x *tensor.Sparse, m sim.Method) (*Pass, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if err := x.Check("network: input"); err != nil {
		return nil, err
	}
	if x.N != net.Inputs() {
		return nil, fmt.Errorf("network: input has %d channels, the network takes %d", x.N, net.Inputs())
	}
	p := &Pass{Net: net, Method: m, input: x}
	in := x
	for i, l := range net.Layers {
		sl, err := l.simLayer()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		cur := project(in, l.W, l.Bias, l.NOut)
		tr, err := sim.ForwardFinite(m, sl, cur) // inputs and weights are checked
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		p.layers = append(p.layers, sl)
		p.traces = append(p.traces, tr)
		in = tr.Spikes
	}
	if net.Readout != nil {
		p.out, p.Logits = net.Readout.forward(in)
	}
	return p, nil
}

// Release gives the pass's large buffers back for reuse by later passes.
// Training loops call it once a pass's gradients are computed; the pass
// and everything it returned must not be used afterwards.
func (p *Pass) Release() {
	for _, tr := range p.traces {
		tr.Release()
	}
	tensor.Release(p.out)
	p.traces, p.out = nil, tensor.Batch{}
}

// Spikes returns layer l's output spikes, [B][T][neurons].
func (p *Pass) Spikes(l int) tensor.Batch { return p.traces[l].Spikes.Dense() }

// SpikeEvents returns layer l's output spikes in sparse form.
func (p *Pass) SpikeEvents(l int) *tensor.Sparse { return p.traces[l].Spikes }

// Membrane returns layer l's membrane potential at every step: the
// no-reset membrane Vn for the blocks simulator, V before the reset for
// the standard simulator (they agree until a neuron's first spike of a
// block).
func (p *Pass) Membrane(l int) tensor.Batch { return p.traces[l].V }

// Threshold returns layer l's firing threshold at every step.
func (p *Pass) Threshold(l int) tensor.Batch { return p.traces[l].Threshold() }

// Current returns layer l's total input current I[t] at every step.
func (p *Pass) Current(l int) tensor.Batch { return p.traces[l].Current }
