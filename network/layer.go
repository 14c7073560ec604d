package network

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
)

// Layer is a layer of adaptive LIF neurons: an input projection W·x + bias,
// optional recurrent weights (delayed by L = ARP+1 steps), and raw
// per-neuron parameters used through the clamps of DESIGN §1.
type Layer struct {
	NIn, NOut int
	Neuron    neuron.Config
	W         []float32 // [NOut][NIn], the reference's _rf_weight
	Bias      []float32 // [NOut], _rf_bias
	Rec       []float32 // [NOut][NOut], _rec_weight: Rec[n*NOut+m] from m to n; nil if feed-forward
	Beta      []float32 // [NOut], raw membrane decay (_beta)
	// P and B are the raw adaptation decays and strengths, [K][NOut] for
	// the K = Neuron.AdaptScales() time scales (_p, _b; scales m >= 1 of
	// the rich neuron _p.<m>, _b.<m>).
	P, B []float32
	// VReset is the raw reset potential, [NOut] (_v_reset), if
	// Neuron.ResetPotential; nil for the paper's reset to 0.
	VReset []float32
}

// Readout is a leaky-integrator layer without spikes:
// O[t] = beta·O[t-1] + W·s[t] + bias, with class logits Σ_t O[t].
type Readout struct {
	NIn, NOut int
	W         []float32 // [NOut][NIn]
	Bias      []float32 // [NOut]
	Beta      []float32 // [NOut], raw decay, used through the same clamp as a neuron's beta
}

// Recurrent reports whether the layer has recurrent weights.
func (l *Layer) Recurrent() bool { return l.Rec != nil }

// LayerConfig describes one adaptive layer of a network to create.
type LayerConfig struct {
	Size      int
	Recurrent bool
	Neuron    neuron.Config
}

// Config describes a network to create with [New].
type Config struct {
	Inputs int
	Layers []LayerConfig
	// Outputs is the size of the leaky-integrator readout; 0 means no
	// readout, and the network's output is the last layer's spikes.
	Outputs int
	// DT and the time constants (same unit) set the initial decays:
	// beta = exp(-DT/TauMem), p = exp(-DT/TauAdapt), readout exp(-DT/TauOut).
	DT, TauMem, TauAdapt, TauOut float64
	Seed                         uint64
}

// PaperConfig returns the paper's classification network (DESIGN §5.2):
// two recurrent adaptive layers of 256, tau_mem 20 ms, tau_adapt 150 ms,
// readout tau 20 ms, multi-Gaussian surrogate, with dt and the refractory
// period in milliseconds.
func PaperConfig(inputs, outputs int, dtMs, arpMs float64, seed uint64) Config {
	arp := int(math.Round(arpMs / dtMs))
	cfg := Config{Inputs: inputs, Outputs: outputs, DT: dtMs, TauMem: 20, TauAdapt: 150, TauOut: 20, Seed: seed}
	for range 2 {
		cfg.Layers = append(cfg.Layers, LayerConfig{Size: 256, Recurrent: true, Neuron: neuron.DefaultConfig(arp)})
	}
	return cfg
}

// New creates a network initialised as the paper does (DESIGN §1):
// W ~ U(-1/sqrt(n_in), 1/sqrt(n_in)), bias 0, W_rec = identity,
// beta = exp(-DT/TauMem), p = exp(-DT/TauAdapt), b = 1.8; for the rich
// neuron V_r = 0 and scale m's p = exp(-DT/tau_m) with tau_m =
// [neuron.ScaleTau](TauAdapt, m). The same seed gives the same network.
func New(cfg Config) (*Network, error) {
	if cfg.Inputs <= 0 {
		return nil, fmt.Errorf("network: need at least one input, got %d", cfg.Inputs)
	}
	if len(cfg.Layers) == 0 {
		return nil, fmt.Errorf("network: need at least one layer")
	}
	for name, v := range map[string]float64{"DT": cfg.DT, "TauMem": cfg.TauMem, "TauAdapt": cfg.TauAdapt} {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("network: %s must be a positive number, got %v", name, v)
		}
	}
	if cfg.Outputs > 0 && (!(cfg.TauOut > 0) || math.IsInf(cfg.TauOut, 0)) {
		return nil, fmt.Errorf("network: TauOut must be a positive number, got %v", cfg.TauOut)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x626c6f636b73)) // "blocks"
	net := &Network{}
	nIn := cfg.Inputs
	for i, lc := range cfg.Layers {
		if lc.Size <= 0 {
			return nil, fmt.Errorf("network: layer %d needs at least one neuron, got %d", i, lc.Size)
		}
		if err := lc.Neuron.Validate(); err != nil {
			return nil, fmt.Errorf("network: layer %d: %w", i, err)
		}
		n := lc.Size
		l := &Layer{
			NIn: nIn, NOut: n, Neuron: lc.Neuron,
			W:    uniform(rng, n*nIn, 1/math.Sqrt(float64(nIn))),
			Bias: make([]float32, n),
			Beta: fill(n, neuron.InitBeta(cfg.DT, cfg.TauMem)),
		}
		for m := range lc.Neuron.AdaptScales() {
			l.P = append(l.P, fill(n, neuron.InitP(cfg.DT, neuron.ScaleTau(cfg.TauAdapt, m)))...)
			l.B = append(l.B, fill(n, neuron.InitB)...)
		}
		if lc.Neuron.ResetPotential {
			l.VReset = make([]float32, n)
		}
		if lc.Recurrent {
			l.Rec = make([]float32, n*n)
			for j := range n {
				l.Rec[j*n+j] = 1
			}
		}
		net.Layers = append(net.Layers, l)
		nIn = n
	}
	if cfg.Outputs > 0 {
		net.Readout = &Readout{
			NIn: nIn, NOut: cfg.Outputs,
			W:    uniform(rng, cfg.Outputs*nIn, 1/math.Sqrt(float64(nIn))),
			Bias: make([]float32, cfg.Outputs),
			Beta: fill(cfg.Outputs, neuron.InitBeta(cfg.DT, cfg.TauOut)),
		}
	}
	return net, nil
}

