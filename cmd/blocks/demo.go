package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/blocks-snn/blocks/bench"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// runDemo builds the paper's benchmark network (DESIGN §5.1), runs one
// forward and backward pass with each simulator, and prints how well they
// agree and how long each took.
func runDemo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c := bench.Config{Inputs: 1000}
	fs.IntVar(&c.T, "t", 1024, "time steps")
	fs.IntVar(&c.ARP, "arp", 40, "absolute refractory period in steps")
	fs.IntVar(&c.Batch, "batch", 64, "batch size")
	fs.IntVar(&c.Hidden, "hidden", 128, "neurons per recurrent adaptive layer")
	fs.IntVar(&c.Layers, "layers", 1, "number of layers")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	net, x, err := bench.Setup(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "network: %s, recurrent adaptive, %.1f%% input events; %d threads, SIMD %s\n",
		c, 100*x.Density(), runtime.GOMAXPROCS(0), vec.Implementation())

	type result struct {
		spikes      tensor.Batch
		grads       *network.Grads
		fwd, bwd    time.Duration
		spikeCount  int
		activeRatio float64
	}
	res := map[sim.Method]result{}
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		if _, err := bench.Step(net, x, m); err != nil { // warm-up
			return err
		}
		start := time.Now()
		p, err := net.ForwardSparse(x, m)
		if err != nil {
			return err
		}
		fwd := time.Since(start)
		out := p.Output()
		out.Data = slices.Clone(out.Data) // p.Release recycles the output
		gOut := ones(out)                 // dL/ds for L = Σ s, made outside the timed region
		start = time.Now()
		g, err := p.Backward(gOut, false)
		if err != nil {
			return err
		}
		r := result{spikes: out, grads: g, fwd: fwd, bwd: time.Since(start)}
		for _, v := range r.spikes.Data {
			if v != 0 {
				r.spikeCount++
			}
		}
		res[m] = r
		p.Release()
	}
	b, s := res[sim.Blocks], res[sim.Standard]
	diff := 0
	for i := range b.spikes.Data {
		if b.spikes.Data[i] != s.spikes.Data[i] {
			diff++
		}
	}
	fmt.Fprintf(stdout, "spikes: blocks %d, standard %d, differing neuron-steps %d of %d\n",
		b.spikeCount, s.spikeCount, diff, len(b.spikes.Data))
	fmt.Fprintf(stdout, "input-weight gradient: blocks vs standard cosine similarity %.3f (the simulators define different surrogate paths)\n",
		cosine(b.grads.Layers[0].W, s.grads.Layers[0].W))
	fmt.Fprintf(stdout, "%-9s %10s %10s %10s\n", "method", "forward", "backward", "total")
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		r := res[m]
		fmt.Fprintf(stdout, "%-9s %9.3fs %9.3fs %9.3fs\n", m, r.fwd.Seconds(), r.bwd.Seconds(), (r.fwd + r.bwd).Seconds())
	}
	if diff != 0 {
		return fmt.Errorf("demo: the simulators disagree on %d neuron-steps", diff)
	}
	return nil
}

func ones(like tensor.Batch) tensor.Batch {
	g := tensor.New(like.B, like.T, like.N)
	for i := range g.Data {
		g.Data[i] = 1
	}
	return g
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}
