package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/blocks-snn/blocks/fit"
	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/internal/parallel"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/recording"
	"github.com/blocks-snn/blocks/sim"
)

// stringList is a repeatable flag.Value.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// fitReport is the JSON report of one neuron's fit (report.json).
type fitReport struct {
	Dir      string   `json:"dir"`
	Train    []string `json:"train"`
	Method   string   `json:"method"`
	Neuron   string   `json:"neuron"`
	Scales   int      `json:"adaptation_scales"`
	DT       float64  `json:"dt_ms"`
	ARP      float64  `json:"arp_ms"`
	ARPSteps int      `json:"arp_steps"`
	TauVR    float64  `json:"van_rossum_tau_ms"`
	Seed     uint64   `json:"seed"`
	LR       float64  `json:"lr"`
	Epochs   int      `json:"epochs_run"`
	// Trained are the stimuli of the loss: Train less those below
	// MinReliability. BestEpoch is the epoch kept by Select, Loss its
	// van Rossum loss and TrainGamma its pooled training Γ (null where
	// undefined: the model fired at 1/(2Δ) or faster, recording.Gamma).
	Trained        []string          `json:"trained"`
	MinReliability float64           `json:"min_reliability"`
	Select         string            `json:"select"`
	BestEpoch      int               `json:"best_epoch"`
	Loss           float64           `json:"best_loss"`
	TrainGamma     *float64          `json:"best_pooled_train_gamma"`
	Seconds        float64           `json:"fit_seconds"`
	Threads        int               `json:"threads"`
	Params         map[string]any    `json:"params"`
	Window         float64           `json:"gamma_window_ms"`
	Sigma          float64           `json:"ev_sigma_ms"`
	Scores         []recording.Score `json:"heldout_scores"`
	TrainScores    []recording.Score `json:"train_scores"`
	// MeanNormGamma and MeanNormEV average the held-out scores (the
	// training scores when nothing is held out) where they are defined.
	MeanNormGamma float64  `json:"mean_normalised_gamma"`
	MeanNormEV    float64  `json:"mean_normalised_explained_variance"`
	Predicted     []string `json:"predictions,omitempty"`
}

// fitOpts are the settings shared by "blocks fit" and "blocks fit sweep".
type fitOpts struct {
	cfg       fit.Config
	train     string
	out       string
	predict   stringList
	method    string
	surrogate string
	selection string
	dt        float64
	threads   int
	shard     string
	figFrom   float64
	figLen    float64
	// resume and every set the checkpoints of "blocks fit" (fit.Options).
	resume bool
	every  int
	fs     *flag.FlagSet
}

