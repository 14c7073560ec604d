package neuron

import (
	"fmt"
	"math"
)

// Config holds the hyper-parameters shared by every neuron of a layer.
type Config struct {
	// ARP is the absolute refractory period in time steps (R >= 0). After
	// a spike at t0 the input is gated off for steps t0+1 … t0+R. It also
	// sets the block length L = R+1 and the recurrent delay.
	ARP int
	// Adapt turns the adaptive threshold θ = 1 + b·a on; without it θ = 1.
	Adapt bool
	// Surrogate is the derivative used for the spike in the backward pass.
	Surrogate Surrogate
	// DetachSpikeGrad stops the gradient of spikes that reach the reset,
	// the recurrent input and the blocks simulator's adaptation carry
	// (DESIGN §4). The paper's default is true.
	DetachSpikeGrad bool

	// The richer neuron (docs/equations.md, "The rich neuron"); the zero
	// values give the paper's model.

	// Scales is K, the number of threshold-adaptation variables, each with
	// its own decay p_m and strength b_m: θ = 1 + Σ_m b_m·a_m. 0 means 1.
	// It only matters with Adapt.
	Scales int
	// ResetPotential gives every neuron a learnable reset potential V_r:
	// after a spike the membrane is set to V_r (instead of 0) and decays
	// with beta through the refractory period.
	ResetPotential bool
}

// DefaultConfig returns the paper's settings for a given refractory period:
// adaptation on, multi-Gaussian surrogate, detached spike gradients.
func DefaultConfig(arp int) Config {
	return Config{ARP: arp, Adapt: true, Surrogate: MultiGaussian, DetachSpikeGrad: true}
}

// BlockLen returns L = ARP+1, the block length of the blocks simulator and
// the delay of recurrent connections.
func (c Config) BlockLen() int { return c.ARP + 1 }

// AdaptScales returns K, the number of (p, b) pairs every neuron has: the
// Scales field, or 1 if it is 0. A layer without adaptation still stores
// them (the paper's model files do), they just have no effect.
func (c Config) AdaptScales() int { return max(1, c.Scales) }

// Rich reports whether c asks for more than the paper's neuron: a reset
// potential or several adaptation time scales.
func (c Config) Rich() bool { return c.ResetPotential || c.AdaptScales() > 1 }

// WithModel returns c set up as the named model: "paper", the paper's
// neuron (reset to 0, one adaptation time scale), or "rich", with a
// learnable reset potential and scales adaptation time scales.
func (c Config) WithModel(name string, scales int) (Config, error) {
	switch name {
	case "paper":
		c.ResetPotential, c.Scales = false, 0
	case "rich":
		if scales < 1 || scales > MaxScales {
			return c, fmt.Errorf("neuron: the rich neuron needs 1 … %d adaptation time scales, got %d", MaxScales, scales)
		}
		c.ResetPotential, c.Scales = true, scales
	default:
		return c, fmt.Errorf("neuron: unknown model %q (want paper or rich)", name)
	}
	return c, nil
}

// MaxScales is the largest number of adaptation time scales accepted.
const MaxScales = 16

// Validate reports whether c describes a neuron that can be simulated.
func (c Config) Validate() error {
	if c.ARP < 0 {
		return fmt.Errorf("neuron: refractory period must be >= 0 steps, got %d", c.ARP)
	}
	if c.ARP > math.MaxInt16 {
		return fmt.Errorf("neuron: refractory period %d steps is too long (max %d)", c.ARP, math.MaxInt16)
	}
	if c.Scales < 0 || c.Scales > MaxScales {
		return fmt.Errorf("neuron: number of adaptation time scales must be in 1 … %d, got %d", MaxScales, c.Scales)
	}
	if _, err := ParseSurrogate(c.Surrogate.String()); err != nil {
		return err
	}
	return nil
}

// Clamp ranges of DESIGN §1.
const (
	BetaMin, BetaMax = 0.001, 0.999
	PMin, PMax       = 0, 0.999
	BMin, BMax       = 0.001, 1
	// V_r stays below the lowest threshold (1), so a neuron never fires
	// while refractory; below -1 the reset would be far under rest.
	VResetMin, VResetMax = -1, 0.999
)

// clamp returns x limited to [lo, hi] and the derivative of that map
// (1 inside the range, 0 where the clamp is active).
func clamp(x, lo, hi float32) (float32, float32) {
	switch {
	case x < lo:
		return lo, 0
	case x > hi:
		return hi, 0
	}
	return x, 1
}

// abs returns |x| and its derivative sign(x) (0 at 0, like torch.abs).
func abs(x float32) (float32, float32) {
	switch {
	case x > 0:
		return x, 1
	case x < 0:
		return -x, -1
	}
	return 0, 0
}

// ClampBeta maps a raw membrane decay to the value used by the neuron,
// clamp(beta, 0.001, 0.999), and returns the derivative of the map.
func ClampBeta(beta float32) (eff, d float32) { return clamp(beta, BetaMin, BetaMax) }

// ClampP maps a raw adaptation decay to clamp(|p|, 0, 0.999) and returns
// the derivative of the map.
func ClampP(p float32) (eff, d float32) {
	a, da := abs(p)
	v, dc := clamp(a, PMin, PMax)
	return v, da * dc
}

// ClampB maps a raw adaptation strength to clamp(|b|, 0.001, 1) and returns
// the derivative of the map.
func ClampB(b float32) (eff, d float32) {
	a, da := abs(b)
	v, dc := clamp(a, BMin, BMax)
	return v, da * dc
}

// ClampVReset maps a raw reset potential to clamp(V_r, -1, 0.999) and
// returns the derivative of the map.
func ClampVReset(v float32) (eff, d float32) { return clamp(v, VResetMin, VResetMax) }

// InitBeta returns the paper's initial membrane decay exp(-dt/tau).
func InitBeta(dt, tauMem float64) float32 { return float32(math.Exp(-dt / tauMem)) }

// InitP returns the paper's initial adaptation decay exp(-dt/tau).
func InitP(dt, tauAdapt float64) float32 { return float32(math.Exp(-dt / tauAdapt)) }

// ScaleTau returns the initial time constant of adaptation scale m of a
// neuron whose first (slowest) scale has time constant tau: tau/4^m, so
// that several scales start spread over a range of time scales.
func ScaleTau(tau float64, m int) float64 { return tau / math.Pow(4, float64(m)) }

// InitB is the paper's initial raw adaptation strength (b_eff = 1 after the clamp).
const InitB = 1.8
