package network

import (
	"fmt"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// LayerGrads holds the gradients of a [Layer]'s parameters, with respect
// to the raw values (through the clamps), in the same shapes.
type LayerGrads struct {
	W, Bias, Rec, Beta, P, B, VReset []float32
}

// Grads holds the gradients of every parameter of a network, and of its
// input when asked for.
type Grads struct {
	Layers  []LayerGrads
	Readout *ReadoutGrads
	// Input is dL/dx, [B][T][Inputs]; empty unless requested.
	Input tensor.Batch
}

// Backward returns the gradients of a loss L given gOut = dL/dOutput, the
// gradient with respect to p.Output() (a vector-Jacobian product). With
// inputGrad it also returns dL/dx.
func (p *Pass) Backward(gOut tensor.Batch, inputGrad bool) (*Grads, error) {
	ob, ot, on := p.outputShape()
	if gOut.B != ob || gOut.T != ot || gOut.N != on || len(gOut.Data) != ob*ot*on {
		return nil, fmt.Errorf("network: output gradient has shape [%d %d %d], the output is [%d %d %d]", gOut.B, gOut.T, gOut.N, ob, ot, on)
	}
	if err := gOut.Check("network: output gradient"); err != nil {
		return nil, err
	}
	net := p.Net
	g := &Grads{Layers: make([]LayerGrads, len(net.Layers))}
	last := len(net.Layers) - 1
	gS := gOut
	if r := net.Readout; r != nil {
		rg, gs := r.backward(p.traces[last].Spikes, p.out, gOut)
		g.Readout, gS = &rg, gs
	}
	for li := last; li >= 0; li-- {
		l := net.Layers[li]
		gI, sg, err := sim.Backward(p.traces[li], gS)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", li, err)
		}
		in := p.input
		if li > 0 {
			in = p.traces[li-1].Spikes
		}
		lg := LayerGrads{W: projectGrads(in, gI), Bias: sg.CurrentSum, Rec: sg.Rec, Beta: sg.Beta, P: sg.P, B: sg.B, VReset: sg.VReset}
		chainClamp(lg.Beta, l.Beta, neuron.ClampBeta)
		chainClamp(lg.P, l.P, neuron.ClampP)
		chainClamp(lg.B, l.B, neuron.ClampB)
		chainClamp(lg.VReset, l.VReset, neuron.ClampVReset)
		g.Layers[li] = lg
		if li < last || net.Readout != nil {
			tensor.Release(gS) // ours, not the caller's gOut
		}
		if li > 0 || inputGrad {
			gS = projectInputGrad(gI, l.W, l.NIn)
		}
		tensor.Release(gI)
	}
	if inputGrad {
		g.Input = gS
	}
	return g, nil
}

// BackwardLogits is Backward for a gradient with respect to the logits
// ([B][Outputs]) of a network with a readout: since logits = Σ_t O[t],
// every step's O receives the same gradient.
func (p *Pass) BackwardLogits(gLogits []float32, inputGrad bool) (*Grads, error) {
	if p.Logits == nil {
		return nil, fmt.Errorf("network: the network has no readout, so no logits")
	}
	ob, ot, on := p.outputShape()
	if len(gLogits) != ob*on {
		return nil, fmt.Errorf("network: logit gradient has %d values, want %d×%d", len(gLogits), ob, on)
	}
	gOut := tensor.GetDirty(ob, ot, on)
	defer tensor.Release(gOut)
	for b := range ob {
		for t := range ot {
			copy(gOut.Row(b, t), gLogits[b*on:(b+1)*on])
		}
	}
	return p.Backward(gOut, inputGrad)
}
