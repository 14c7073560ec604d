package network

import (
	"math/rand/v2"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// randomCase is a random network with a random input, for property tests.
type randomCase struct {
	net   *Network
	input tensor.Batch
}

// caseOptions bound the random cases.
type caseOptions struct {
	maxARP, maxT, maxN, maxIn, maxBatch, maxLayers int
	dense                                          bool // allow real-valued input
	surrogates                                     []neuron.Surrogate
	rich                                           bool // the rich neuron: 1–3 adaptation scales, reset potential
}

// randomNet draws a network whose neurons fire now and then: weights are
// biased positive so that a good share of neuron-steps cross threshold.
func randomNet(rng *rand.Rand, o caseOptions) randomCase {
	nl := 1 + rng.IntN(o.maxLayers)
	arp := rng.IntN(o.maxARP + 1)
	nIn := 1 + rng.IntN(o.maxIn)
	batch := 2 + rng.IntN(max(o.maxBatch-1, 1)) // batch > 1
	nt := 1 + rng.IntN(o.maxT)
	if rng.IntN(2) == 0 && nt%(arp+1) == 0 {
		nt++ // T not a multiple of L
	}
	net := &Network{}
	in := nIn
	for range nl {
		n := 1 + rng.IntN(o.maxN)
		cfg := neuron.Config{
			ARP:             arp,
			Adapt:           rng.IntN(4) != 0,
			Surrogate:       o.surrogates[rng.IntN(len(o.surrogates))],
			DetachSpikeGrad: rng.IntN(2) == 0,
		}
		scale := 2.5 / float64(in)
		l := &Layer{NIn: in, NOut: n, Neuron: cfg,
			W: make([]float32, n*in), Bias: make([]float32, n),
			Beta: make([]float32, n), P: make([]float32, n), B: make([]float32, n)}
		for i := range l.W {
			l.W[i] = float32((rng.Float64()*1.6 - 0.4) * scale * 3)
		}
		for i := range n {
			l.Bias[i] = float32(rng.Float64()*0.2 - 0.05)
			l.Beta[i] = float32(0.5 + 0.5*rng.Float64())
			l.P[i] = float32(0.6 + 0.4*rng.Float64())
			l.B[i] = float32(0.1 + 1.2*rng.Float64())
			if rng.IntN(3) == 0 {
				l.P[i] = -l.P[i] // raw values go through |p|, |b|
				l.B[i] = -l.B[i]
			}
		}
		if o.rich {
			makeRich(rng, l, 1+rng.IntN(3))
		}
		if rng.IntN(3) != 0 {
			l.Rec = make([]float32, n*n)
			for i := range l.Rec {
				l.Rec[i] = float32(rng.Float64()*1.2 - 0.6)
			}
		}
		net.Layers = append(net.Layers, l)
		in = n
	}
	x := tensor.New(batch, nt, nIn)
	dense := o.dense && rng.IntN(4) == 0
	rate := 0.05 + 0.4*rng.Float64()
	for i := range x.Data {
		switch {
		case dense:
			x.Data[i] = float32(rng.NormFloat64() * 0.5)
		case rng.Float64() < rate:
			x.Data[i] = 1
		}
	}
	return randomCase{net: net, input: x}
}

var allSurrogates = []neuron.Surrogate{neuron.MultiGaussian, neuron.FastSigmoid, neuron.BoxCar}

// makeRich turns l into a layer of rich neurons with k adaptation scales
// (the first keeps l's p and b, the others are drawn like them) and a
// random reset potential, raw values from -1.3 to 1.2 so that both ends
// of its clamp are reached.
func makeRich(rng *rand.Rand, l *Layer, k int) {
	n := l.NOut
	l.Neuron.Scales, l.Neuron.ResetPotential = k, true
	for range k - 1 {
		for range n {
			l.P = append(l.P, float32(0.3+0.7*rng.Float64()))
			l.B = append(l.B, float32(0.05+0.6*rng.Float64()))
		}
	}
	l.VReset = make([]float32, n)
	for i := range l.VReset {
		l.VReset[i] = float32(2.5*rng.Float64() - 1.3)
	}
}
