package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/train"
)

// trainProgress is where the progress bars of train and eval go; they are
// drawn only when it is a terminal, so they never mix with stdout written
// to a file or a pipe.
var trainProgress = os.Stderr

// progressWriter returns trainProgress if it is a terminal, else nil.
func progressWriter() io.Writer {
	if fi, err := trainProgress.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return trainProgress
}

// trainFlags are the flags of "blocks train" that set Config fields. They
// are parsed into c, which starts as the default preset; copy[name] copies
// the field of flag name, so that the flags given on the command line
// override the chosen preset.
type trainFlags struct {
	c    train.Config
	copy map[string]func(dst, src *train.Config)
}

func newTrainFlags(fs *flag.FlagSet) *trainFlags {
	f := &trainFlags{c: train.DefaultConfig(), copy: map[string]func(dst, src *train.Config){}}
	c := &f.c
	p, _ := train.Preset("paper")
	note := func(def, paper any) string { // the paper preset's value where it differs
		d, q := fmt.Sprint(def), fmt.Sprint(paper)
		if d == q {
			return ""
		}
		return " (paper preset: " + strings.Trim(strings.ReplaceAll(q, " ", ","), "[]") + ")"
	}
	bind := func(name string, cp func(dst, src *train.Config)) { f.copy[name] = cp }

	fs.StringVar(&c.Dataset, "dataset", c.Dataset, "dataset: "+strings.Join(dataset.Names(), ", "))
	bind("dataset", func(d, s *train.Config) { d.Dataset = s.Dataset })
	fs.StringVar(&c.Data, "data", c.Data, "`directory` of the dataset's files (shd, ssc, nmnist; randman and mnist are built in)")
	bind("data", func(d, s *train.Config) { d.Data = s.Data })
	fs.Float64Var(&c.DT, "dt", c.DT, "time step in `ms` (0: the dataset's default)")
	bind("dt", func(d, s *train.Config) { d.DT = s.DT })
	fs.IntVar(&c.Steps, "steps", c.Steps, "time steps per sample (0: the dataset's default)")
	bind("steps", func(d, s *train.Config) { d.Steps = s.Steps })
	fs.IntVar(&c.Limit, "limit", c.Limit, "use at most `N` samples of each split (0: all)")
	bind("limit", func(d, s *train.Config) { d.Limit = s.Limit })
	fs.StringVar(&c.Method, "method", c.Method, "simulator: blocks or standard")
	bind("method", func(d, s *train.Config) { d.Method = s.Method })
	fs.Float64Var(&c.ARP, "arp", c.ARP, "absolute refractory period in `ms`, used as round(arp/dt) steps"+note(c.ARP, p.ARP))
	bind("arp", func(d, s *train.Config) { d.ARP = s.ARP })
	fs.Var(intList(&c.Hidden), "hidden", "comma-separated `sizes` of the adaptive layers"+note(c.Hidden, p.Hidden))
	bind("hidden", func(d, s *train.Config) { d.Hidden = s.Hidden })
	fs.BoolVar(&c.Recurrent, "recurrent", c.Recurrent, "recurrent connections in the adaptive layers")
	bind("recurrent", func(d, s *train.Config) { d.Recurrent = s.Recurrent })
	fs.Float64Var(&c.TauMem, "tau-mem", c.TauMem, "membrane time constant in `ms` (initial beta = exp(-dt/tau))"+note(c.TauMem, p.TauMem))
	bind("tau-mem", func(d, s *train.Config) { d.TauMem = s.TauMem })
	fs.Float64Var(&c.TauAdapt, "tau-adapt", c.TauAdapt, "adaptation time constant in `ms` (initial p = exp(-dt/tau))"+note(c.TauAdapt, p.TauAdapt))
	bind("tau-adapt", func(d, s *train.Config) { d.TauAdapt = s.TauAdapt })
	fs.Float64Var(&c.TauOut, "tau-out", c.TauOut, "leaky-integrator readout time constant in `ms`"+note(c.TauOut, p.TauOut))
	bind("tau-out", func(d, s *train.Config) { d.TauOut = s.TauOut })
	fs.StringVar(&c.Surrogate, "surrogate", c.Surrogate, "surrogate gradient: mg, fast_sigmoid or box_car")
	bind("surrogate", func(d, s *train.Config) { d.Surrogate = s.Surrogate })
	fs.StringVar(&c.Neuron, "neuron", "paper", "neuron model: paper, or rich (a learnable reset potential and --scales adaptation time scales)")
	bind("neuron", func(d, s *train.Config) { d.Neuron = s.Neuron })
	fs.IntVar(&c.Scales, "scales", 2, "adaptation time scales of the rich neuron; scale m starts at tau-adapt/4^m")
	bind("scales", func(d, s *train.Config) { d.Scales = s.Scales })
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs to train (with --resume: the total to reach)"+note(c.Epochs, p.Epochs))
	bind("epochs", func(d, s *train.Config) { d.Epochs = s.Epochs })
	fs.IntVar(&c.Batch, "batch", c.Batch, "training batch size"+note(c.Batch, p.Batch))
	bind("batch", func(d, s *train.Config) { d.Batch = s.Batch })
	fs.IntVar(&c.EvalBatch, "eval-batch", c.EvalBatch, "evaluation batch size (0: --batch)")
	bind("eval-batch", func(d, s *train.Config) { d.EvalBatch = s.EvalBatch })
	fs.Float64Var(&c.LR, "lr", c.LR, "Adam learning rate"+note(c.LR, p.LR))
	bind("lr", func(d, s *train.Config) { d.LR = s.LR })
	fs.Float64Var(&c.Eps, "eps", c.Eps, "Adam epsilon"+note(c.Eps, p.Eps))
	bind("eps", func(d, s *train.Config) { d.Eps = s.Eps })
	fs.Var(intList(&c.Milestones), "milestones", "comma-separated `epochs` after which the learning rate is multiplied by --gamma (MultiStepLR)"+note(c.Milestones, p.Milestones))
	bind("milestones", func(d, s *train.Config) { d.Milestones = s.Milestones })
	fs.Float64Var(&c.Gamma, "gamma", c.Gamma, "learning-rate factor at each milestone")
	bind("gamma", func(d, s *train.Config) { d.Gamma = s.Gamma })
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed: network initialisation and shuffling")
	bind("seed", func(d, s *train.Config) { d.Seed = s.Seed })
	fs.Uint64Var(&c.DataSeed, "data-seed", c.DataSeed, "generator seed of the built-in randman dataset")
	bind("data-seed", func(d, s *train.Config) { d.DataSeed = s.DataSeed })
	return f
}

