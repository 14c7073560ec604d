package train

import (
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
)

// gradList returns g's gradients in the order of model.NetParams(net), the
// order the optimiser keeps the parameters in.
func gradList(net *network.Network, g *network.Grads) ([][]float32, error) {
	es, err := model.NetGrads(net, g)
	if err != nil {
		return nil, err
	}
	return data(es), nil
}

// data returns the arrays of entries.
func data(es []model.Entry) [][]float32 {
	d := make([][]float32, len(es))
	for i, e := range es {
		d[i] = e.Data
	}
	return d
}
