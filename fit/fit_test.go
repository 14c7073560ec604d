package fit

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/recording"
	"github.com/blocks-snn/blocks/sim"
)

// TestVanRossumGradient checks the loss and its adjoint-filter gradient
// against a direct computation over every repetition and finite
// differences (the loss is quadratic in the model's train, so central
// differences are exact up to rounding).
func TestVanRossumGradient(t *testing.T) {
	const n = 60
	rng := rand.New(rand.NewPCG(1, 2))
	rec := &recording.Recording{Name: "x", DT: 0.5, Current: make([]float64, n)}
	for range 3 {
		var s []int
		for i := range n {
			if rng.Float64() < 0.15 {
				s = append(s, i)
			}
		}
		rec.Reps = append(rec.Reps, s)
	}
	alpha := math.Exp(-0.5 / 3)
	tg := newTarget(rec, alpha)
	direct := func(model []float64) float64 {
		fm := append([]float64(nil), model...)
		filter(fm, alpha)
		var l float64
		for _, s := range rec.Reps {
			fr := make([]float64, n)
			for _, i := range s {
				fr[i] = 1
			}
			filter(fr, alpha)
			for i := range fr {
				d := fm[i] - fr[i]
				l += d * d
			}
		}
		return l
	}
	s := make([]float32, n)
	m := make([]float64, n)
	for i := range s {
		if rng.Float64() < 0.2 {
			s[i], m[i] = 1, 1
		}
	}
	g := make([]float32, n)
	norm := 7.0
	l := tg.loss(s, g, alpha, norm, make([]float64, n))
	if d := direct(m); math.Abs(l-d) > 1e-9*d {
		t.Fatalf("loss %g, direct %g", l, d)
	}
	for i := range n {
		const h = 0.25
		m[i] += h
		up := direct(m)
		m[i] -= 2 * h
		down := direct(m)
		m[i] += h
		want := (up - down) / (2 * h) / norm
		if math.Abs(float64(g[i])-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("gradient at %d: %g, finite differences %g", i, g[i], want)
		}
	}
}

// toy returns a recording of a known neuron's spikes (two repetitions,
// the second jittered) driven by a noisy current.
func toy(t *testing.T, n int, seed uint64) (*recording.Recording, []float32) {
	rng := rand.New(rand.NewPCG(seed, 9))
	cur := make([]float64, n)
	var x float64
	for i := range cur {
		x = 0.95*x + 80*rng.NormFloat64()
		cur[i] = 400 + x
	}
	cfg := DefaultConfig()
	cfg.TauMem = 5
	net, err := NewNeuron(cfg, 0.2, [][]float64{cur})
	if err != nil {
		t.Fatal(err)
	}
	net.Layers[0].W[0] *= 1.5
	p, err := Predict(net, cur)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recording.Recording{Name: "toy", DT: 0.2, Current: cur, Reps: [][]int{p.Spikes, nil}}
	for _, i := range p.Spikes {
		rec.Reps[1] = append(rec.Reps[1], min(n-1, i+rng.IntN(3)))
	}
	return rec, []float32{net.Layers[0].W[0], net.Layers[0].Beta[0]}
}

func TestFitImprovesAndIsDeterministic(t *testing.T) {
	rec, _ := toy(t, 4000, 1)
	cfg := DefaultConfig()
	cfg.Epochs = 40
	var runs [][]byte
	for range 2 {
		res, err := Fit(context.Background(), []*recording.Recording{rec}, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Best >= res.Loss[0] {
			t.Errorf("best loss %g not below the first %g", res.Best, res.Loss[0])
		}
		var buf bytes.Buffer
		if err := model.Write(&buf, res.Net); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, buf.Bytes())
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Error("two fits with the same seed differ")
	}
}

func TestMethodsAgreeOnPrediction(t *testing.T) {
	rec, _ := toy(t, 3000, 2)
	cfg := DefaultConfig()
	cfg.Epochs = 3
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		cfg.Method = m
		if _, err := Fit(context.Background(), []*recording.Recording{rec}, cfg, nil); err != nil {
			t.Fatalf("%v: %v", m, err)
		}
	}
	cfg.ARP = -1
	if _, err := Fit(context.Background(), []*recording.Recording{rec}, cfg, nil); err == nil {
		t.Error("negative ARP accepted")
	}
	bad := *rec
	bad.Reps = nil
	if _, err := Fit(context.Background(), []*recording.Recording{&bad}, DefaultConfig(), nil); err == nil {
		t.Error("a recording without spike trains accepted")
	}
}

