package recording

import (
	"encoding/json"
	"math"
)

// Window is the coincidence window of Γ in ms (±2 ms, the competition's).
const Window = 2.0

// Sigma is the standard deviation in ms of the Gaussian kernel that
// smooths spike trains for the explained temporal variance.
const Sigma = 2.0

// Coincidences counts the spikes of data that have a spike of model
// within ±window samples, pairing spikes one to one (each spike of
// either train is used at most once, earliest first). Both trains are
// sorted sample indices.
func Coincidences(data, model []int, window int) int {
	n, j := 0, 0
	for _, t := range data {
		for j < len(model) && model[j] < t-window {
			j++
		}
		if j < len(model) && model[j] <= t+window {
			n++
			j++
		}
	}
	return n
}

// Gamma returns the coincidence factor of Kistler et al. (1997) between a
// recorded train data and a predicted train model, both sorted sample
// indices of a recording of n samples of dt ms, with a coincidence window
// of ±window ms:
//
//	Γ = (N_coinc − 2νΔ·N_data) / (½(N_data + N_model)) · 1/(1 − 2νΔ)
//
// ν being the model's rate and Δ the window. Γ is 1 for identical trains
// and about 0 for a Poisson train of the same rate. It is 0 when both
// trains are empty, and undefined (NaN) when the model fires at 1/(2Δ) or
// faster (250 Hz for ±2 ms): there the chance correction 1 − 2νΔ is 0 or
// negative, and the formula would turn the worst predictions into Γ ≥ 1.
func Gamma(data, model []int, n int, dt, window float64) float64 {
	if len(data)+len(model) == 0 {
		return 0
	}
	w := int(math.Floor(window/dt + 1e-9))
	nu := float64(len(model)) / (float64(n) * dt) // spikes per ms
	exp := 2 * nu * window * float64(len(data))
	norm := 1 - 2*nu*window
	if !(norm > 0) {
		return math.NaN()
	}
	c := float64(Coincidences(data, model, w))
	return (c - exp) / (0.5 * float64(len(data)+len(model))) / norm
}

// MeanGamma returns the mean Γ of model against every repetition.
func MeanGamma(reps [][]int, model []int, n int, dt, window float64) float64 {
	if len(reps) == 0 {
		return math.NaN()
	}
	var s float64
	for _, r := range reps {
		s += Gamma(r, model, n, dt, window)
	}
	return s / float64(len(reps))
}

// Reliability returns the recording's intrinsic reliability: the mean Γ
// between every ordered pair of distinct repetitions (NaN with fewer than
// two).
func Reliability(reps [][]int, n int, dt, window float64) float64 {
	if len(reps) < 2 {
		return math.NaN()
	}
	var s float64
	k := 0
	for i := range reps {
		for j := range reps {
			if i != j {
				s += Gamma(reps[i], reps[j], n, dt, window)
				k++
			}
		}
	}
	return s / float64(k)
}

// Smooth returns a spike train convolved with a Gaussian of standard
// deviation sigma ms (unit area, in spikes per ms), over n samples of dt ms.
func Smooth(s []int, n int, dt, sigma float64) []float64 {
	out := make([]float64, n)
	half := int(math.Ceil(4 * sigma / dt))
	k := make([]float64, 2*half+1)
	for i := range k {
		x := float64(i-half) * dt / sigma
		k[i] = math.Exp(-0.5*x*x) / (sigma * math.Sqrt(2*math.Pi))
	}
	for _, t := range s {
		for i := max(0, t-half); i <= min(n-1, t+half); i++ {
			out[i] += k[i-t+half]
		}
	}
	return out
}

// explained returns 1 − Σ(x−y)²/Σ(y−ȳ)², the fraction of y's temporal
// variance that x explains.
func explained(x, y []float64) float64 {
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var res, tot float64
	for i := range y {
		d := x[i] - y[i]
		res += d * d
		e := y[i] - mean
		tot += e * e
	}
	if tot == 0 {
		return math.NaN()
	}
	return 1 - res/tot
}

