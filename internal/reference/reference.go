// Package reference is a deliberately slow, obviously-correct implementation
// of the adaptive LIF (ALIF) network of DESIGN.md: the standard simulator
// (§2) and the blocks simulator (§3), written literally from the equations,
// with gradients (§4) from dual numbers (forward-mode automatic
// differentiation). It is a test oracle for the fast hand-written backward
// passes elsewhere in the module and depends on no other package of it.
//
// The model is DESIGN §1 extended (issue #8) with a learnable reset
// potential and several threshold-adaptation time scales. Per neuron n of a
// layer with K = max(Scales, 1) scales:
//
//	V[t]   = beta·U[t-1] + g[t]·I[t]                 (U[-1] = 0)
//	θ[t]   = 1 + Σ_{m<K} b_m·a_m[t-1]                 (a_m[-1] = 0; θ ≡ 1 without Adapt)
//	s[t]   = H(V[t] - θ[t])                           (strictly greater)
//	U[t]   = V[t]·(1 - s[t]) + V_r·s[t]               (reset to V_r)
//	a_m[t] = p_m·a_m[t-1] + s[t]
//
// with beta = clamp(beta_raw, 0.001, 0.999), p_m = clamp(|p_m,raw|, 0, 0.999),
// b_m = clamp(|b_m,raw|, 0.001, 1) and V_r = clamp(V_r,raw, -1, 0.999) (no
// abs). During the ARP the input is gated off and the membrane decays from
// V_r (V = beta·U), so integration resumes from beta^(ARP+1)·V_r. In the
// blocks simulator every scale has its own carry A_{m,k} (today's formulas
// per scale), and after a spike at position j1 of block k-1 the membrane
// carry is v0 = beta^(L-1-j1)·V_r instead of 0. Without VReset (nil) and
// with K = 1 this is exactly the paper's model, and the results (spikes and
// gradients) are exactly those of the implementation before the extension.
//
// The gradient of the loss with respect to one parameter (or input) element
// is obtained by seeding that element's derivative with 1 and running the
// whole forward pass; Grad loops over every element. Clarity beats speed.
package reference

import (
	"errors"
	"fmt"
)

// Layer is one ALIF layer with its raw parameters (before the clamps of
// DESIGN §1 and of the package comment).
type Layer struct {
	NIn, NOut int
	W         []float64 // [NOut*NIn] row-major: W[n*NIn+i] is input i -> neuron n
	Bias      []float64 // [NOut]
	Rec       []float64 // [NOut*NOut] row-major, Rec[n*NOut+m] is neuron m -> neuron n; nil when not recurrent
	Beta      []float64 // [NOut], raw value before the clamp of DESIGN §1
	// P and B are [Scales*NOut] (K = max(Scales, 1)), scale-major:
	// P[m*NOut+n] is scale m of neuron n; with K = 1 simply [NOut]. Raw
	// values before the clamps of DESIGN §1.
	P, B []float64
	// Scales is K, the number of threshold-adaptation time scales; 0 means
	// 1 (the paper's model). Only meaningful when Adapt, but the lengths of
	// P and B are checked against it regardless.
	Scales int
	// VReset is the raw reset potential V_r per neuron ([NOut]), used as
	// clamp(VReset, -1, 0.999); nil means reset to 0 with no parameter.
	VReset    []float64
	ARP       int
	Adapt     bool   // false: threshold fixed at 1 (no adaptation at all)
	Surrogate string // "mg", "fast_sigmoid", "box_car"
	Detach    bool   // detach_spike_grad
}

// scales returns K = max(Scales, 1).
func (l *Layer) scales() int { return max(l.Scales, 1) }

// Net is a stack of layers; layer l+1's input is layer l's spikes.
type Net struct {
	Method string // "blocks" or "standard"
	Layers []Layer
}

// LayerGrad holds dL/dθ for one layer's raw parameters, same shapes as Layer:
// P and B are [K*NOut] scale-major, VReset is nil when Layer.VReset is nil.
type LayerGrad struct{ W, Bias, Rec, Beta, P, B, VReset []float64 }

// Forward returns every layer's spikes, spikes[l][(b*T+t)*NOut+n], for input
// x[(b*T+t)*NIn+i] (batch-major, then time, then channel).
func Forward(net Net, x []float64, batch, T int) (spikes [][]float64, err error) {
	if err := validate(net, x, batch, T); err != nil {
		return nil, err
	}
	prm := rawParams(net)
	spikes = make([][]float64, len(net.Layers))
	for l, lay := range net.Layers {
		spikes[l] = make([]float64, batch*T*lay.NOut)
	}
	for b := range batch {
		outs, _ := runNet(net, prm, sampleInput(x, b, T, net.Layers[0].NIn), 0)
		for l, lay := range net.Layers {
			for t := range T {
				for n := range lay.NOut {
					spikes[l][(b*T+t)*lay.NOut+n] = outs[l].s[t][n].V
				}
			}
		}
	}
	return spikes, nil
}

