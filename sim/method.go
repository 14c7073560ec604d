package sim

import (
	"fmt"
	"math"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// Method selects a simulator.
type Method int

const (
	// Blocks is the paper's block simulator (DESIGN §3).
	Blocks Method = iota
	// Standard is the step-by-step simulator (DESIGN §2).
	Standard
)

// String returns "blocks" or "standard".
func (m Method) String() string {
	switch m {
	case Blocks:
		return "blocks"
	case Standard:
		return "standard"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method named "blocks" or "standard".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "blocks":
		return Blocks, nil
	case "standard":
		return Standard, nil
	}
	return 0, fmt.Errorf("sim: unknown method %q (want blocks or standard)", s)
}

// Layer is what a simulator needs to know of a layer of N neurons. The
// per-neuron values are the effective ones, after the clamps of DESIGN §1.
type Layer struct {
	Neuron neuron.Config
	N      int
	// K is the number of threshold-adaptation time scales,
	// Neuron.AdaptScales(): 1 for the paper's neuron.
	K    int
	Beta []float32 // length N
	// P and B hold each scale's adaptation decay and strength, K·N values,
	// scale-major: P[m*N+i] is scale m of neuron i.
	P, B []float32
	// VReset is every neuron's reset potential V_r, or nil for the
	// paper's reset to 0.
	VReset []float32
	// Rec holds the recurrent weights, Rec[n*N+m] from neuron m to neuron
	// n, or nil for a feed-forward layer. RecT is its transpose, the layout
	// the forward pass gathers from; NewLayer fills it.
	Rec, RecT []float32
}

// Params are the per-neuron values of a layer of N neurons with K
// adaptation time scales (effective values, after the clamps).
type Params struct {
	Beta []float32 // N
	P, B []float32 // K·N, scale-major
	// VReset is N values if the neuron has a reset potential
	// (neuron.Config.ResetPotential), else nil.
	VReset []float32
	Rec    []float32 // N·N, or nil for a feed-forward layer
}

// NewLayer checks the arguments and returns a Layer.
func NewLayer(cfg neuron.Config, prm Params) (*Layer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, k := len(prm.Beta), cfg.AdaptScales()
	if n == 0 {
		return nil, fmt.Errorf("sim: layer has no neurons")
	}
	if len(prm.P) != k*n || len(prm.B) != k*n {
		return nil, fmt.Errorf("sim: per-neuron parameters disagree in length: beta %d, p %d, b %d (want %d×%d adaptation scales)", n, len(prm.P), len(prm.B), k, n)
	}
	if cfg.ResetPotential != (prm.VReset != nil) || (prm.VReset != nil && len(prm.VReset) != n) {
		return nil, fmt.Errorf("sim: reset potential has %d values, want %d (neuron has one: %v)", len(prm.VReset), n, cfg.ResetPotential)
	}
	for _, v := range [][]float32{prm.Beta, prm.P, prm.B, prm.VReset} {
		for i, x := range v {
			if !finite(x) {
				return nil, fmt.Errorf("sim: neuron %d has a non-finite parameter (%v)", i%n, x)
			}
		}
	}
	l := &Layer{Neuron: cfg, N: n, K: k, Beta: prm.Beta, P: prm.P, B: prm.B, VReset: prm.VReset}
	if prm.Rec != nil {
		if len(prm.Rec) != n*n {
			return nil, fmt.Errorf("sim: recurrent weights have %d values, want %d×%d", len(prm.Rec), n, n)
		}
		l.Rec = prm.Rec
		l.RecT = make([]float32, n*n)
		for i := range n {
			for j := range n {
				l.RecT[j*n+i] = prm.Rec[i*n+j]
			}
		}
	}
	return l, nil
}

// rich reports whether the layer needs the rich neuron's row kernels (a
// reset potential or several adaptation scales) rather than the paper's.
func (l *Layer) rich() bool { return l.Neuron.Rich() }

func finite(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

// Trace is what a forward pass returns and its backward pass reads.
type Trace struct {
	Method Method
	Layer  *Layer
	// Spikes are the layer's output spikes, [B][T][N], in sparse form.
	Spikes *tensor.Sparse
	// V is the membrane at every step, [B][T][N]: for Standard the
	// membrane before the reset, V[t]; for Blocks the no-reset membrane
	// Vn of DESIGN §3 (they agree up to each neuron's first spike of a
	// block).
	V tensor.Batch
	// Current is the total input current I[t], feed-forward plus recurrent.
	Current tensor.Batch

	// The blocks simulator's carry for every block: its firing position
	// (-1: none), [B][blocks][N], and, with adaptation, the adaptation a_m
	// of every scale entering it (DESIGN §3, step 7), [B][blocks][K][N].
	// Nil for the standard simulator.
	blockFired []int32
	blockA     []float32
}

// Forward simulates layer l driven by the feed-forward input current cur
// ([B][T][N]: W_in·x + bias). The recurrent input is added to cur in
// place, so on return cur holds the total current I of DESIGN §1.
func Forward(m Method, l *Layer, cur tensor.Batch) (*Trace, error) {
	if err := cur.Check("sim: input current"); err != nil {
		return nil, err
	}
	return ForwardFinite(m, l, cur)
}

// ForwardFinite is Forward for a current already known to be finite (it
// checks the shape only): package network uses it, having checked the
// inputs and weights the current is made of.
func ForwardFinite(m Method, l *Layer, cur tensor.Batch) (*Trace, error) {
	if cur.B <= 0 || cur.T <= 0 || len(cur.Data) != cur.B*cur.T*cur.N {
		return nil, fmt.Errorf("sim: input current has shape [%d %d %d] and %d values", cur.B, cur.T, cur.N, len(cur.Data))
	}
	if cur.N != l.N {
		return nil, fmt.Errorf("sim: input current has %d channels, layer has %d neurons", cur.N, l.N)
	}
	tr := &Trace{Method: m, Layer: l, Current: cur, V: tensor.GetDirty(cur.B, cur.T, cur.N)}
	var run func(b int, ev *sampleEvents)
	switch m {
	case Blocks:
		bl := l.Neuron.BlockLen()
		size := cur.B * ((cur.T + bl - 1) / bl) * l.N
		tr.blockFired = make([]int32, size)
		if l.Neuron.Adapt {
			tr.blockA = make([]float32, size*l.K)
		}
		run = tr.blocksForward
	case Standard:
		run = tr.standardForward
	default:
		return nil, fmt.Errorf("sim: unknown method %v", m)
	}
	tr.Spikes = collectSpikes(cur.B, cur.T, cur.N, run)
	return tr, nil
}

// Release gives the trace's membrane and current buffers back for reuse
// (see [tensor.Release]); the trace must not be used afterwards.
func (tr *Trace) Release() {
	tensor.Release(tr.V)
	tensor.Release(tr.Current)
	tr.V, tr.Current = tensor.Batch{}, tensor.Batch{}
}

// Grads holds the gradients of a layer's dynamics parameters, with
// respect to the effective (clamped) values.
type Grads struct {
	Beta   []float32 // N
	P, B   []float32 // K·N like Layer.P and Layer.B
	VReset []float32 // N, nil without a reset potential
	Rec    []float32 // N×N like Layer.Rec, nil for a feed-forward layer
	// CurrentSum is Σ over samples and steps of dL/dI: the gradient of
	// any per-neuron constant added to the current, such as a bias.
	CurrentSum []float32
}

// Backward returns the gradient of the loss with respect to the total
// input current I ([B][T][N]) and to the layer's dynamics parameters,
// given gS, the gradient with respect to the layer's output spikes.
func Backward(tr *Trace, gS tensor.Batch) (gI tensor.Batch, g Grads, err error) {
	sp := tr.Spikes
	if gS.B != sp.B || gS.T != sp.T || gS.N != sp.N || len(gS.Data) != sp.B*sp.T*sp.N {
		return gI, g, fmt.Errorf("sim: output gradient has shape [%d %d %d], spikes have [%d %d %d]", gS.B, gS.T, gS.N, sp.B, sp.T, sp.N)
	}
	var run func(b int, gS, gI []float32, acc *neuronGrads)
	switch tr.Method {
	case Blocks:
		run = tr.blocksBackward
	case Standard:
		run = tr.standardBackward
	default:
		return gI, g, fmt.Errorf("sim: unknown method %v", tr.Method)
	}
	gI, g = tr.backward(gS, run)
	return gI, g, nil
}
