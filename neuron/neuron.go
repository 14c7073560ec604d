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
}

// DefaultConfig returns the paper's settings for a given refractory period:
// adaptation on, multi-Gaussian surrogate, detached spike gradients.
func DefaultConfig(arp int) Config {
	return Config{ARP: arp, Adapt: true, Surrogate: MultiGaussian, DetachSpikeGrad: true}
}

// BlockLen returns L = ARP+1, the block length of the blocks simulator and
// the delay of recurrent connections.
func (c Config) BlockLen() int { return c.ARP + 1 }

// Validate reports whether c describes a neuron that can be simulated.
func (c Config) Validate() error {
	if c.ARP < 0 {
		return fmt.Errorf("neuron: refractory period must be >= 0 steps, got %d", c.ARP)
	}
	if c.ARP > math.MaxInt16 {
		return fmt.Errorf("neuron: refractory period %d steps is too long (max %d)", c.ARP, math.MaxInt16)
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

// InitBeta returns the paper's initial membrane decay exp(-dt/tau).
func InitBeta(dt, tauMem float64) float32 { return float32(math.Exp(-dt / tauMem)) }

// InitP returns the paper's initial adaptation decay exp(-dt/tau).
func InitP(dt, tauAdapt float64) float32 { return float32(math.Exp(-dt / tauAdapt)) }

// InitB is the paper's initial raw adaptation strength (b_eff = 1 after the clamp).
const InitB = 1.8
