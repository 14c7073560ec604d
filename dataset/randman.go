package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// RandmanConfig sets up the random-manifold benchmark of Zenke & Vogels
// (2021), "The remarkable robustness of surrogate gradient learning for
// instilling complex function in spiking neural networks" (Neural
// Computation 33(4)), following their generator (the randman package's
// Randman class and make_spiking_dataset):
//
// Each class is a smooth random manifold of dimension Dim embedded in
// Units dimensions. Embedding coordinate u is the function
//
//	f_u(x) = Π_d Σ_{i=0}^{F-1} a_{u,d,i}·s_i·sin(2π(i·x_d·b_{u,d,i} + c_{u,d,i}))
//
// of the intrinsic coordinates x ∈ [0,1)^Dim, with a, b, c uniform on
// [0,1) (a_{u,d,0} = 0: no offset), power spectrum s_i = 1/((i+1)^Alpha + 1)
// and F = ceil(1000^(1/Alpha)) components (32 for Alpha 2): a larger Alpha
// gives a smoother manifold. A sample of a class is a point x drawn
// uniformly, mapped through the class's manifold; each coordinate is
// standardised to [0,1) over the class's samples ((y−min)/(max−min+1e-7))
// and becomes the spike time of one input unit: every unit fires exactly
// once per sample, at step floor(y·StepFrac·Steps). All information is in
// the relative spike timing; spike counts carry none.
//
// Everything is drawn from Seed (a PCG generator, not numpy's), so one
// seed gives the same dataset on every run.
type RandmanConfig struct {
	Classes         int     // one manifold per class
	Units           int     // input channels (the embedding dimension)
	Dim             int     // intrinsic dimension of each manifold
	Alpha           float64 // smoothness: power spectrum falls as 1/(f^Alpha + 1)
	SamplesPerClass int     // points drawn from each manifold
	TestFraction    float64 // of each class's samples, kept for the test split
	Steps           int     // time steps per sample
	StepFrac        float64 // spikes fall in the first StepFrac·Steps steps
	DT              float64 // ms per step; only labels the step
	Seed            uint64
}

// DefaultRandman returns the built-in benchmark's settings: 10 classes of
// 1-D manifolds (Alpha 2) in 100 units, 1000 samples per class split
// 800/200 (8000 training and 2000 test samples), 100 steps of 1 ms with
// the spikes in the first 80 — the generator's defaults except for the
// manifold dimension (1, the easier case of the paper's sweeps) and
// StepFrac (0.8, not 1, leaving the network 20 steps to answer after the
// last input spike).
func DefaultRandman() RandmanConfig {
	return RandmanConfig{
		Classes: 10, Units: 100, Dim: 1, Alpha: 2, SamplesPerClass: 1000,
		TestFraction: 0.2, Steps: 100, StepFrac: 0.8, DT: 1,
	}
}

func (c RandmanConfig) check() error {
	switch {
	case c.Classes < 1 || c.Units < 1 || c.Dim < 1 || c.SamplesPerClass < 2 || c.Steps < 1:
		return fmt.Errorf("randman: classes %d, units %d, dim %d, samples per class %d, steps %d: want all ≥ 1 (samples ≥ 2)",
			c.Classes, c.Units, c.Dim, c.SamplesPerClass, c.Steps)
	case !(c.Alpha > 0):
		return fmt.Errorf("randman: alpha %v: want > 0", c.Alpha)
	case !(c.TestFraction > 0 && c.TestFraction < 1):
		return fmt.Errorf("randman: test fraction %v: want in (0, 1)", c.TestFraction)
	case !(c.StepFrac > 0 && c.StepFrac <= 1):
		return fmt.Errorf("randman: step fraction %v: want in (0, 1]", c.StepFrac)
	case !(c.DT > 0):
		return fmt.Errorf("randman: DT %v: want > 0", c.DT)
	}
	return nil
}

// manifold is one class's random smooth function [0,1)^dim → R^units.
type manifold struct {
	units, dim, nf int
	// per (unit, dim, component): amplitude a·s, angular frequency 2π·i·b,
	// phase 2π·c
	amp, freq, phase []float64
}

