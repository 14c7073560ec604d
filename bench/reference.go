package bench

import (
	"math"
	"strconv"

	"github.com/blocks-snn/blocks/sim"
)

// Seconds is a time in seconds that may be only a lower bound (a run
// stopped after that long).
type Seconds struct {
	S       float64
	AtLeast bool // the true time is more than S
}

// String returns "3.0 s", or "> 600 s" for a lower bound.
func (s Seconds) String() string {
	v := strconv.FormatFloat(s.S, 'f', decimals(s.S), 64) + " s"
	if s.AtLeast {
		return "> " + v
	}
	return v
}

// Ratio is a speed-up factor that may be only a lower bound.
type Ratio struct {
	X       float64
	AtLeast bool
}

// String returns "12.3×", or "> 200×" for a lower bound.
func (r Ratio) String() string {
	v := strconv.FormatFloat(r.X, 'f', decimals(r.X), 64) + "×"
	if r.AtLeast {
		return "> " + v
	}
	return v
}

// decimals keeps about three significant digits for small numbers and
// none for large ones.
func decimals(v float64) int {
	switch a := math.Abs(v); {
	case a >= 100:
		return 0
	case a >= 10:
		return 1
	case a >= 1:
		return 2
	default:
		return 3
	}
}

// Reference is one configuration timed with the reference PyTorch
// implementation (DESIGN §5.1: the project's 2-core development machine,
// torch 1.13 with OpenBLAS, 2 threads, one forward + backward pass).
type Reference struct {
	T, ARP, Batch, Hidden, Layers, Inputs int
	Blocks, Standard                      Seconds
}

// References is the reference timing table of DESIGN §5.1.
var References = []Reference{
	{T: 1024, ARP: 40, Batch: 64, Hidden: 128, Layers: 1, Inputs: 1000,
		Blocks: Seconds{S: 3.0}, Standard: Seconds{S: 51.6}},
	{T: 512, ARP: 10, Batch: 32, Hidden: 128, Layers: 1, Inputs: 1000,
		Blocks: Seconds{S: 0.65}, Standard: Seconds{S: 1.5}},
	{T: 2048, ARP: 100, Batch: 128, Hidden: 128, Layers: 1, Inputs: 1000,
		Blocks: Seconds{S: 14.8}, Standard: Seconds{S: 600, AtLeast: true}}, // "> 10 min"
}

// ReferenceFor returns the reference time of c (its seed aside) with
// method m, if DESIGN §5.1 has one.
func ReferenceFor(c Config, m sim.Method) (Seconds, bool) {
	for _, r := range References {
		if r.T == c.T && r.ARP == c.ARP && r.Batch == c.Batch && r.Hidden == c.Hidden &&
			r.Layers == c.Layers && r.Inputs == c.Inputs {
			switch m {
			case sim.Blocks:
				return r.Blocks, true
			case sim.Standard:
				return r.Standard, true
			}
		}
	}
	return Seconds{}, false
}

// VsReference returns the reference time of r's configuration and method
// and the speed-up over it (reference seconds / our total seconds; a lower
// bound when the reference is one).
func (r Result) VsReference() (ref Seconds, speedup Ratio, ok bool) {
	ref, ok = ReferenceFor(r.Config, r.Method)
	if !ok || r.Total <= 0 {
		return ref, Ratio{}, ok
	}
	return ref, Ratio{X: ref.S / r.Total.Seconds(), AtLeast: ref.AtLeast}, true
}

// SpeedUps returns, for every configuration timed with both simulators,
// the blocks-over-standard speed-up: standard total / blocks total.
func SpeedUps(rs []Result) map[Config]float64 {
	var blocks, standard = map[Config]float64{}, map[Config]float64{}
	for _, r := range rs {
		switch r.Method {
		case sim.Blocks:
			blocks[r.Config] = r.Total.Seconds()
		case sim.Standard:
			standard[r.Config] = r.Total.Seconds()
		}
	}
	out := map[Config]float64{}
	for c, b := range blocks {
		if s, ok := standard[c]; ok && b > 0 {
			out[c] = s / b
		}
	}
	return out
}