// TestReliabilityAndSelection checks that stimuli below MinReliability
// are left out of the fit, that ByGamma keeps the first epoch of the
// highest pooled training Γ and ByLoss the lowest loss, and the rich
// settings' initial reset potential.
func TestReliabilityAndSelection(t *testing.T) {
	rec, _ := toy(t, 4000, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	noise := &recording.Recording{Name: "noise", DT: rec.DT, Current: rec.Current}
	for range 3 {
		var s []int
		for i := range rec.Len() {
			if rng.Float64() < 0.01 {
				s = append(s, i)
			}
		}
		noise.Reps = append(noise.Reps, s)
	}
	recs := []*recording.Recording{rec, noise}
	cfg := RichConfig()
	cfg.Epochs = 30
	net, err := NewNeuron(cfg, rec.DT, [][]float64{rec.Current})
	if err != nil {
		t.Fatal(err)
	}
	if v := net.Layers[0].VReset; len(v) != 1 || v[0] != float32(cfg.VReset) {
		t.Errorf("initial reset potential %v, want %g", v, cfg.VReset)
	}
	res, err := Fit(context.Background(), recs, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trained) != 1 || res.Trained[0] != "toy" {
		t.Errorf("trained on %v, want [toy] (noise has reliability below %g)", res.Trained, cfg.MinReliability)
	}
	if len(res.Gamma) != len(res.Loss) {
		t.Fatalf("%d Γ values for %d epochs", len(res.Gamma), len(res.Loss))
	}
	for e, g := range res.Gamma {
		if e+1 < res.BestEpoch && g >= res.Gamma[res.BestEpoch-1] || g > res.Gamma[res.BestEpoch-1] {
			t.Errorf("epoch %d has Γ %g, the kept epoch %d %g", e+1, g, res.BestEpoch, res.Gamma[res.BestEpoch-1])
		}
	}
	if res.Best != res.Loss[res.BestEpoch-1] {
		t.Errorf("best %g is not the kept epoch's loss %g", res.Best, res.Loss[res.BestEpoch-1])
	}
	cfg.Select, cfg.MinReliability = ByLoss, 0
	if res, err = Fit(context.Background(), recs, cfg, nil); err != nil {
		t.Fatal(err)
	}
	if len(res.Trained) != 2 {
		t.Errorf("trained on %v, want both stimuli with MinReliability 0", res.Trained)
	}
	for e, l := range res.Loss {
		if l < res.Best {
			t.Errorf("epoch %d has loss %g below the kept %g", e+1, l, res.Best)
		}
	}
	cfg.MinReliability = 0.9999
	if _, err := Fit(context.Background(), []*recording.Recording{noise}, cfg, nil); err == nil {
		t.Error("a fit without a reliable stimulus accepted")
	}
	for _, s := range []string{"loss", "gamma"} {
		if sel, err := ParseSelection(s); err != nil || sel.String() != s {
			t.Errorf("ParseSelection(%q) = %v, %v", s, sel, err)
		}
	}
}

// TestGammaSelection checks how ByGamma compares pooled training Γ: an
// undefined Γ (NaN: the model fired at 1/(2Δ) or faster, where the
// formula would give the worst predictions Γ ≥ 1) never beats a defined
// one, and is beaten by any defined one.
func TestGammaSelection(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		g, best float64
		want    bool
	}{
		{0.8, 0.7, true}, {0.7, 0.8, false}, {0.7, 0.7, false},
		{-0.5, nan, true}, {nan, 0.1, false}, {nan, nan, false}, {nan, -0.9, false},
	} {
		if got := gammaImproves(c.g, c.best); got != c.want {
			t.Errorf("gammaImproves(%g, %g) = %v, want %v", c.g, c.best, got, c.want)
		}
	}
}

// TestDivergenceStops fits with an absurd learning rate: the first update
// overflows a parameter, and the fit stops naming the epoch and the
// parameter, writing no checkpoint of the bad state; after a checkpoint,
// the error names it as the last good state.
func TestDivergenceStops(t *testing.T) {
	rec, _ := toy(t, 4000, 3)
	cfg := DefaultConfig()
	cfg.LR = 1e300
	path := filepath.Join(t.TempDir(), CheckpointFile)
	_, err := Run(context.Background(), []*recording.Recording{rec}, cfg, Options{Checkpoint: path})
	want := "epoch 1: parameter _beta: value at index (0,) is +Inf after the update (the fit diverged)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a checkpoint was written after the first epoch diverged")
	}
	c := &checkpointer{path: path, saved: 5}
	err = c.diverged(&state{epoch: 7}, errors.New("the loss is NaN"))
	if want := "epoch 7: the loss is NaN (the fit diverged); stopped: " + path + " holds the last good state (epoch 5)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