// Grad returns dL/dθ for L = Σ_{b,t,n} gOut[(b*T+t)*N+n] · spikes_last[b,t,n],
// for every raw parameter (i.e. through the clamps and abs of DESIGN §1) and
// for the input x.
func Grad(net Net, x []float64, batch, T int, gOut []float64) (layers []LayerGrad, input []float64, err error) {
	return gradVariant(net, x, batch, T, gOut, variant{})
}

func gradVariant(net Net, x []float64, batch, T int, gOut []float64, v variant) (layers []LayerGrad, input []float64, err error) {
	if err := validate(net, x, batch, T); err != nil {
		return nil, nil, err
	}
	last := net.Layers[len(net.Layers)-1]
	if len(gOut) != batch*T*last.NOut {
		return nil, nil, fmt.Errorf("reference: len(gOut) = %d, want batch*T*NOut = %d", len(gOut), batch*T*last.NOut)
	}
	prm := rawParams(net)
	layers = make([]LayerGrad, len(net.Layers))
	for l, lay := range net.Layers {
		layers[l] = LayerGrad{
			W:    make([]float64, len(lay.W)),
			Bias: make([]float64, lay.NOut),
			Beta: make([]float64, lay.NOut),
			P:    make([]float64, len(lay.P)),
			B:    make([]float64, len(lay.B)),
		}
		if lay.Rec != nil {
			layers[l].Rec = make([]float64, len(lay.Rec))
		}
		if lay.VReset != nil {
			layers[l].VReset = make([]float64, len(lay.VReset))
		}
	}
	nIn := net.Layers[0].NIn
	input = make([]float64, len(x))

	for b := range batch {
		xs := sampleInput(x, b, T, nIn)
		// lossD runs the network from layer `from` on its input `in` and
		// returns the derivative of this sample's loss along the seed.
		lossD := func(from int, in [][]Dual) float64 {
			outs, _ := runNetVariant(net, prm, in, from, v)
			s := outs[len(outs)-1].s
			d := 0.0
			for t := range T {
				for n := range last.NOut {
					d += gOut[(b*T+t)*last.NOut+n] * s[t][n].D
				}
			}
			return d
		}
		// Layer inputs without any seed (all D = 0): layer l's parameters
		// cannot change what layers below l compute.
		outs, _ := runNetVariant(net, prm, xs, 0, v)
		for l := range net.Layers {
			in := xs
			if l > 0 {
				in = outs[l-1].s
			}
			g := &layers[l]
			p := &prm[l]
			for _, pair := range []struct {
				param []Dual
				grad  []float64
			}{{p.W, g.W}, {p.Bias, g.Bias}, {p.Rec, g.Rec}, {p.Beta, g.Beta}, {p.P, g.P}, {p.B, g.B}, {p.VReset, g.VReset}} {
				for e := range pair.param {
					pair.param[e].D = 1
					pair.grad[e] += lossD(l, in)
					pair.param[e].D = 0
				}
			}
		}
		for t := range T {
			for i := range nIn {
				xs[t][i].D = 1
				input[(b*T+t)*nIn+i] = lossD(0, xs)
				xs[t][i].D = 0
			}
		}
	}
	return layers, input, nil
}

// Margin returns the smallest |V - θ| over every neuron-step the forward pass
// compared and whose outcome the spike output depends on: every step of the
// standard simulator; in the blocks simulator every in-range position of a
// block up to and including its first candidate spike (later candidates of
// the same block are discarded by step 6 of DESIGN §3 and cannot change the
// output). A spike mismatch between two implementations is a float rounding
// flip only if this margin is tiny. Returns +Inf when nothing was compared.
func Margin(net Net, x []float64, batch, T int) (float64, error) {
	if err := validate(net, x, batch, T); err != nil {
		return 0, err
	}
	prm := rawParams(net)
	m := inf
	for b := range batch {
		outs, _ := runNet(net, prm, sampleInput(x, b, T, net.Layers[0].NIn), 0)
		for _, o := range outs {
			for t := range o.pre {
				for n, pre := range o.pre[t] {
					if o.decisive[t][n] {
						m = min(m, abs(pre.V))
					}
				}
			}
		}
	}
	return m, nil
}

// layerOut is one layer's result on one sample, all [T][NOut].
type layerOut struct {
	s        [][]Dual // output spikes
	pre      [][]Dual // V - θ as compared by the Heaviside at each step
	decisive [][]bool // whether that comparison can change the output
}

// dualParams holds one layer's raw parameters as dual numbers, same shapes
// as Layer; Grad seeds one element at a time.
type dualParams struct{ W, Bias, Rec, Beta, P, B, VReset []Dual }

