package dataset

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// store holds the binned events of many samples compactly: each sample is
// its event count followed by the gaps between its sorted, distinct keys
// t·channels + c, all as uvarints. Spike trains are sparse and sorted
// keys are close, so most events take one or two bytes.
type store struct {
	steps, channels int
	off             []int64 // sample i is data[off[i]:off[i+1]]
	data            []byte
	labels          []int32
	events          int64 // distinct binned events stored
}

func newStore(steps, channels int) *store {
	return &store{steps: steps, channels: channels, off: []int64{0}}
}

// add appends a sample from its keys t·channels + c (any order, repeats
// allowed; keys is reordered).
func (s *store) add(label int, keys []uint64) {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	s.data = binary.AppendUvarint(s.data, uint64(len(keys)))
	prev := uint64(0)
	for _, k := range keys {
		s.data = binary.AppendUvarint(s.data, k-prev)
		prev = k
	}
	s.off = append(s.off, int64(len(s.data)))
	s.labels = append(s.labels, int32(label))
	s.events += int64(len(keys))
}

func (s *store) len() int { return len(s.labels) }

// sample decodes sample i.
func (s *store) sample(i int) Events {
	b := s.data[s.off[i]:s.off[i+1]]
	n, k := binary.Uvarint(b)
	b = b[k:]
	ev := Events{Ptr: make([]int32, s.steps+1), Idx: make([]int32, n)}
	key := uint64(0)
	c := uint64(s.channels)
	for j := range ev.Idx {
		d, k := binary.Uvarint(b)
		b = b[k:]
		key += d
		ev.Ptr[key/c+1]++
		ev.Idx[j] = int32(key % c)
	}
	for t := 1; t <= s.steps; t++ {
		ev.Ptr[t] += ev.Ptr[t-1]
	}
	return ev
}

// eventsFromKeys builds one sample's Events from keys t·channels + c.
func eventsFromKeys(keys []uint64, steps, channels int) Events {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	ev := Events{Ptr: make([]int32, steps+1), Idx: make([]int32, len(keys))}
	c := uint64(channels)
	for j, k := range keys {
		ev.Ptr[k/c+1]++
		ev.Idx[j] = int32(k % c)
	}
	for t := 1; t <= steps; t++ {
		ev.Ptr[t] += ev.Ptr[t-1]
	}
	return ev
}

// memDataset is a Dataset held as a store.
type memDataset struct {
	name    string
	dt      float64
	classes int
	st      *store
}

func (d *memDataset) Name() string      { return d.name }
func (d *memDataset) Len() int          { return d.st.len() }
func (d *memDataset) Channels() int     { return d.st.channels }
func (d *memDataset) Steps() int        { return d.st.steps }
func (d *memDataset) Classes() int      { return d.classes }
func (d *memDataset) Label(i int) int   { return int(d.st.labels[i]) }
func (d *memDataset) DT() float64       { return d.dt }
func (d *memDataset) EventCount() int64 { return d.st.events }

func (d *memDataset) Sample(i int) (Events, error) {
	if i < 0 || i >= d.st.len() {
		return Events{}, fmt.Errorf("%s: sample %d out of range [0, %d)", d.name, i, d.st.len())
	}
	return d.st.sample(i), nil
}

// subset returns a deterministic selection of at most limit of the
// indices [0, n), spread evenly over the range so that class-sorted data
// keep every class: i·n/limit for i < limit. limit 0 selects all.
func subset(n, limit int) []int {
	if limit <= 0 || limit >= n {
		limit = n
	}
	idx := make([]int, limit)
	for i := range idx {
		idx[i] = int(int64(i) * int64(n) / int64(limit))
	}
	return idx
}
