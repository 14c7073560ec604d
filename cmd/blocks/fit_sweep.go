package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"

	"github.com/schollz/progressbar/v3"

	"github.com/blocks-snn/blocks/fit"
	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/recording"
)

// sweepPoint is one fit of "blocks fit sweep".
type sweepPoint struct {
	Kind          string  `json:"kind"` // "dt" or "arp"
	DT            float64 `json:"dt_ms"`
	ARP           float64 `json:"arp_ms"`
	ARPSteps      int     `json:"arp_steps"`
	MeanNormGamma float64 `json:"mean_normalised_gamma"`
	MeanNormEV    float64 `json:"mean_normalised_explained_variance"`
	// CountError is the mean absolute spike-count error.
	CountError float64           `json:"mean_abs_spike_count_error"`
	Seconds    float64           `json:"fit_seconds"`
	Scores     []recording.Score `json:"scores"`
}

// runFitSweep refits a neuron at coarser time steps and for several
// refractory periods and plots the scores (the paper's Figure 5e/f).
func runFitSweep(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fit sweep", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks fit sweep DIR [flags]

Refits the neuron of "blocks fit" at every time step of --dts (the current
averaged over each step, spikes moved to their step) with --arp, and at
the recordings' own time step for every refractory period of --arps.
Every fit is scored on the held-out stimuli (all stimuli when none is held
out) at the recordings' own resolution, a spike at coarse step k counted
at the middle of its step. Writes sweep.json, sweep_dt.png and
sweep_arp.png (score against DT and against ARP) to --out.

flags:
`)
		fs.PrintDefaults()
	}
	o := newFitFlags(fs)
	o.out = "runs/fit-sweep"
	fs.Lookup("out").DefValue = o.out
	dts := []float64{0.2, 0.4, 1, 2, 4}
	arps := []float64{0.4, 1, 2, 4}
	fs.Var(floatList(&dts), "dts", "comma-separated time steps in `ms`, multiples of --dt")
	fs.Var(floatList(&arps), "arps", "comma-separated refractory periods in `ms`")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("fit sweep: give one directory of recordings")
	}
	if err := o.check("fit sweep"); err != nil {
		return err
	}
	factors := make([]int, len(dts))
	for i, d := range dts {
		f := math.Round(d / o.dt)
		if f < 1 || math.Abs(f*o.dt-d) > 1e-6*d {
			return fmt.Errorf("fit sweep: --dts: %g ms is not a multiple of --dt %g ms", d, o.dt)
		}
		factors[i] = int(f)
	}
	nd, err := loadNeuron(pos[0], o)
	if err != nil {
		return fmt.Errorf("fit sweep: %w", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("fit sweep: --out: %w", err)
	}
	if o.threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.threads))
	}
	eval := nd.ho
	if len(eval) == 0 {
		eval = nd.train
	}
	fmt.Fprintf(stdout, "sweep of %s: training on %s, scoring %s; DT %v ms (ARP %g ms), ARP %v ms (DT %g ms)\n",
		nd.dir, names(nd.train), names(eval), dts, o.cfg.ARP, arps, o.dt)
	type job struct {
		kind   string
		factor int
		arp    float64
	}
	var jobs []job
	for _, f := range factors {
		jobs = append(jobs, job{"dt", f, o.cfg.ARP})
	}
	for _, a := range arps {
		jobs = append(jobs, job{"arp", 1, a})
	}
	var bar *progressbar.ProgressBar
	if w := progressWriter(); w != nil {
		bar = progressbar.NewOptions(len(jobs), progressbar.OptionSetWriter(w), progressbar.OptionSetWidth(25),
			progressbar.OptionSetDescription("sweep"), progressbar.OptionShowCount(), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	var points []sweepPoint
	for _, j := range jobs {
		cfg := o.cfg
		cfg.ARP = j.arp
		var train []*recording.Recording
		for _, r := range nd.train {
			c, err := r.Resample(j.factor)
			if err != nil {
				return fmt.Errorf("fit sweep: %w", err)
			}
			train = append(train, c)
		}
		res, err := fit.Fit(context.Background(), train, cfg, nil)
		if err != nil {
			return fmt.Errorf("fit sweep: DT %g ms, ARP %g ms: %w", o.dt*float64(j.factor), j.arp, err)
		}
		pt := sweepPoint{Kind: j.kind, DT: o.dt * float64(j.factor), ARP: j.arp, ARPSteps: cfg.ARPSteps(o.dt * float64(j.factor)), Seconds: res.Seconds}
		for _, r := range eval {
			c, err := r.Resample(j.factor)
			if err != nil {
				return fmt.Errorf("fit sweep: %w", err)
			}
			p, err := fit.Predict(res.Net, c.Current)
			if err != nil {
				return fmt.Errorf("fit sweep: %w", err)
			}
			fine := make([]int, len(p.Spikes))
			for i, k := range p.Spikes {
				fine[i] = min(r.Len()-1, k*j.factor+j.factor/2)
			}
			s := recording.Evaluate(r, fine)
			pt.Scores = append(pt.Scores, s)
			pt.CountError += math.Abs(s.CountError) / float64(len(eval))
		}
		pt.MeanNormGamma, pt.MeanNormEV = meanScores(pt.Scores)
		points = append(points, pt)
		fmt.Fprintf(stdout, "DT %4g ms, ARP %4g ms (%d steps): normalised Γ %.3f, explained variance %.3f, |spike-count error| %.1f %%; fit %.2f s\n",
			pt.DT, pt.ARP, pt.ARPSteps, pt.MeanNormGamma, pt.MeanNormEV, 100*pt.CountError, pt.Seconds)
		if bar != nil {
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
		bar.Clear()
	}
	if err := writeJSON(filepath.Join(o.out, "sweep.json"), points); err != nil {
		return fmt.Errorf("fit sweep: %w", err)
	}
	for _, k := range []struct{ kind, file, xlabel string }{
		{"dt", "sweep_dt.png", "time step DT (ms)"}, {"arp", "sweep_arp.png", "refractory period ARP (ms)"},
	} {
		var xs, g, ev []float64
		for _, p := range points {
			if p.Kind == k.kind {
				x := p.DT
				if k.kind == "arp" {
					x = p.ARP
				}
				xs, g, ev = append(xs, x), append(g, p.MeanNormGamma), append(ev, p.MeanNormEV)
			}
		}
		if len(xs) == 0 {
			continue
		}
		png, err := fit.PlotSweep(xs, map[string][]float64{"normalised Γ": g, "normalised explained variance": ev}, k.xlabel, "score on "+names(eval))
		if err != nil {
			return fmt.Errorf("fit sweep: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(o.out, k.file), png); err != nil {
			return fmt.Errorf("fit sweep: %w", err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s\n", o.out)
	return nil
}