func toDual(v []float64) []Dual {
	if v == nil {
		return nil
	}
	d := make([]Dual, len(v))
	for i, x := range v {
		d[i] = Const(x)
	}
	return d
}

func rawParams(net Net) []dualParams {
	prm := make([]dualParams, len(net.Layers))
	for l, lay := range net.Layers {
		prm[l] = dualParams{
			W: toDual(lay.W), Bias: toDual(lay.Bias), Rec: toDual(lay.Rec),
			Beta: toDual(lay.Beta), P: toDual(lay.P), B: toDual(lay.B),
			VReset: toDual(lay.VReset),
		}
	}
	return prm
}

// sampleInput returns sample b of x as [T][nIn] constants.
func sampleInput(x []float64, b, T, nIn int) [][]Dual {
	xs := make([][]Dual, T)
	for t := range T {
		xs[t] = toDual(x[(b*T+t)*nIn : (b*T+t+1)*nIn])
	}
	return xs
}

// runNet runs layers from, from+1, … on one sample whose layer-`from` input
// is in ([T][NIn]); it returns the outputs of those layers.
func runNet(net Net, prm []dualParams, in [][]Dual, from int) ([]layerOut, error) {
	return runNetVariant(net, prm, in, from, variant{})
}

func runNetVariant(net Net, prm []dualParams, in [][]Dual, from int, v variant) ([]layerOut, error) {
	var outs []layerOut
	for l := from; l < len(net.Layers); l++ {
		lay := &net.Layers[l]
		sur, _ := SurrogateByName(lay.Surrogate) // validated
		if v.zeroSurrogate {
			sur = func(float64) float64 { return 0 }
		}
		r := newLayerRun(lay, &prm[l], sur, v)
		var o layerOut
		switch net.Method {
		case "standard":
			o = r.standard(in)
		case "blocks":
			o = r.blocks(in)
		default:
			return nil, fmt.Errorf("reference: unknown method %q", net.Method)
		}
		outs = append(outs, o)
		in = o.s
	}
	return outs, nil
}

func validate(net Net, x []float64, batch, T int) error {
	if net.Method != "standard" && net.Method != "blocks" {
		return fmt.Errorf("reference: unknown method %q (want \"blocks\" or \"standard\")", net.Method)
	}
	if len(net.Layers) == 0 {
		return errors.New("reference: net has no layers")
	}
	if batch < 0 || T < 0 {
		return fmt.Errorf("reference: negative batch %d or T %d", batch, T)
	}
	for l, lay := range net.Layers {
		if lay.NIn < 0 || lay.NOut < 0 {
			return fmt.Errorf("reference: layer %d: negative size %d -> %d", l, lay.NIn, lay.NOut)
		}
		if l > 0 && lay.NIn != net.Layers[l-1].NOut {
			return fmt.Errorf("reference: layer %d: NIn = %d, but layer %d has NOut = %d", l, lay.NIn, l-1, net.Layers[l-1].NOut)
		}
		if lay.ARP < 0 {
			return fmt.Errorf("reference: layer %d: negative ARP %d", l, lay.ARP)
		}
		if lay.Scales < 0 {
			return fmt.Errorf("reference: layer %d: negative Scales %d", l, lay.Scales)
		}
		if _, ok := SurrogateByName(lay.Surrogate); !ok {
			return fmt.Errorf("reference: layer %d: unknown surrogate %q", l, lay.Surrogate)
		}
		check := func(name string, v []float64, want int) error {
			if len(v) != want {
				return fmt.Errorf("reference: layer %d: len(%s) = %d, want %d", l, name, len(v), want)
			}
			return nil
		}
		for _, c := range []struct {
			name string
			v    []float64
			want int
		}{
			{"W", lay.W, lay.NOut * lay.NIn},
			{"Bias", lay.Bias, lay.NOut},
			{"Beta", lay.Beta, lay.NOut},
		} {
			if err := check(c.name, c.v, c.want); err != nil {
				return err
			}
		}
		if lay.Rec != nil {
			if err := check("Rec", lay.Rec, lay.NOut*lay.NOut); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			name string
			v    []float64
		}{{"P", lay.P}, {"B", lay.B}} {
			if k := lay.scales(); len(c.v) != k*lay.NOut {
				return fmt.Errorf("reference: layer %d: len(%s) = %d, want Scales*NOut = %d*%d = %d (scale-major)",
					l, c.name, len(c.v), k, lay.NOut, k*lay.NOut)
			}
		}
		if lay.VReset != nil {
			if err := check("VReset", lay.VReset, lay.NOut); err != nil {
				return err
			}
		}
	}
	if want := batch * T * net.Layers[0].NIn; len(x) != want {
		return fmt.Errorf("reference: len(x) = %d, want batch*T*NIn = %d", len(x), want)
	}
	return nil
}
