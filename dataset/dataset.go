// Package dataset loads spiking classification datasets as binned, binary
// event trains — Spiking Heidelberg Digits and Spiking Speech Commands
// (HDF5), N-MNIST (binary event files), and built-in ones that need no
// download — and assembles shuffled mini-batches as sparse tensors for
// package network. Samples stay in event form: no dataset is ever held
// dense in memory.
//
// [Load] opens a dataset by name ([Names]); [OpenSHD], [LoadNMNIST],
// [LoadMNIST] and [GenerateRandman] give finer control. The datasets here
// are safe for concurrent use: Sample may be called from several
// goroutines, for example to prepare the next batch during training.
package dataset

import (
	"fmt"

	"github.com/blocks-snn/blocks/tensor"
)

// Dataset is a labelled set of spike-train samples, binned to Steps time
// steps of the dataset's DT.
type Dataset interface {
	// Name describes the dataset and split, e.g. "shd/train".
	Name() string
	Len() int
	Channels() int
	Steps() int
	Classes() int
	Label(i int) int
	// Sample returns sample i's events. Several events of one channel in
	// one time bin count once: inputs are binary.
	Sample(i int) (Events, error)
}

// Events are one sample's binned events: the channels active at step t
// are Idx[Ptr[t]:Ptr[t+1]], ascending and without repeats; len(Ptr) is
// Steps()+1.
type Events struct {
	Ptr []int32
	Idx []int32
}

// Split is a dataset's training and test parts.
type Split struct {
	Train, Test Dataset
}

// Batch assembles the samples idx of d into one sparse batch [len(idx)][T][C]
// and returns it with their labels.
func Batch(d Dataset, idx []int) (*tensor.Sparse, []int, error) {
	nt, nc := d.Steps(), d.Channels()
	rowPtr := make([]int32, len(idx)*nt+1)
	var rowIdx []int32
	labels := make([]int, len(idx))
	for k, i := range idx {
		ev, err := d.Sample(i)
		if err != nil {
			return nil, nil, err
		}
		if len(ev.Ptr) != nt+1 {
			return nil, nil, fmt.Errorf("%s: sample %d has %d steps, want %d", d.Name(), i, len(ev.Ptr)-1, nt)
		}
		base := int32(len(rowIdx))
		for t := range nt {
			rowPtr[k*nt+t+1] = base + ev.Ptr[t+1]
		}
		rowIdx = append(rowIdx, ev.Idx...)
		labels[k] = d.Label(i)
	}
	return tensor.SparseFromRows(len(idx), nt, nc, rowPtr, rowIdx, nil), labels, nil
}
