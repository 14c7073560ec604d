package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/train"
)

// runEval reports the loss and accuracy of a saved model on a dataset.
func runEval(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks eval --model M.npz [flags]

Runs a saved model (a model file with a leaky-integrator readout, e.g.
best.npz or checkpoint.npz of "blocks train") on a dataset split and
reports its mean cross-entropy loss and accuracy. The dataset flags
default to those the model was trained with when the file records them
(files written by "blocks train" do), otherwise to the built-in randman.
The last line of the output is "<split> accuracy: X", X a fraction.

flags:
`)
		fs.PrintDefaults()
	}
	modelPath := fs.String("model", "", "model `file` (.npz) to evaluate (required)")
	def := train.DefaultConfig()
	cfg := def
	fs.StringVar(&cfg.Dataset, "dataset", def.Dataset, "dataset (default: the training run's)")
	fs.StringVar(&cfg.Data, "data", "", "`directory` of the dataset's files (default: the training run's)")
	fs.Float64Var(&cfg.DT, "dt", 0, "time step in `ms` (0: the training run's, else the dataset's default)")
	fs.IntVar(&cfg.Steps, "steps", 0, "time steps per sample (0: the training run's, else the dataset's default)")
	fs.IntVar(&cfg.Limit, "limit", 0, "use at most `N` samples of the split (default: the training run's)")
	fs.Uint64Var(&cfg.DataSeed, "data-seed", 0, "generator seed of the built-in randman dataset (default: the training run's)")
	fs.StringVar(&cfg.Method, "method", "", "simulator: blocks or standard (default: the training run's, else blocks)")
	split := fs.String("split", "test", "split to evaluate: test or train")
	batch := fs.Int("batch", 0, "batch size (0: the training run's evaluation batch, else 64)")
	threads := threadsFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	set := setFlags(fs)
	if *modelPath == "" {
		return fmt.Errorf("eval: --model is required")
	}
	if *split != "test" && *split != "train" {
		return fmt.Errorf("eval: --split must be test or train, got %q", *split)
	}
	if *batch < 0 {
		return fmt.Errorf("eval: --batch must be >= 0, got %d", *batch)
	}
	restore, err := useThreads("eval", *threads)
	if err != nil {
		return err
	}
	defer restore()
	net, err := model.Load(*modelPath)
	if err != nil {
		return fmt.Errorf("eval: --model: %w", err)
	}
	if net.Readout == nil {
		return fmt.Errorf("eval: --model: %s has no readout layer, so it does not classify", *modelPath)
	}

	// The training run's settings, then the flags given.
	run, trained, err := train.ReadConfig(*modelPath)
	if err != nil {
		return fmt.Errorf("eval: --model: %w", err)
	}
	c := train.Config{Dataset: def.Dataset, Method: "blocks"}
	if trained {
		c.Dataset, c.Data, c.DT, c.Steps, c.Limit, c.DataSeed, c.Method = run.Dataset, run.Data, run.DT, run.Steps, run.Limit, run.DataSeed, run.Method
		if *batch == 0 {
			*batch = max(run.EvalBatch, run.Batch)
		}
	}
	if *batch == 0 {
		*batch = 64
	}
	for name, apply := range map[string]func(){
		"dataset": func() { c.Dataset = cfg.Dataset }, "data": func() { c.Data = cfg.Data },
		"dt": func() { c.DT = cfg.DT }, "steps": func() { c.Steps = cfg.Steps }, "limit": func() { c.Limit = cfg.Limit },
		"data-seed": func() { c.DataSeed = cfg.DataSeed }, "method": func() { c.Method = cfg.Method },
	} {
		if set[name] {
			apply()
		}
	}
	if trained && set["dataset"] && cfg.Dataset != run.Dataset {
		// Another dataset: its own defaults, not the training run's.
		for _, name := range []string{"data", "dt", "steps", "limit"} {
			if !set[name] {
				switch name {
				case "data":
					c.Data = ""
				case "dt":
					c.DT = 0
				case "steps":
					c.Steps = 0
				case "limit":
					c.Limit = 0
				}
			}
		}
	}
	m, err := sim.ParseMethod(c.Method)
	if err != nil {
		return fmt.Errorf("eval: --method: %w", err)
	}
	// Check the dataset flags through the training configuration's rules.
	check := def
	check.Dataset, check.Data, check.DT, check.Steps, check.Limit, check.Method = c.Dataset, c.Data, c.DT, c.Steps, c.Limit, c.Method
	if err := check.Validate(); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if err := checkDataDir(c.Dataset, c.Data); err != nil {
		return fmt.Errorf("eval: %w", err)
	}

	s, err := loadSplit(&c)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	d := s.Test
	if *split == "train" {
		d = s.Train
	}
	fmt.Fprintf(stdout, "model %s: %s, ARP %d steps; %s simulator\n", *modelPath, describeNet(net), net.Layers[0].Neuron.ARP, m)
	fmt.Fprintf(stdout, "dataset %s: %d samples, %d steps of %g ms; chance level: %.4f\n", d.Name(), d.Len(), d.Steps(), c.DT, dataset.ChanceLevel(d))
	loss, acc, err := train.EvaluateWithProgress(net, d, m, *batch, progressWriter())
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	fmt.Fprintf(stdout, "%s loss: %.4f\n", *split, loss)
	fmt.Fprintf(stdout, "%s accuracy: %.4f\n", *split, acc)
	return nil
}