// resumeFlags are the flags that may accompany --resume.
var resumeFlags = []string{"resume", "epochs", "out", "data", "threads"}

// runTrain trains a network on a dataset (see the usage text).
func runTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks train [flags]

Trains recurrent adaptive LIF layers with a leaky-integrator readout on a
spiking classification dataset with Adam and cross-entropy (DESIGN §5.2),
evaluating on the test split after every epoch. Writes checkpoint.npz
(every epoch), best.npz (best test accuracy), metrics.jsonl and, at the
end, loss.png, accuracy.png and raster_layer<i>.png to --out. The last
line of the output is "test accuracy: X", X the final model's accuracy as
a fraction.

Presets (flags override their values):
  default  one recurrent adaptive layer of 128, ARP 2 ms, Adam lr 1e-3,
           batch 32, 10 epochs, lr ×0.1 after epoch 7: the built-in
           randman dataset in well under a minute on two cores
  paper    the paper's recipe (DESIGN §5.2): two recurrent adaptive
           layers of 256, tau_mem 20 ms, tau_adapt 150 ms, readout tau
           20 ms, ARP 10 ms, Adam lr 1e-3 eps 1e-5, batch 64, 15 epochs,
           lr ×0.1 after epochs 10 and 13 (--dataset mnist: about 97.4 %
           in under 30 minutes on two cores)