func newFitFlags(fs *flag.FlagSet) *fitOpts {
	o := &fitOpts{cfg: fit.DefaultConfig(), fs: fs}
	c := &o.cfg
	rich := fit.RichConfig()
	fs.StringVar(&o.train, "train", "", "comma-separated `stimuli` to fit on, e.g. 00,04 (default: all)")
	fs.StringVar(&o.out, "out", "runs/fit", "output `directory` (created if needed)")
	fs.StringVar(&o.method, "method", "blocks", "simulator: blocks or standard")
	fs.StringVar(&c.Neuron, "neuron", c.Neuron, "neuron model: paper (reset to 0, one adaptation time scale) or rich (learnable reset potential, --scales adaptation time scales)")
	fs.IntVar(&c.Scales, "scales", c.Scales, "adaptation time scales of the rich neuron; scale m starts at tau-adapt/4^m")
	fs.Float64Var(&c.VReset, "v-reset", c.VReset, "initial reset potential of the rich neuron, in [-1, 0.999]")
	fs.Float64Var(&c.MinReliability, "min-reliability", c.MinReliability,
		fmt.Sprintf("train only on stimuli whose repetitions' mean mutual Γ is at least this (0: all; rich neuron default %g)", rich.MinReliability))
	fs.StringVar(&o.selection, "select", c.Select.String(),
		fmt.Sprintf("keep the epoch with the lowest van Rossum loss (loss) or the highest pooled training Γ (gamma); rich neuron default %s", rich.Select))
	fs.Float64Var(&o.dt, "dt", 0.2, "time step of the recordings in `ms` where the files do not state it (the competition's: 0.2)")
	fs.Float64Var(&c.ARP, "arp", c.ARP, "absolute refractory period in `ms`, used as round(arp/dt) steps")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "most epochs (one Adam step over all training stimuli each)")
	fs.Float64Var(&c.LR, "lr", c.LR, fmt.Sprintf("Adam learning rate, relative to each parameter's scale (rich neuron default %g)", rich.LR))
	fs.IntVar(&c.Patience, "patience", c.Patience, "epochs without improvement before the learning rate is halved")
	fs.Float64Var(&c.TauVR, "tau-vr", c.TauVR, "van Rossum kernel time constant in `ms`")
	fs.Float64Var(&c.TauMem, "tau-mem", c.TauMem, "initial membrane time constant in `ms`")
	fs.Float64Var(&c.TauAdapt, "tau-adapt", c.TauAdapt, "initial adaptation time constant in `ms`")
	fs.Float64Var(&c.B, "b", c.B, "initial adaptation strength")
	fs.StringVar(&o.surrogate, "surrogate", "mg", "surrogate gradient: mg, fast_sigmoid or box_car")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (initial input weight); the same seed gives the same fit")
	fs.IntVar(&o.threads, "threads", 0, "worker threads, i.e. GOMAXPROCS (0: all cores)")
	fs.Float64Var(&o.figFrom, "fig-from", 1000, "start of the window the figures show, in `ms`")
	fs.Float64Var(&o.figLen, "fig-len", 500, "length of the window the figures show, in `ms`")
	return o
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// check validates the options that do not need the files.
func (o *fitOpts) check(cmd string) error {
	var err error
	if o.cfg.Method, err = sim.ParseMethod(o.method); err != nil {
		return fmt.Errorf("%s: --method: %w", cmd, err)
	}
	if o.cfg.Surrogate, err = neuron.ParseSurrogate(o.surrogate); err != nil {
		return fmt.Errorf("%s: --surrogate: %w", cmd, err)
	}
	if _, err := neuron.DefaultConfig(0).WithModel(o.cfg.Neuron, o.cfg.Scales); err != nil {
		return fmt.Errorf("%s: --neuron %s --scales %d: %w", cmd, o.cfg.Neuron, o.cfg.Scales, err)
	}
	if o.cfg.Select, err = fit.ParseSelection(o.selection); err != nil {
		return fmt.Errorf("%s: --select: %w", cmd, err)
	}
	if o.cfg.Neuron == "rich" {
		// The rich neuron's defaults (fit.RichConfig) for what was not
		// given.
		set := map[string]bool{}
		o.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		rich := fit.RichConfig()
		if !set["lr"] {
			o.cfg.LR = rich.LR
		}
		if !set["min-reliability"] {
			o.cfg.MinReliability = rich.MinReliability
		}
		if !set["select"] {
			o.cfg.Select = rich.Select
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if !(o.dt > 0) {
		return fmt.Errorf("%s: --dt must be > 0, got %g", cmd, o.dt)
	}
	if o.threads < 0 {
		return fmt.Errorf("%s: --threads must be >= 0, got %d", cmd, o.threads)
	}
	if o.out == "" {
		return fmt.Errorf("%s: --out must name a directory", cmd)
	}
	return nil
}

// neuronData is one neuron's recordings split into training and held-out
// stimuli.
type neuronData struct {
	dir            string
	all, train, ho []*recording.Recording
}

// loadNeuron reads a directory of recordings and splits it by --train.
func loadNeuron(dir string, o *fitOpts) (*neuronData, error) {
	recs, err := recording.ReadDir(dir, o.dt)
	if err != nil {
		return nil, err
	}
	nd := &neuronData{dir: dir, all: recs}
	want := map[string]bool{}
	for _, s := range strings.Split(o.train, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	for s := range want {
		if !slices.ContainsFunc(recs, func(r *recording.Recording) bool { return r.Name == s }) {
			return nil, fmt.Errorf("--train: no stimulus %q in %s (have %s)", s, dir, names(recs))
		}
	}
	for _, r := range recs {
		if len(want) == 0 || want[r.Name] {
			nd.train = append(nd.train, r)
		} else {
			nd.ho = append(nd.ho, r)
		}
	}
	return nd, nil
}

// neuronDirs expands the DIR arguments: a directory without recordings of
// its own stands for its subdirectories that have some (a set of
// neurons).
func neuronDirs(args []string) ([]string, error) {
	var dirs []string
	for _, d := range args {
		st, err := os.Stat(d)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", d)
		}
		if has, _ := filepath.Glob(filepath.Join(d, "*.voltage*")); len(has) > 0 {
			dirs = append(dirs, d)
			continue
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		n := len(dirs)
		for _, e := range ents {
			sub := filepath.Join(d, e.Name())
			if has, _ := filepath.Glob(filepath.Join(sub, "*.voltage*")); e.IsDir() && len(has) > 0 {
				dirs = append(dirs, sub)
			}
		}
		if len(dirs) == n {
			return nil, fmt.Errorf("%s: no recordings (SS-R.voltage[.gz] and SS-R.spiketimes[.gz] files), in it or in its subdirectories", d)
		}
	}
	return dirs, nil
}

// parseShard parses "i/n" (0 <= i < n); "" means the Slurm job array's
// (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_COUNT
// (an array of consecutive ids, e.g. --array=0-9 or 1-10), or 0/1
// outside one.
func parseShard(s string) (i, n int, err error) {
	if s == "" {
		id, count := os.Getenv("SLURM_ARRAY_TASK_ID"), os.Getenv("SLURM_ARRAY_TASK_COUNT")
		if id == "" || count == "" {
			return 0, 1, nil
		}
		if lo := os.Getenv("SLURM_ARRAY_TASK_MIN"); lo != "" {
			a, err1 := strconv.Atoi(id)
			b, err2 := strconv.Atoi(lo)
			if err1 != nil || err2 != nil {
				return 0, 0, fmt.Errorf("SLURM_ARRAY_TASK_ID %q and SLURM_ARRAY_TASK_MIN %q are not integers", id, lo)
			}
			id = strconv.Itoa(a - b)
		}
		s = id + "/" + count
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n", s)
	}
	return i, n, nil
}

func runFit(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "sweep":
			return runFitSweep(args[1:], stdout)
		case "merge":
			return runFitMerge(args[1:], stdout)
		}
	}
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks fit DIR... [flags]
       blocks fit sweep DIR [flags]
       blocks fit merge --out DIR REPORT_DIR...

Fits one adaptive LIF neuron (DESIGN §5.3) to the recordings in DIR
(competition format SS-R.voltage[.gz] + SS-R.spiketimes[.gz]; see
"go doc ./recording") at their own time step: input weight, bias, beta, p
and b (rich neuron: also the reset potential and every time scale's p and
b) trained with Adam on the van Rossum distance to every repetition, the
learning rate halved on plateaus; the epoch with the lowest loss is kept
(--select loss) or the one with the highest training coincidence factor
(--select gamma), and stimuli less reliable than --min-reliability are
left out of the fit. --neuron rich changes the defaults of --lr,
--select and --min-reliability (see "go doc ./fit RichConfig").
Trains on the stimuli of --train and
scores the others (held out): coincidence factor Γ (±2 ms) against each
repetition, normalised by the repetitions' mutual Γ; explained temporal
variance of Gaussian-smoothed trains (σ 2 ms), normalised the same way;
spike-count error.

Writes to --out: params.npz (model file), report.json, fit_<SS>.png
(current, recorded rasters, predicted spikes, model membrane) for every
stimulus, and for every --predict FILE (a current in the competition's
voltage format, .npz or .csv) <name>.pred.spiketimes, one sample index
per line, and <name>.png.

Checkpoints: the fit's whole state (parameters, Adam's moments and step,
the learning-rate schedule, the loss history and the best epoch's
parameters) is written atomically to --out/checkpoint.npz every
--checkpoint-every epochs and at the end. Ctrl-C (SIGINT) or SIGTERM
stops the fit after the epoch in progress, writing a checkpoint, and
exits non-zero (a second Ctrl-C stops at once). Rerunning the same
command with --resume continues from the checkpoint bit for bit as if
uninterrupted, also after a crash or a kill; a checkpoint of other flags
or other recordings is refused, naming what differs.

Several neurons: give several DIRs, or a directory of neuron directories.
They are fitted in parallel, each into --out/<dir name>; --shard i/n
(default: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) fits only every
n-th neuron from the i-th, for a Slurm job array, and "blocks fit merge"
joins the shards' reports.

"blocks fit sweep" refits at coarser time steps (--dts; the current
averaged over each step) and for several refractory periods (--arps),
scores every fit at the recording's own resolution, and draws the
score against DT and against ARP (the paper's Figure 5e/f).

flags:
`)
		fs.PrintDefaults()
	}
	o := newFitFlags(fs)
	fs.Var(&o.predict, "predict", "write the predicted spikes for the current in this `file` (repeatable)")
	fs.StringVar(&o.shard, "shard", "", "fit only shard `i/n` of the neurons (default from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)")
	fs.BoolVar(&o.resume, "resume", false, "continue from "+fit.CheckpointFile+" in the output directory (of each neuron), where there is one; give the flags and recordings of the interrupted run")
	fs.IntVar(&o.every, "checkpoint-every", 20, "write "+fit.CheckpointFile+" every `N` epochs (and at the end)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("fit: give the directory of the recordings (blocks fit DIR)")
	}
	if err := o.check("fit"); err != nil {
		return err
	}
	si, sn, err := parseShard(o.shard)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if o.every < 1 {
		return fmt.Errorf("fit: --checkpoint-every must be >= 1, got %d", o.every)
	}

	// Read everything before any work.
	dirs, err := neuronDirs(pos)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	multi := len(dirs) > 1 || sn > 1
	var mine []string
	for i, d := range dirs {
		if i%sn == si {
			mine = append(mine, d)
		}
	}
	var neurons []*neuronData
	for _, d := range mine {
		nd, err := loadNeuron(d, o)
		if err != nil {
			return fmt.Errorf("fit: %w", err)
		}
		neurons = append(neurons, nd)
	}
	var preds []*recording.Recording
	for _, p := range o.predict {
		r, err := recording.ReadFile(p, o.dt)
		if err != nil {
			return fmt.Errorf("fit: --predict: %w", err)
		}
		preds = append(preds, r)
	}
	outs := make([]string, len(neurons))
	seen := map[string]string{}
	for i, nd := range neurons {
		outs[i] = o.out
		if multi {
			outs[i] = filepath.Join(o.out, filepath.Base(filepath.Clean(nd.dir)))
			if prev, ok := seen[outs[i]]; ok {
				return fmt.Errorf("fit: %s and %s would both write to %s", prev, nd.dir, outs[i])
			}
			seen[outs[i]] = nd.dir
		}
		if err := os.MkdirAll(outs[i], 0o755); err != nil {
			return fmt.Errorf("fit: --out: %w", err)
		}
	}
	if o.threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.threads))
	}
	ctx, stop := interruptContext("fit", "epoch")
	defer stop()

	if !multi {
		_, err := fitNeuron(ctx, neurons[0], outs[0], o, preds, stdout, progressWriter())
		return resumeHint(err)
	}
	fmt.Fprintf(stdout, "fitting %d of %d neurons (shard %d/%d) on %d threads\n", len(neurons), len(dirs), si, sn, runtime.GOMAXPROCS(0))
	logs := make([]bytes.Buffer, len(neurons))
	errs := make([]error, len(neurons))
	// Every neuron is fitted on one thread; the neurons run in parallel.
	parallel.For(len(neurons), func(i int) {
		_, errs[i] = fitNeuron(ctx, neurons[i], outs[i], o, preds, &logs[i], nil)
	})
	for i := range neurons {
		fmt.Fprintf(stdout, "== %s → %s\n", neurons[i].dir, outs[i])
		stdout.Write(logs[i].Bytes())
		if errs[i] != nil {
			return resumeHint(fmt.Errorf("fit: %s: %w", neurons[i].dir, errs[i]))
		}
	}
	return nil
}

// resumeHint adds to the error of an interrupted fit how to continue it.
func resumeHint(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w\ninterrupted: run the same command with --resume to continue", err)
	}
	return err
}

// describeModel names the neuron model of a fit.
func describeModel(cfg fit.Config) string {
	if cfg.Neuron == "rich" {
		return fmt.Sprintf("rich (reset potential, %d adaptation time scales)", cfg.Scales)
	}
	return "paper (reset to 0, one adaptation time scale)"
}

// namedParam is one raw parameter of a fitted neuron.
type namedParam struct {
	name  string
	value float32
}

// fittedParams lists a single neuron's raw parameters under the names of
// the report: w_per_nA, bias, beta, p, b, and for the rich neuron p.<m>,
// b.<m> and v_reset (the model file's keys without the underscore).
func fittedParams(l *network.Layer) []namedParam {
	var ps []namedParam
	for _, e := range model.Params(l) {
		name := strings.TrimPrefix(e.Key, "_")
		switch name {
		case "rf_weight":
			name = "w_per_nA"
		case "rf_bias":
			name = "bias"
		}
		ps = append(ps, namedParam{name, e.Data[0]})
	}
	return ps
}

func formatParams(ps []namedParam) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%s %.5g", p.name, p.value))
	}
	return strings.Join(s, ", ")
}

// fitNeuron fits one neuron, scores it, predicts the currents of preds and
// writes everything to out.
func fitNeuron(ctx context.Context, nd *neuronData, out string, o *fitOpts, preds []*recording.Recording, stdout, progress io.Writer) (*fitReport, error) {
	cfg := o.cfg
	fmt.Fprintf(stdout, "recordings %s: %s at %g ms; training on %s, holding out %s\n", nd.dir, names(nd.all), o.dt, names(nd.train), names(nd.ho))
	fmt.Fprintf(stdout, "neuron: ARP %g ms = %d steps, %s simulator, van Rossum tau %g ms; Adam lr %g, up to %d epochs; %d threads\n",
		cfg.ARP, cfg.ARPSteps(o.dt), cfg.Method, cfg.TauVR, cfg.LR, cfg.Epochs, runtime.GOMAXPROCS(0))
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = progressbar.NewOptions(cfg.Epochs, progressbar.OptionSetWriter(progress), progressbar.OptionSetWidth(25),
			progressbar.OptionSetDescription("fit"), progressbar.OptionShowCount(), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	opt := fit.Options{Checkpoint: filepath.Join(out, fit.CheckpointFile), Every: o.every, Resume: o.resume, Progress: func(e int, loss, lr float64) {
		if bar != nil {
			bar.Describe(fmt.Sprintf("fit loss %.5f lr %.3g", loss, lr))
			bar.Set(e)
		}
	}}
	res, err := fit.Run(ctx, nd.train, cfg, opt)
	if bar != nil {
		bar.Finish()
		bar.Clear()
	}
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	if o.resume {
		if res.Resumed > 0 {
			fmt.Fprintf(stdout, "resumed from %s after epoch %d\n", opt.Checkpoint, res.Resumed)
		} else {
			fmt.Fprintf(stdout, "no checkpoint in %s: fitted from the start\n", out)
		}
	}
	l := res.Net.Layers[0]
	params := fittedParams(l)
	trainGamma := 0.0 // when no epoch ran (--epochs 0)
	if res.BestEpoch > 0 {
		trainGamma = res.Gamma[res.BestEpoch-1]
	}
	var trainGammaJSON *float64
	if !math.IsNaN(trainGamma) {
		trainGammaJSON = &trainGamma
	}
	fmt.Fprintf(stdout, "fitted on %s in %.2f s: %d epochs, kept epoch %d (loss %.5f, pooled training Γ %.4f); %s\n",
		strings.Join(res.Trained, ","), res.Seconds, len(res.Loss), res.BestEpoch, res.Best, trainGamma, formatParams(params))
	if err := model.Save(filepath.Join(out, "params.npz"), res.Net); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	rep := &fitReport{
		Dir: nd.dir, Train: nameList(nd.train), Method: cfg.Method.String(), DT: o.dt, ARP: cfg.ARP, ARPSteps: cfg.ARPSteps(o.dt),
		TauVR: cfg.TauVR, Seed: cfg.Seed, LR: cfg.LR, Epochs: len(res.Loss), Trained: res.Trained, MinReliability: cfg.MinReliability,
		Select: cfg.Select.String(), BestEpoch: res.BestEpoch, Loss: res.Best, TrainGamma: trainGammaJSON, Seconds: res.Seconds,
		Threads: runtime.GOMAXPROCS(0), Window: recording.Window, Sigma: recording.Sigma,
		Neuron: cfg.Neuron, Scales: l.Neuron.AdaptScales(), Params: map[string]any{},
	}
	for _, p := range params {
		rep.Params[p.name] = p.value
	}
	score := func(r *recording.Recording, held bool) error {
		p, err := fit.Predict(res.Net, r.Current)
		if err != nil {
			return err
		}
		s := recording.Evaluate(r, p.Spikes)
		what := "train"
		if !held && !slices.Contains(res.Trained, r.Name) {
			what = "skipped" // less reliable than --min-reliability
		}
		if held {
			what = "held out"
			rep.Scores = append(rep.Scores, s)
		} else {
			rep.TrainScores = append(rep.TrainScores, s)
		}
		fmt.Fprintf(stdout, "%-8s %s: Γ %.3f / reliability %.3f = normalised Γ %.3f; EV %.3f / %.3f = %.3f; spikes %d vs %.1f (%+.1f %%)\n",
			what, r.Name, s.Gamma, s.Reliability, s.NormGamma, s.EV, s.OwnEV, s.NormEV, s.Spikes, s.RecordedSpikes, 100*s.CountError)
		png, err := fit.PlotFigure(r, p, o.figFrom, o.figLen, fmt.Sprintf("stimulus %s (%s): normalised Γ %.2f, %d spikes vs %.0f", r.Name, what, s.NormGamma, s.Spikes, s.RecordedSpikes))
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(out, "fit_"+r.Name+".png"), png)
	}
	for _, r := range nd.train {
		if err := score(r, false); err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
	}
	for _, r := range nd.ho {
		if err := score(r, true); err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
	}
	scores, what := rep.Scores, "held-out"
	if len(scores) == 0 {
		scores, what = rep.TrainScores, "training"
	}
	rep.MeanNormGamma, rep.MeanNormEV = meanScores(scores)
	fmt.Fprintf(stdout, "mean normalised Γ on %s stimuli: %.3f (explained variance %.3f)\n", what, rep.MeanNormGamma, rep.MeanNormEV)
	for _, r := range preds {
		p, err := fit.Predict(res.Net, r.Current)
		if err != nil {
			return nil, fmt.Errorf("fit: --predict %s: %w", r.Files[0], err)
		}
		var sb strings.Builder
		for _, i := range p.Spikes {
			sb.WriteString(strconv.Itoa(i))
			sb.WriteByte('\n')
		}
		path := filepath.Join(out, r.Name+".pred.spiketimes")
		if err := atomicfile.WriteFile(path, []byte(sb.String())); err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		png, err := fit.PlotFigure(r, p, o.figFrom, o.figLen, fmt.Sprintf("prediction for %s: %d spikes", r.Name, len(p.Spikes)))
		if err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(out, r.Name+".png"), png); err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		rep.Predicted = append(rep.Predicted, path)
		fmt.Fprintf(stdout, "predicted %d spikes for %s: %s\n", len(p.Spikes), r.Files[0], path)
	}
	if err := writeJSON(filepath.Join(out, "report.json"), rep); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	return rep, nil
}

func writeJSON(path string, v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(js, '\n'))
}

// meanScores returns the mean normalised Γ and explained variance,
// skipping undefined (NaN) values.
func meanScores(ss []recording.Score) (g, ev float64) {
	var ng, ne int
	for _, s := range ss {
		if !math.IsNaN(s.NormGamma) && !math.IsInf(s.NormGamma, 0) {
			g += s.NormGamma
			ng++
		}
		if !math.IsNaN(s.NormEV) && !math.IsInf(s.NormEV, 0) {
			ev += s.NormEV
			ne++
		}
	}
	return g / float64(max(ng, 1)), ev / float64(max(ne, 1))
}

func nameList(recs []*recording.Recording) []string {
	s := make([]string, len(recs))
	for i, r := range recs {
		s[i] = r.Name
	}
	return s
}

func names(recs []*recording.Recording) string {
	if len(recs) == 0 {
		return "none"
	}
	return strings.Join(nameList(recs), ",")
}
