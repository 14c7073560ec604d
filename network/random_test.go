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