The refractory period --arp is in ms and is used as round(arp/dt) steps.

--resume DIR (or DIR/checkpoint.npz) continues a run exactly where it
stopped, with the configuration saved in the checkpoint; only --epochs,
--out, --data and --threads may be given with it.

Ctrl-C (SIGINT) or SIGTERM stops the run after the step in progress,
writing checkpoint.npz mid-epoch, and exits non-zero; --resume then
continues bit for bit as if uninterrupted (a second Ctrl-C stops at
once, leaving the last checkpoint). A NaN or infinite loss, gradient,
parameter or Adam moment stops the run, naming the epoch, the step and
the tensor, and keeps the last good checkpoint. Every file is written
atomically: a killed run never leaves a half-written checkpoint.

flags:
`)
		fs.PrintDefaults()
	}
	tf := newTrainFlags(fs)
	preset := fs.String("preset", "default", "starting configuration: "+strings.Join(train.Presets, " or "))
	out := fs.String("out", "runs/train", "output `directory` for checkpoints, metrics and plots (created if needed)")
	resume := fs.String("resume", "", "continue the run of this checkpoint (a `path`, or its directory)")
	threads := threadsFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	set := setFlags(fs)
	restore, err := useThreads("train", *threads)
	if err != nil {
		return err
	}
	defer restore()

	// Settle the configuration and check everything before any work.
	var cfg train.Config
	var ck *train.Checkpoint
	if *resume != "" {
		var extra []string
		for name := range set {
			if !slices.Contains(resumeFlags, name) {
				extra = append(extra, "--"+name)
			}
		}
		if len(extra) > 0 {
			slices.Sort(extra)
			return fmt.Errorf("train: --resume takes the run's configuration from the checkpoint; %s cannot be changed (only --epochs, --out, --data and --threads)", strings.Join(extra, ", "))
		}
		path := *resume
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			path = filepath.Join(path, train.CheckpointFile)
		}
		var err error
		if ck, err = train.LoadCheckpoint(path); err != nil {
			return fmt.Errorf("train: --resume: %w", err)
		}
		cfg = ck.Config
		for _, name := range []string{"epochs", "data"} {
			if set[name] {
				tf.copy[name](&cfg, &tf.c)
			}
		}
		if !set["out"] {
			*out = filepath.Dir(path)
		}
	} else {
		var err error
		if cfg, err = train.Preset(*preset); err != nil {
			return fmt.Errorf("train: --preset: %w", err)
		}
		for name := range set {
			if cp := tf.copy[name]; cp != nil {
				cp(&cfg, &tf.c)
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := checkDataDir(cfg.Dataset, cfg.Data); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if *out == "" {
		return fmt.Errorf("train: --out must name a directory")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("train: --out: %w", err)
	}

	split, err := loadSplit(&cfg)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	d := split.Train
	fmt.Fprintf(stdout, "dataset %s: %d classes, %d channels, %d steps of %g ms; %d training and %d test samples\n",
		cfg.Dataset, d.Classes(), d.Channels(), d.Steps(), cfg.DT, d.Len(), split.Test.Len())
	fmt.Fprintf(stdout, "chance level: %.4f\n", dataset.ChanceLevel(split.Test))

	// Ctrl-C (SIGINT) or SIGTERM stops the run after the step in
	// progress, with a checkpoint to resume from; a second one kills it.
	ctx, stop := interruptContext("train", "step")
	defer stop()
	opt := train.Options{Out: *out, Stdout: stdout, Progress: progressWriter(), Interrupt: ctx.Done()}
	var tr *train.Trainer
	if ck != nil {
		ck.Config = cfg
		if tr, err = train.ResumeTrainer(ck, split, opt); err != nil {
			return fmt.Errorf("train: --resume: %w", err)
		}
	} else if tr, err = train.NewTrainer(cfg, split, opt); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	fmt.Fprintf(stdout, "network: %s; %s simulator, ARP %g ms = %d steps; %d threads, SIMD %s\n",
		describeNet(tr.Net), cfg.Method, cfg.ARP, cfg.ARPSteps(cfg.DT), runtime.GOMAXPROCS(0), vec.Implementation())
	fmt.Fprintf(stdout, "training: %d epochs, batch %d, Adam lr %g eps %g, lr ×%g after epochs %v; writing to %s\n",
		cfg.Epochs, cfg.Batch, cfg.LR, cfg.Eps, cfg.Gamma, cfg.Milestones, *out)
	if ck != nil {
		if ck.State.Step > 0 {
			fmt.Fprintf(stdout, "resuming epoch %d of %d after step %d\n", ck.State.Epoch+1, cfg.Epochs, ck.State.Step)
		} else {
			fmt.Fprintf(stdout, "resuming after epoch %d of %d\n", ck.State.Epoch, cfg.Epochs)
		}
	}

	if _, err := tr.Run(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	h := tr.State.History
	if len(h) == 0 {
		return fmt.Errorf("train: no epoch was run")
	}
	fmt.Fprintf(stdout, "best test accuracy %.4f after epoch %d (%s); %.1f s of training in total\n",
		tr.State.BestAccuracy, tr.State.BestEpoch, filepath.Join(*out, train.BestFile), totalSeconds(h))
	fmt.Fprintf(stdout, "test accuracy: %.4f\n", h[len(h)-1].TestAccuracy)
	return nil
}

func totalSeconds(h []train.Metrics) float64 {
	var s float64
	for _, m := range h {
		s += m.EpochSeconds + m.EvalSeconds
	}
	return s
}

// describeNet returns the network's shape, e.g. "700 → 256 → 256
// recurrent adaptive → 20 readout" ("… adaptive (rich neuron, 2
// adaptation scales) → …" for the rich neuron).
func describeNet(net *network.Network) string {
	parts := []string{strconv.Itoa(net.Inputs())}
	rec := true
	for _, l := range net.Layers {
		parts = append(parts, strconv.Itoa(l.NOut))
		rec = rec && l.Recurrent()
	}
	s := strings.Join(parts, " → ")
	if rec {
		s += " recurrent"
	}
	s += " adaptive"
	if c := net.Layers[0].Neuron; c.Rich() {
		s += fmt.Sprintf(" (rich neuron, %d adaptation scales)", c.AdaptScales())
	}
	if net.Readout != nil {
		s += fmt.Sprintf(" → %d readout", net.Readout.NOut)
	}
	return s
}

// loadSplit loads cfg's dataset and fills in the defaults it chose for
// DT and Steps. It is a variable so that tests can substitute data.
var loadSplit = func(cfg *train.Config) (dataset.Split, error) {
	s, err := dataset.Load(cfg.Dataset, cfg.Data, dataset.Options{DT: cfg.DT, Steps: cfg.Steps, Seed: cfg.DataSeed, Limit: cfg.Limit})
	if err != nil {
		return s, err
	}
	if cfg.DT == 0 {
		if cfg.DT = dataset.DT(s.Train); cfg.DT == 0 {
			return s, fmt.Errorf("dataset %s does not state its time step: give --dt", cfg.Dataset)
		}
	}
	if cfg.Steps == 0 {
		cfg.Steps = s.Train.Steps()
	}
	return s, nil
}

// checkDataDir reports a missing data directory of a dataset that needs
// one.
func checkDataDir(name, dir string) error {
	if dir == "" {
		if name == "randman" || name == "mnist" {
			return nil
		}
		return fmt.Errorf("--data: dataset %s needs the directory of its files", name)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--data: %s is not a directory", dir)
	}
	return nil
}