func newManifold(units, dim int, alpha float64, rng *rand.Rand) *manifold {
	nf := int(math.Min(math.Ceil(math.Pow(1e-3, -1/alpha)), 1000))
	m := &manifold{units: units, dim: dim, nf: nf}
	n := units * dim * nf
	m.amp, m.freq, m.phase = make([]float64, n), make([]float64, n), make([]float64, n)
	for ud := range units * dim {
		for i := range nf {
			a, b, c := rng.Float64(), rng.Float64(), rng.Float64()
			if i == 0 {
				a = 0
			}
			s := 1 / (math.Pow(float64(i+1), alpha) + 1)
			k := ud*nf + i
			m.amp[k], m.freq[k], m.phase[k] = a*s, 2*math.Pi*float64(i)*b, 2*math.Pi*c
		}
	}
	return m
}

// eval writes the embedding of x into y.
func (m *manifold) eval(x, y []float64) {
	for u := range m.units {
		p := 1.0
		for d := range m.dim {
			k := (u*m.dim + d) * m.nf
			s := 0.0
			for i := range m.nf {
				s += m.amp[k+i] * math.Sin(m.freq[k+i]*x[d]+m.phase[k+i])
			}
			p *= s
		}
		y[u] = p
	}
}

// GenerateRandman generates the benchmark described by cfg.
func GenerateRandman(cfg RandmanConfig) (Split, error) {
	if err := cfg.check(); err != nil {
		return Split{}, err
	}
	master := rand.New(rand.NewPCG(cfg.Seed, 0x72616e646d616e)) // "randman"
	seeds := make([]uint64, cfg.Classes)
	for k := range seeds {
		seeds[k] = master.Uint64()
	}
	ns, nu := cfg.SamplesPerClass, cfg.Units
	nTest := max(1, min(ns-1, int(math.Round(cfg.TestFraction*float64(ns)))))

	// Spike steps of each class's samples, [sample][unit].
	steps := make([][]int32, cfg.Classes)
	var wg sync.WaitGroup
	for k := range cfg.Classes {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seeds[k], uint64(k)))
			m := newManifold(nu, cfg.Dim, cfg.Alpha, rng)
			y := make([]float64, ns*nu)
			x := make([]float64, cfg.Dim)
			for s := range ns {
				for d := range x {
					x[d] = rng.Float64()
				}
				m.eval(x, y[s*nu:(s+1)*nu])
			}
			out := make([]int32, ns*nu)
			span := cfg.StepFrac * float64(cfg.Steps)
			for u := range nu {
				lo, hi := math.Inf(1), math.Inf(-1)
				for s := range ns {
					lo, hi = min(lo, y[s*nu+u]), max(hi, y[s*nu+u])
				}
				for s := range ns {
					v := (y[s*nu+u] - lo) / (hi - lo + 1e-7)
					out[s*nu+u] = int32(min(cfg.Steps-1, int(v*span)))
				}
			}
			steps[k] = out
		})
	}
	wg.Wait()

	// Each class's first samples train, the last nTest test; each split is
	// then shuffled.
	type ref struct{ class, sample int }
	var train, test []ref
	for k := range cfg.Classes {
		for s := range ns {
			if s < ns-nTest {
				train = append(train, ref{k, s})
			} else {
				test = append(test, ref{k, s})
			}
		}
	}
	build := func(part string, refs []ref) *memDataset {
		master.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
		st := newStore(cfg.Steps, nu)
		keys := make([]uint64, nu)
		for _, r := range refs {
			row := steps[r.class][r.sample*nu : (r.sample+1)*nu]
			for u, t := range row {
				keys[u] = uint64(t)*uint64(nu) + uint64(u)
			}
			st.add(r.class, keys)
		}
		return &memDataset{name: "randman/" + part, dt: cfg.DT, classes: cfg.Classes, st: st}
	}
	return Split{Train: build("train", train), Test: build("test", test)}, nil
}
