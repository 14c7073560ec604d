package dataset

import (
	"fmt"
	"math"
	"strings"
)

// Options choose how a dataset is binned and how much of it is loaded.
// Zero values take the dataset's defaults (see [Load]).
type Options struct {
	DT    float64 // time step in ms
	Steps int     // time steps per sample; events at later steps are dropped
	Seed  uint64  // generator seed of the built-in datasets
	Limit int     // at most this many samples per split, 0 = all
}

// Default is the dataset `blocks train` uses when given none: it is built
// in, needs no download and trains to high accuracy in a few minutes.
const Default = "randman"

// defaults per dataset: step in ms and duration in ms (Steps = duration/DT
// when only DT is given).
var defaults = map[string]struct{ dt, dur float64 }{
	"randman": {1, 100},
	"mnist":   {1, 100},
	"shd":     {2, 1200},
	"ssc":     {2, 1200},
	"nmnist":  {1, 400},
}

// Names lists the datasets Load knows.
func Names() []string {
	return []string{"randman", "mnist", "shd", "ssc", "nmnist"}
}

// withDefaults fills in opt's zero fields for dataset name.
func withDefaults(name string, opt Options) (Options, error) {
	def := defaults[name]
	if opt.DT < 0 || math.IsNaN(opt.DT) || math.IsInf(opt.DT, 0) {
		return opt, fmt.Errorf("%s: DT %v ms: want a positive number", name, opt.DT)
	}
	if opt.Steps < 0 {
		return opt, fmt.Errorf("%s: %d steps: want a positive number", name, opt.Steps)
	}
	if opt.Limit < 0 {
		return opt, fmt.Errorf("%s: limit %d: want 0 (all) or more", name, opt.Limit)
	}
	if opt.DT == 0 {
		opt.DT = def.dt
	}
	if opt.Steps == 0 {
		opt.Steps = max(1, int(math.Ceil(def.dur/opt.DT-1e-9)))
		if name == "randman" { // defined in steps
			opt.Steps = int(def.dur / def.dt)
		}
	}
	if opt.Steps > 1<<24 {
		return opt, fmt.Errorf("%s: %d steps: too many", name, opt.Steps)
	}
	return opt, nil
}

// Load returns the training and test parts of the named dataset, binned to
// opt.DT and opt.Steps. Names and defaults for zero Options fields:
//
//   - "randman": the built-in random-manifold benchmark (see
//     [DefaultRandman]); 100 steps (DT only labels the step, 1 ms); dir
//     is ignored.
//   - "mnist": the built-in MNIST digits, latency coded (see [LoadMNIST]);
//     DT 1 ms, 100 ms; dir is ignored.
//   - "shd", "ssc": Spiking Heidelberg Digits / Spiking Speech Commands
//     from shd_train.h5 and shd_test.h5 (ssc_train.h5 and ssc_test.h5) in
//     dir (see [OpenSHD]); DT 2 ms, 1200 ms (600 steps).
//   - "nmnist": N-MNIST from dir/Train/<digit>/*.bin and
//     dir/Test/<digit>/*.bin (see [LoadNMNIST]); DT 1 ms, 400 ms.
//
// When only DT is given, Steps covers the default duration. Limit > 0
// keeps at most that many samples of each split, spread evenly over it.
func Load(name, dir string, opt Options) (Split, error) {
	name = strings.ToLower(name)
	if _, ok := defaults[name]; !ok {
		return Split{}, fmt.Errorf("unknown dataset %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	opt, err := withDefaults(name, opt)
	if err != nil {
		return Split{}, err
	}
	switch name {
	case "randman":
		cfg := DefaultRandman()
		cfg.Steps, cfg.Seed, cfg.DT = opt.Steps, opt.Seed, opt.DT
		s, err := GenerateRandman(cfg)
		if err != nil {
			return Split{}, err
		}
		if opt.Limit > 0 {
			s.Train = limited(s.Train.(*memDataset), opt.Limit)
			s.Test = limited(s.Test.(*memDataset), opt.Limit)
		}
		return s, nil
	case "mnist":
		return LoadMNIST(opt)
	case "shd", "ssc":
		return loadSHD(name, dir, opt)
	default:
		return LoadNMNIST(dir, opt)
	}
}

// limited returns the evenly spread subset of at most limit samples of d.
func limited(d *memDataset, limit int) *memDataset {
	if limit <= 0 || limit >= d.Len() {
		return d
	}
	st := newStore(d.st.steps, d.st.channels)
	for _, i := range subset(d.Len(), limit) {
		b := d.st.data[d.st.off[i]:d.st.off[i+1]]
		st.data = append(st.data, b...)
		st.off = append(st.off, int64(len(st.data)))
		st.labels = append(st.labels, d.st.labels[i])
	}
	for i := range st.len() {
		st.events += int64(len(st.sample(i).Idx))
	}
	return &memDataset{name: d.name, dt: d.dt, classes: d.classes, st: st}
}

// DT returns the time step of d in ms, or 0 when d does not say.
func DT(d Dataset) float64 {
	if x, ok := d.(interface{ DT() float64 }); ok {
		return x.DT()
	}
	return 0
}

// ChanceLevel returns the accuracy of always answering d's most frequent
// class: that class's fraction of the samples, or 1/Classes() for an
// empty dataset.
func ChanceLevel(d Dataset) float64 {
	n := d.Len()
	if n == 0 {
		if d.Classes() <= 0 {
			return 0
		}
		return 1 / float64(d.Classes())
	}
	count := map[int]int{}
	best := 0
	for i := range n {
		l := d.Label(i)
		count[l]++
		best = max(best, count[l])
	}
	return float64(best) / float64(n)
}
