package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/blocks-snn/blocks/internal/hdf5"
)

// SHD and SSC: the Spiking Heidelberg Digits and Spiking Speech Commands
// (Cramer et al. 2020), spoken words turned into spikes of 700 cochlear
// channels, from their HDF5 files.
const (
	SHDChannels = 700
	SHDClasses  = 20
	SSCClasses  = 35

	shdURL = "https://zenkelab.org/datasets"
)

// shdChunk is how many samples are read from the file at a time: the raw
// arrays of only that many are held at once.
const shdChunk = 256

func loadSHD(name, dir string, opt Options) (Split, error) {
	classes := SHDClasses
	if name == "ssc" {
		classes = SSCClasses
	}
	if dir == "" {
		return Split{}, fmt.Errorf("%s: no directory given: download %s_train.h5.gz and %s_test.h5.gz from %s, gunzip them into a directory and name it",
			name, name, name, shdURL)
	}
	var s Split
	for _, part := range []string{"train", "test"} {
		file := filepath.Join(dir, name+"_"+part+".h5")
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			hint := fmt.Sprintf("download %s_train.h5.gz and %s_test.h5.gz from %s and gunzip them into %s", name, name, shdURL, dir)
			if _, err := os.Stat(file + ".gz"); err == nil {
				hint = fmt.Sprintf("found %s.gz: gunzip it first", file)
			}
			return Split{}, fmt.Errorf("%s: %s: no such file in %s; %s", name, filepath.Base(file), dir, hint)
		}
		d, err := openSHD(file, name+"/"+part, classes, opt)
		if err != nil {
			return Split{}, err
		}
		if part == "train" {
			s.Train = d
		} else {
			s.Test = d
		}
	}
	// Both parts share one class count.
	tr, te := s.Train.(*memDataset), s.Test.(*memDataset)
	tr.classes = max(tr.classes, te.classes)
	te.classes = tr.classes
	return s, nil
}

// OpenSHD reads one file of the SHD/SSC layout — spikes/times
// (variable-length arrays of spike times in seconds, any float width),
// spikes/units (variable-length arrays of channel indices 0–699, any
// integer width) and labels — for example ssc_valid.h5. Spike times are
// binned to step round(time·1000/DT) (ties to even); events at steps
// ≥ Steps are dropped, and repeats of a channel within a step count once.
// Classes is 20 for files named shd_*, 35 for ssc_*, and at least the
// largest label + 1. Zero Options fields take the "shd" defaults (DT 2 ms,
// 600 steps). Samples are binned as they are read, a chunk at a time,
// and kept compactly (about 1–2 bytes per binned event).
//
// A sample with a unit outside [0, 700), a negative or non-finite time,
// or times and units of different lengths is an error naming the file and
// the sample.
func OpenSHD(file string, opt Options) (Dataset, error) {
	opt, err := withDefaults("shd", opt)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(file)
	classes := 0
	name := base
	switch {
	case len(base) > 4 && base[:4] == "shd_":
		classes = SHDClasses
	case len(base) > 4 && base[:4] == "ssc_":
		classes = SSCClasses
	}
	return openSHD(file, name, classes, opt)
}

func openSHD(file, name string, classes int, opt Options) (*memDataset, error) {
	f, err := hdf5.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	labels, err := f.ReadInt64("labels")
	if err != nil {
		return nil, err
	}
	n := len(labels)
	for _, p := range []string{"spikes/times", "spikes/units"} {
		in, err := f.Info(p)
		if err != nil {
			return nil, err
		}
		if in.Len() != n {
			return nil, fmt.Errorf("%s: dataset %q has %d samples, labels has %d", file, p, in.Len(), n)
		}
	}
	if classes, err = shdClasses(labels, classes); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}

	st := newStore(opt.Steps, SHDChannels)
	var keys []uint64
	idx := subset(n, opt.Limit)
	for lo := 0; lo < len(idx); {
		// A run of consecutive indices, at most shdChunk long.
		hi := lo + 1
		for hi < len(idx) && hi-lo < shdChunk && idx[hi] == idx[hi-1]+1 {
			hi++
		}
		first, count := idx[lo], hi-lo
		toff, times, err := f.ReadVLenFloat64("spikes/times", first, count)
		if err != nil {
			return nil, err
		}
		uoff, units, err := f.ReadVLenInt64("spikes/units", first, count)
		if err != nil {
			return nil, err
		}
		for r := range count {
			i := first + r
			if keys, err = shdEvents(times[toff[r]:toff[r+1]], units[uoff[r]:uoff[r+1]], opt, keys[:0]); err != nil {
				return nil, fmt.Errorf("%s: sample %d: %w", file, i, err)
			}
			st.add(int(labels[i]), keys)
		}
		lo = hi
	}
	return &memDataset{name: name, dt: opt.DT, classes: classes, st: st}, nil
}

// shdClasses checks the labels a file holds and returns the number of
// classes: the largest label + 1, at least classes.
func shdClasses(labels []int64, classes int) (int, error) {
	for i, l := range labels {
		if l < 0 || l > 1<<20 {
			return 0, fmt.Errorf("sample %d: label %d out of range", i, l)
		}
		classes = max(classes, int(l)+1)
	}
	return classes, nil
}

// shdEvents checks one sample's spike times (s) and units as the file
// holds them and appends the keys step·SHDChannels + unit of its events
// before opt.Steps to keys.
func shdEvents(times []float64, units []int64, opt Options, keys []uint64) ([]uint64, error) {
	if len(times) != len(units) {
		return keys, fmt.Errorf("%d spike times but %d units", len(times), len(units))
	}
	for k, tk := range times {
		uk := units[k]
		if uk < 0 || uk >= SHDChannels {
			return keys, fmt.Errorf("event %d: unit %d out of range [0, %d)", k, uk, SHDChannels)
		}
		if !(tk >= 0) || math.IsInf(tk, 0) {
			return keys, fmt.Errorf("event %d: time %v s: want a finite time ≥ 0", k, tk)
		}
		if b := shdStep(tk, opt.DT); b < float64(opt.Steps) {
			keys = append(keys, uint64(b)*SHDChannels+uint64(uk))
		}
	}
	return keys, nil
}

// shdStep returns the step of a spike at t seconds: round(t·1000/DT), ties
// to even.
func shdStep(t, dt float64) float64 {
	return math.RoundToEven(t * 1000 / dt)
}
