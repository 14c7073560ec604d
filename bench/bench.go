package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// Config is one point of the benchmark grid.
type Config struct {
	T, ARP, Batch, Hidden, Layers int
	Inputs                        int // DESIGN §5.1 uses 1000
	Seed                          uint64
}

// String returns a compact description such as "T=1024 ARP=40 1000→128 ×1 batch 64".
func (c Config) String() string {
	return fmt.Sprintf("T=%d ARP=%d %d→%d×%d batch %d", c.T, c.ARP, c.Inputs, c.Hidden, c.Layers, c.Batch)
}

// Validate reports impossible values.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"T", c.T}, {"batch", c.Batch}, {"hidden", c.Hidden}, {"layers", c.Layers}, {"inputs", c.Inputs}} {
		if f.v <= 0 {
			return fmt.Errorf("bench: %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.ARP < 0 {
		return fmt.Errorf("bench: ARP must be >= 0, got %d", c.ARP)
	}
	return nil
}

// Setup builds the benchmark network (recurrent adaptive layers, beta = p
// = 0.9, multi-Gaussian surrogate) and its Poisson input: per sample a
// rate r ~ U(0, 200), each input unit spiking at each step with
// probability r/T.
func Setup(c Config) (*network.Network, *tensor.Sparse, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	cfg := network.Config{Inputs: c.Inputs, DT: 1, TauMem: 20, TauAdapt: 150, Seed: c.Seed}
	for range c.Layers {
		cfg.Layers = append(cfg.Layers, network.LayerConfig{Size: c.Hidden, Recurrent: true, Neuron: neuron.DefaultConfig(c.ARP)})
	}
	net, err := network.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range net.Layers {
		for i := range l.NOut {
			l.Beta[i], l.P[i] = 0.9, 0.9
		}
	}
	return net, Poisson(c.Batch, c.T, c.Inputs, c.Seed), nil
}

// Poisson returns the benchmark's input spikes.
func Poisson(batch, nt, nIn int, seed uint64) *tensor.Sparse {
	rng := rand.New(rand.NewPCG(seed, 0x706f6973736f6e)) // "poisson"
	rowPtr := make([]int32, batch*nt+1)
	var idx []int32
	for b := range batch {
		prob := 200 * rng.Float64() / float64(nt)
		for t := range nt {
			for i := range nIn {
				if rng.Float64() < prob {
					idx = append(idx, int32(i))
				}
			}
			rowPtr[b*nt+t+1] = int32(len(idx))
		}
	}
	return tensor.SparseFromRows(batch, nt, nIn, rowPtr, idx, nil)
}

// Timing is one measured forward and backward pass.
type Timing struct {
	Forward, Backward time.Duration
	Spikes            int // spikes of the last layer, a check that the network is active
}

// Step runs one forward and one backward pass of the benchmark loss (sum
// of the last layer's spikes) and times each.
func Step(net *network.Network, x *tensor.Sparse, m sim.Method) (Timing, error) {
	start := time.Now()
	p, err := net.ForwardSparse(x, m)
	if err != nil {
		return Timing{}, err
	}
	fwd := time.Since(start)
	defer p.Release()
	// dL/ds = 1 for L = Σ s: the loss gradient is an input of the backward
	// pass, made outside the timed region (autograd's is a free broadcast).
	o := p.Output()
	g := tensor.GetDirty(o.B, o.T, o.N)
	defer tensor.Release(g)
	for i := range g.Data {
		g.Data[i] = 1
	}
	start = time.Now()
	if _, err := p.Backward(g, false); err != nil {
		return Timing{}, err
	}
	return Timing{Forward: fwd, Backward: time.Since(start), Spikes: p.SpikeEvents(len(net.Layers) - 1).NNZ()}, nil
}
