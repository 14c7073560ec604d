// Package recording reads recordings of a neuron driven by an injected
// current — the current, its time step and the recorded spike trains of
// every repetition — and scores predicted spike trains against them
// (DESIGN §5.3).
//
// # Formats
//
// Competition text format (the Quantitative Single-Neuron Modeling
// Competition 2007, see testdata/qsnmc2007-challenge-a/README.md), plain
// or gzip-compressed (".gz"):
//
//	SS-R.voltage[.gz]     one line per sample: sample index, current (pA), membrane (mV)
//	SS-R.spiketimes[.gz]  one line per spike: sample index of the spike [, quality flag]
//
// SS names the stimulus and R its repetition (0, 1, …); every repetition
// of a stimulus must have the same number of samples, and sample indices
// must count 0, 1, 2, … (a current to predict from may omit the membrane
// column). Fields are separated by blanks or commas. The files do not state
// the time step: the caller gives it (0.2 ms for the competition's data).
//
// NPZ format (numpy's np.savez): "current", float32 or float64, shape
// (n_samples,), the injected current in pA; "dt_ms", a scalar (or one
// value), the sampling interval in ms (optional if the caller gives one);
// "spikes.0", "spikes.1", … (integer or float), the sample indices of the
// spikes of each repetition, numbered from 0 without gaps (none for a
// current to predict from).
//
// CSV format (".csv" or ".csv.gz"): optional lines starting with '#',
// among them "# dt_ms=0.2"; an optional header line first (recognised by
// a first field that is not a number), e.g. "current_pA,rep0,rep1"; then
// one line per sample: the current in pA, followed by one 0/1 field
// per repetition (1 where that repetition spiked at this sample). Every
// line needs the same number of fields.
//
// # Scores
//
// Gamma is the coincidence factor of Kistler et al. (1997) as the
// competition computes it (±2 ms, coincidences paired one to one),
// Reliability the mean Γ between the recorded repetitions, and Evaluate
// gathers Γ, the explained temporal variance of Gaussian-smoothed trains
// (σ = 2 ms; both normalised by the repetitions' own) and the spike-count
// error of a predicted train into a Score.
//
// Errors name the file and, for the text formats, the line.
package recording

import (
	"fmt"
	"math"
	"slices"
)

// Recording is one stimulus: the injected current sampled every DT ms and
// the spike trains recorded in each repetition, as sorted sample indices.
type Recording struct {
	Name    string    // stimulus name, e.g. "00"
	DT      float64   // sampling interval in ms
	Current []float64 // injected current in pA, one value per sample
	Reps    [][]int   // per repetition, the sample indices of the spikes (sorted)
	Files   []string  // the files it was read from, for messages
}

// Len returns the number of samples.
func (r *Recording) Len() int { return len(r.Current) }

// Duration returns the recording's length in ms.
func (r *Recording) Duration() float64 { return float64(len(r.Current)) * r.DT }

// MeanCount returns the mean number of spikes per repetition (0 without
// repetitions).
func (r *Recording) MeanCount() float64 {
	if len(r.Reps) == 0 {
		return 0
	}
	n := 0
	for _, s := range r.Reps {
		n += len(s)
	}
	return float64(n) / float64(len(r.Reps))
}

// Validate checks the recording: a positive DT, samples, finite currents,
// and spike indices inside the recording.
func (r *Recording) Validate() error {
	if !(r.DT > 0) || math.IsInf(r.DT, 0) {
		return fmt.Errorf("recording %s: time step %g ms, want > 0", r.Name, r.DT)
	}
	if len(r.Current) == 0 {
		return fmt.Errorf("recording %s: no samples", r.Name)
	}
	for i, v := range r.Current {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("recording %s: current at sample %d is %g", r.Name, i, v)
		}
	}
	for k, s := range r.Reps {
		for _, i := range s {
			if i < 0 || i >= len(r.Current) {
				return fmt.Errorf("recording %s: repetition %d has a spike at sample %d, outside 0…%d", r.Name, k, i, len(r.Current)-1)
			}
		}
	}
	return nil
}

// Resample returns the recording at a time step factor times coarser: the
// current averaged over each bin of factor samples (a last partial bin is
// averaged over the samples it has), and each spike moved to the index of
// its bin (two spikes in one bin count once).
func (r *Recording) Resample(factor int) (*Recording, error) {
	if factor < 1 {
		return nil, fmt.Errorf("recording %s: resampling factor %d, want >= 1", r.Name, factor)
	}
	if factor == 1 {
		c := *r
		return &c, nil
	}
	n := (len(r.Current) + factor - 1) / factor
	out := &Recording{Name: r.Name, DT: r.DT * float64(factor), Current: make([]float64, n), Files: r.Files}
	for i := range n {
		lo, hi := i*factor, min((i+1)*factor, len(r.Current))
		var s float64
		for _, v := range r.Current[lo:hi] {
			s += v
		}
		out.Current[i] = s / float64(hi-lo)
	}
	for _, s := range r.Reps {
		out.Reps = append(out.Reps, ResampleSpikes(s, factor))
	}
	return out, nil
}

// ResampleSpikes maps sorted spike indices to bins of factor samples,
// keeping one spike per bin.
func ResampleSpikes(s []int, factor int) []int {
	out := make([]int, 0, len(s))
	for _, i := range s {
		b := i / factor
		if len(out) == 0 || out[len(out)-1] != b {
			out = append(out, b)
		}
	}
	return out
}

// Indices returns the sample indices where a 0/1 train is nonzero.
func Indices(train []float32) []int {
	var s []int
	for i, v := range train {
		if v != 0 {
			s = append(s, i)
		}
	}
	return s
}

func sortUnique(s []int) []int {
	slices.Sort(s)
	return slices.Compact(s)
}
