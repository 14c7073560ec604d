package train

import (
	"fmt"

	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
)

// Keys of the readout's parameters in model files.
const (
	readoutWeight = "readout._weight"
	readoutBias   = "readout._bias"
	readoutBeta   = "readout._beta"
)

// Params returns every trainable parameter of net under its model-file
// key (DESIGN §6: "0._beta", …, "0._rf_weight", "0._rec_weight", then the
// readout's "readout._weight", "readout._bias", "readout._beta"), in
// the order the optimiser keeps them. The arrays share memory with net.
func Params(net *network.Network) []model.Entry {
	var ps []model.Entry
	for i, l := range net.Layers {
		for _, e := range model.Params(l) {
			ps = append(ps, model.Entry{Key: model.LayerKey(i, e.Key), Array: e.Array})
		}
	}
	if r := net.Readout; r != nil {
		ps = append(ps, readoutEntries(r, r.W, r.Bias, r.Beta)...)
	}
	return ps
}

// gradList returns g's gradients in the order of Params(net).
func gradList(net *network.Network, g *network.Grads) ([][]float32, error) {
	if len(g.Layers) != len(net.Layers) || (net.Readout != nil) != (g.Readout != nil) {
		return nil, fmt.Errorf("train: gradients do not match the network")
	}
	var gs [][]float32
	for i, l := range net.Layers {
		for _, e := range model.Grads(l, g.Layers[i]) {
			gs = append(gs, e.Data)
		}
	}
	if r := net.Readout; r != nil {
		for _, e := range readoutEntries(r, g.Readout.W, g.Readout.Bias, g.Readout.Beta) {
			gs = append(gs, e.Data)
		}
	}
	return gs, nil
}

func readoutEntries(r *network.Readout, w, bias, beta []float32) []model.Entry {
	k := r.NOut
	return []model.Entry{
		{Key: readoutWeight, Array: model.Array{Shape: []int{k, r.NIn}, Data: w}},
		{Key: readoutBias, Array: model.Array{Shape: []int{k}, Data: bias}},
		{Key: readoutBeta, Array: model.Array{Shape: []int{k}, Data: beta}},
	}
}

// data returns the arrays of entries.
func data(es []model.Entry) [][]float32 {
	d := make([][]float32, len(es))
	for i, e := range es {
		d[i] = e.Data
	}
	return d
}