// ExplainedVariance returns the explained temporal variance of a
// predicted train and the recording's own: the model's is the mean over
// repetitions r of the fraction of the variance of the mean smoothed
// train of the other repetitions (the PSTH without r) that the smoothed
// model train explains; the recording's own is the same with repetition r
// in the model's place. Both compare against the same leave-one-out PSTHs,
// so their ratio is a normalised score like Γ/R. NaN with fewer than two
// repetitions.
func ExplainedVariance(reps [][]int, model []int, n int, dt, sigma float64) (modelEV, ownEV float64) {
	if len(reps) < 2 {
		return math.NaN(), math.NaN()
	}
	sm := make([][]float64, len(reps))
	for i, r := range reps {
		sm[i] = Smooth(r, n, dt, sigma)
	}
	m := Smooth(model, n, dt, sigma)
	psth := make([]float64, n)
	for r := range reps {
		clear(psth)
		for j := range reps {
			if j != r {
				for i, v := range sm[j] {
					psth[i] += v
				}
			}
		}
		for i := range psth {
			psth[i] /= float64(len(reps) - 1)
		}
		modelEV += explained(m, psth)
		ownEV += explained(sm[r], psth)
	}
	k := float64(len(reps))
	return modelEV / k, ownEV / k
}

// Score holds the quality of a predicted spike train against a recording.
type Score struct {
	Stimulus string `json:"stimulus"`
	// Gamma is the mean Γ (±Window ms) of the prediction against each
	// repetition; Reliability the repetitions' mean mutual Γ; NormGamma
	// their ratio.
	Gamma       float64 `json:"gamma"`
	Reliability float64 `json:"reliability"`
	NormGamma   float64 `json:"normalised_gamma"`
	// EV is the explained temporal variance of the Gaussian-smoothed
	// (σ = Sigma ms) prediction, OwnEV the repetitions' own, NormEV their
	// ratio (see ExplainedVariance).
	EV     float64 `json:"explained_variance"`
	OwnEV  float64 `json:"recorded_explained_variance"`
	NormEV float64 `json:"normalised_explained_variance"`
	// Spikes is the prediction's spike count, RecordedSpikes the
	// repetitions' mean, CountError (Spikes − RecordedSpikes)/RecordedSpikes.
	Spikes         int     `json:"spikes"`
	RecordedSpikes float64 `json:"recorded_spikes"`
	CountError     float64 `json:"spike_count_error"`
}

// Evaluate scores a predicted train (sorted sample indices at rec.DT)
// against every repetition of rec.
func Evaluate(rec *Recording, model []int) Score {
	n, dt := rec.Len(), rec.DT
	s := Score{Stimulus: rec.Name, Spikes: len(model), RecordedSpikes: rec.MeanCount()}
	s.Gamma = MeanGamma(rec.Reps, model, n, dt, Window)
	s.Reliability = Reliability(rec.Reps, n, dt, Window)
	s.NormGamma = s.Gamma / s.Reliability
	s.EV, s.OwnEV = ExplainedVariance(rec.Reps, model, n, dt, Sigma)
	s.NormEV = s.EV / s.OwnEV
	s.CountError = (float64(s.Spikes) - s.RecordedSpikes) / s.RecordedSpikes
	return s
}

// scoreJSON is a Score as written to reports: undefined values as null.
type scoreJSON struct {
	Stimulus       string   `json:"stimulus"`
	Gamma          *float64 `json:"gamma"`
	Reliability    *float64 `json:"reliability"`
	NormGamma      *float64 `json:"normalised_gamma"`
	EV             *float64 `json:"explained_variance"`
	OwnEV          *float64 `json:"recorded_explained_variance"`
	NormEV         *float64 `json:"normalised_explained_variance"`
	Spikes         int      `json:"spikes"`
	RecordedSpikes *float64 `json:"recorded_spikes"`
	CountError     *float64 `json:"spike_count_error"`
}

// MarshalJSON writes the score with undefined values (NaN, ±Inf, e.g. the
// reliability of a single repetition) as null.
func (s Score) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(scoreJSON{s.Stimulus, f(s.Gamma), f(s.Reliability), f(s.NormGamma), f(s.EV), f(s.OwnEV), f(s.NormEV), s.Spikes, f(s.RecordedSpikes), f(s.CountError)})
}

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (s *Score) UnmarshalJSON(b []byte) error {
	var v scoreJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	g := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*s = Score{v.Stimulus, g(v.Gamma), g(v.Reliability), g(v.NormGamma), g(v.EV), g(v.OwnEV), g(v.NormEV), v.Spikes, g(v.RecordedSpikes), g(v.CountError)}
	return nil
}
