// Package datasettest provides a small in-memory spiking dataset for the
// tests of packages that train or evaluate networks, in the manner of
// net/http/httptest.
package datasettest

import (
	"math/rand/v2"

	"github.com/blocks-snn/blocks/dataset"
)

// Toy is a small separable dataset: 12 channels in 3 groups, 30 steps of
// 1 ms; a sample of class c fires the channels of group c with probability
// 0.4 per step and the others with 0.05.
type Toy struct {
	name            string
	steps, channels int
	classes         int
	labels          []int
	events          []dataset.Events
}

// NewToy returns n samples (classes in turn) drawn from seed.
func NewToy(name string, n int, seed uint64) *Toy {
	d := &Toy{name: name, steps: 30, channels: 12, classes: 3}
	rng := rand.New(rand.NewPCG(seed, 7))
	group := d.channels / d.classes
	for i := range n {
		c := i % d.classes
		ev := dataset.Events{Ptr: make([]int32, d.steps+1)}
		for t := range d.steps {
			for ch := range d.channels {
				p := 0.05
				if ch/group == c {
					p = 0.4
				}
				if rng.Float64() < p {
					ev.Idx = append(ev.Idx, int32(ch))
				}
			}
			ev.Ptr[t+1] = int32(len(ev.Idx))
		}
		d.labels = append(d.labels, c)
		d.events = append(d.events, ev)
	}
	return d
}

// Split returns a training split of 60 samples and a test split of 30.
func Split() dataset.Split {
	return dataset.Split{Train: NewToy("toy/train", 60, 1), Test: NewToy("toy/test", 30, 2)}
}

func (d *Toy) Name() string                         { return d.name }
func (d *Toy) Len() int                             { return len(d.labels) }
func (d *Toy) Channels() int                        { return d.channels }
func (d *Toy) Steps() int                           { return d.steps }
func (d *Toy) Classes() int                         { return d.classes }
func (d *Toy) Label(i int) int                      { return d.labels[i] }
func (d *Toy) Sample(i int) (dataset.Events, error) { return d.events[i], nil }

// DT returns the time step in ms.
func (d *Toy) DT() float64 { return 1 }