func uniform(rng *rand.Rand, n int, bound float64) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return w
}

func fill(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// validate checks the layer's shapes and that every parameter is finite.
func (l *Layer) validate(name string) error {
	if l.NIn <= 0 || l.NOut <= 0 {
		return fmt.Errorf("%s: sizes must be positive, got %d inputs and %d neurons", name, l.NIn, l.NOut)
	}
	if err := l.Neuron.Validate(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	k := l.Neuron.AdaptScales()
	if err := checkParams(name, []param{
		{"W", l.W, l.NOut * l.NIn}, {"Bias", l.Bias, l.NOut},
		{"Beta", l.Beta, l.NOut}, {"P", l.P, k * l.NOut}, {"B", l.B, k * l.NOut},
	}); err != nil {
		return err
	}
	switch {
	case l.Neuron.ResetPotential:
		if err := checkParams(name, []param{{"VReset", l.VReset, l.NOut}}); err != nil {
			return err
		}
	case l.VReset != nil:
		return fmt.Errorf("%s: has reset potentials but its neuron config has no ResetPotential", name)
	}
	if l.Rec != nil {
		return checkParams(name, []param{{"Rec", l.Rec, l.NOut * l.NOut}})
	}
	return nil
}

func (r *Readout) validate() error {
	if r.NIn <= 0 || r.NOut <= 0 {
		return fmt.Errorf("readout: sizes must be positive, got %d inputs and %d outputs", r.NIn, r.NOut)
	}
	return checkParams("readout", []param{{"W", r.W, r.NOut * r.NIn}, {"Bias", r.Bias, r.NOut}, {"Beta", r.Beta, r.NOut}})
}

type param struct {
	name string
	v    []float32
	n    int
}

func checkParams(owner string, ps []param) error {
	for _, p := range ps {
		if len(p.v) != p.n {
			return fmt.Errorf("%s: %s has %d values, want %d", owner, p.name, len(p.v), p.n)
		}
		for i, x := range p.v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s: %s[%d] is %v", owner, p.name, i, x)
			}
		}
	}
	return nil
}

// simLayer returns the layer's dynamics with clamped parameters.
func (l *Layer) simLayer() (*sim.Layer, error) {
	prm := sim.Params{
		Beta: clamped(l.Beta, neuron.ClampBeta), P: clamped(l.P, neuron.ClampP),
		B: clamped(l.B, neuron.ClampB), VReset: clamped(l.VReset, neuron.ClampVReset), Rec: l.Rec,
	}
	return sim.NewLayer(l.Neuron, prm)
}

// clamped returns the effective values of raw parameters (nil for nil).
func clamped(raw []float32, clamp func(float32) (float32, float32)) []float32 {
	if raw == nil {
		return nil
	}
	eff := make([]float32, len(raw))
	for i, x := range raw {
		eff[i], _ = clamp(x)
	}
	return eff
}

// chainClamp turns gradients with respect to effective values into
// gradients with respect to the raw values raw, in place.
func chainClamp(g, raw []float32, clamp func(float32) (float32, float32)) {
	for i, x := range raw {
		_, d := clamp(x)
		g[i] *= d
	}
}
