package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// File names in a run's output directory.
const (
	CheckpointFile = "checkpoint.npz"
	BestFile       = "best.npz"
	MetricsFile    = "metrics.jsonl"
	LossPlotFile   = "loss.png"
	AccPlotFile    = "accuracy.png"
)

// RasterFile returns the name of the spike raster of layer l.
func RasterFile(l int) string { return fmt.Sprintf("raster_layer%d.png", l) }

// Metrics are one epoch's results, a line of metrics.jsonl.
type Metrics struct {
	Epoch         int     `json:"epoch"` // counted from 1
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TestLoss      float64 `json:"test_loss"`
	TestAccuracy  float64 `json:"test_accuracy"`
	LR            float64 `json:"lr"`
	// EpochSeconds is the wall time of the epoch's training part, and
	// SamplesPerSecond the training samples per second in it; EvalSeconds
	// is the time of the evaluation on the test split.
	EpochSeconds     float64 `json:"epoch_seconds"`
	SamplesPerSecond float64 `json:"samples_per_second"`
	EvalSeconds      float64 `json:"eval_seconds"`
}

// State is a run's progress, stored in checkpoints (JSON, key
// "train.state").
type State struct {
	// Epoch is the number of finished epochs.
	Epoch int `json:"epoch"`
	// BestAccuracy is the best test accuracy so far, reached after epoch
	// BestEpoch (0: none yet).
	BestAccuracy float64   `json:"best_accuracy"`
	BestEpoch    int       `json:"best_epoch"`
	History      []Metrics `json:"history"`
	// Step is the number of batches of epoch Epoch+1 already trained when
	// an interrupted run wrote the checkpoint (0 at an epoch's end), and
	// Partial that epoch's running sums: resuming continues the epoch
	// with its next batch, exactly as an uninterrupted run would.
	Step    int      `json:"step,omitempty"`
	Partial *Partial `json:"partial,omitempty"`
}

// Partial are the running sums of an epoch interrupted after State.Step
// batches.
type Partial struct {
	LossSum float64 `json:"loss_sum"` // sum over the samples seen of their loss
	Correct int     `json:"correct"`
	Seen    int     `json:"seen"`
	Seconds float64 `json:"seconds"` // training time spent on the epoch so far
}

// Options are the parts of a run that do not change its results.
type Options struct {
	// Out is the output directory for checkpoints, metrics and plots; ""
	// writes no files.
	Out string
	// Stdout receives one summary line per epoch; nil discards them.
	Stdout io.Writer
	// Progress receives a progress bar per epoch; nil draws none.
	Progress io.Writer
	// Interrupt, once closed, makes Run stop after the training step in
	// progress: it writes the checkpoint (mid-epoch, see State.Step) and
	// returns an error wrapping ErrInterrupted. Nil never interrupts.
	Interrupt <-chan struct{}
}

// Trainer trains a network on a dataset split.
type Trainer struct {
	Config Config
	Net    *network.Network
	Adam   *Adam
	State  State
	Split  dataset.Split
	Options

	method sim.Method
	params []model.Entry
}

// NewTrainer returns a trainer for a new network built from cfg, whose DT
// must be set (the dataset's default resolved).
func NewTrainer(cfg Config, split dataset.Split, opt Options) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !(cfg.DT > 0) {
		return nil, fmt.Errorf("train: the time step DT must be set, got %v", cfg.DT)
	}
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	nc, err := cfg.NetworkConfig(split.Train.Channels(), split.Train.Classes(), cfg.DT)
	if err != nil {
		return nil, err
	}
	net, err := network.New(nc)
	if err != nil {
		return nil, err
	}
	t := &Trainer{Config: cfg, Net: net, Split: split, Options: opt}
	t.params = model.NetParams(net)
	sizes := make([]int, len(t.params))
	for i, p := range t.params {
		sizes[i] = len(p.Data)
	}
	t.Adam = NewAdam(sizes, cfg.LR, cfg.Eps)
	t.method, _ = sim.ParseMethod(cfg.Method)
	return t, nil
}

// ResumeTrainer returns a trainer that continues the run saved in ck.
func ResumeTrainer(ck *Checkpoint, split dataset.Split, opt Options) (*Trainer, error) {
	cfg := ck.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint configuration: %w", err)
	}
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	if err := checkFits(ck.Net, split.Train); err != nil {
		return nil, err
	}
	t := &Trainer{Config: cfg, Net: ck.Net, Adam: ck.Adam, State: ck.State, Split: split, Options: opt}
	t.params = model.NetParams(ck.Net)
	if st := ck.State; st.Step != 0 || st.Partial != nil {
		// A mid-epoch checkpoint: Step full batches, fewer than the epoch's.
		n := split.Train.Len()
		p := st.Partial
		if st.Step < 0 || st.Step > (n-1)/cfg.Batch || p == nil || p.Seen != st.Step*cfg.Batch || p.Correct < 0 || p.Correct > p.Seen {
			return nil, fmt.Errorf("checkpoint: interrupted after %d batches of epoch %d (%+v), which does not fit %d training samples in batches of %d",
				st.Step, st.Epoch+1, p, n, cfg.Batch)
		}
	}
	if len(t.Adam.M) != len(t.params) {
		return nil, fmt.Errorf("checkpoint: optimiser state for %d parameters, the network has %d", len(t.Adam.M), len(t.params))
	}
	for i, p := range t.params {
		if len(t.Adam.M[i]) != len(p.Data) || len(t.Adam.V[i]) != len(p.Data) {
			return nil, fmt.Errorf("checkpoint: optimiser state of %s has the wrong size", p.Key)
		}
	}
	t.method, _ = sim.ParseMethod(cfg.Method)
	return t, nil
}

func checkSplit(s dataset.Split) error {
	if s.Train == nil || s.Test == nil {
		return fmt.Errorf("train: the dataset needs a training and a test split")
	}
	if s.Train.Len() == 0 || s.Test.Len() == 0 {
		return fmt.Errorf("train: empty split (%s has %d samples, %s %d)", s.Train.Name(), s.Train.Len(), s.Test.Name(), s.Test.Len())
	}
	if s.Train.Channels() != s.Test.Channels() || s.Train.Classes() != s.Test.Classes() {
		return fmt.Errorf("train: %s and %s differ in channels or classes", s.Train.Name(), s.Test.Name())
	}
	return nil
}

// checkFits reports whether net takes d's channels and has one output per
// class.
func checkFits(net *network.Network, d dataset.Dataset) error {
	if net.Readout == nil {
		return fmt.Errorf("the model has no readout layer; classification needs one")
	}
	if net.Inputs() != d.Channels() || net.Outputs() != d.Classes() {
		return fmt.Errorf("the model takes %d inputs and has %d outputs, but %s has %d channels and %d classes",
			net.Inputs(), net.Outputs(), d.Name(), d.Channels(), d.Classes())
	}
	return nil
}

// ErrNotFinite is wrapped by the error Run returns when the loss or a
// gradient stops being finite.
var ErrNotFinite = errors.New("training diverged")

// ErrInterrupted is wrapped by the error Run returns when Options.Interrupt
// stopped it.
var ErrInterrupted = errors.New("interrupted")

// interrupted reports whether Options.Interrupt is closed.
func (t *Trainer) interrupted() bool {
	select {
	case <-t.Interrupt:
		return true
	default:
		return false
	}
}

// Run trains until Config.Epochs epochs are finished, evaluating on the
// test split, writing the checkpoint, best model and metrics after every
// epoch, and the plots at the end. It returns the last epoch's metrics.
// If the loss or a gradient becomes NaN or infinite, Run stops with an
// error naming the epoch and the step; the files of the last finished
// epoch stay as they were.
func (t *Trainer) Run() (Metrics, error) {
	if t.Out != "" {
		if err := os.MkdirAll(t.Out, 0o755); err != nil {
			return Metrics{}, err
		}
	}
	sched := Schedule{Milestones: t.Config.Milestones, Gamma: t.Config.Gamma}
	for t.State.Epoch < t.Config.Epochs {
		e := t.State.Epoch
		t.Adam.LR = sched.LR(t.Config.LR, e)
		m, err := t.epoch(e)
		if err != nil {
			return Metrics{}, err
		}
		t.State.Epoch++
		t.State.History = append(t.State.History, m)
		improved := t.State.BestEpoch == 0 || m.TestAccuracy > t.State.BestAccuracy
		if improved {
			t.State.BestAccuracy, t.State.BestEpoch = m.TestAccuracy, m.Epoch
		}
		if t.Out != "" {
			ck := t.checkpoint()
			if improved {
				if err := SaveCheckpoint(filepath.Join(t.Out, BestFile), ck); err != nil {
					return m, err
				}
			}
			if err := SaveCheckpoint(filepath.Join(t.Out, CheckpointFile), ck); err != nil {
				return m, err
			}
			if err := WriteMetrics(filepath.Join(t.Out, MetricsFile), t.State.History); err != nil {
				return m, err
			}
		}
		if t.Stdout != nil {
			best := ""
			if improved {
				best = " *"
			}
			fmt.Fprintf(t.Stdout, "epoch %d/%d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | lr %.3g | %.1f s, %.0f samples/s%s\n",
				m.Epoch, t.Config.Epochs, m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.LR,
				m.EpochSeconds, m.SamplesPerSecond, best)
		}
		if t.State.Epoch < t.Config.Epochs && t.interrupted() {
			return m, t.interruptError()
		}
	}
	if t.Out != "" {
		if err := t.WritePlots(); err != nil {
			return Metrics{}, err
		}
	}
	if n := len(t.State.History); n > 0 {
		return t.State.History[n-1], nil
	}
	return Metrics{}, nil
}

// interruptError describes where an interrupted run stopped.
func (t *Trainer) interruptError() error {
	where := fmt.Sprintf("after epoch %d", t.State.Epoch)
	if t.State.Step > 0 {
		where = fmt.Sprintf("in epoch %d after step %d", t.State.Epoch+1, t.State.Step)
	}
	if t.Out == "" {
		return fmt.Errorf("stopped %s; no output directory, no checkpoint written (%w)", where, ErrInterrupted)
	}
	return fmt.Errorf("stopped %s; %s holds the state: continue with blocks train --resume %s (%w)",
		where, filepath.Join(t.Out, CheckpointFile), t.Out, ErrInterrupted)
}

// checkpoint returns the run's current state.
func (t *Trainer) checkpoint() *Checkpoint {
	return &Checkpoint{Config: t.Config, Net: t.Net, Adam: t.Adam, State: t.State}
}

// Shuffle returns the order in which epoch e (from 0) visits n training
// samples: a permutation drawn from a generator seeded by (seed, e) alone,
// so that a resumed run visits the samples as an uninterrupted one does.
func Shuffle(n int, seed uint64, e int) []int {
	rng := rand.New(rand.NewPCG(seed, 0x73687566666c65^uint64(e)<<8)) // "shuffle"
	return rng.Perm(n)
}

// epoch trains epoch e (from 0) and evaluates the result.
func (t *Trainer) epoch(e int) (Metrics, error) {
	d := t.Split.Train
	n := d.Len()
	order := Shuffle(n, t.Config.Seed, e)
	m := Metrics{Epoch: e + 1, LR: t.Adam.LR}
	bar := newBar(t.Progress, n, fmt.Sprintf("epoch %d/%d", e+1, t.Config.Epochs))
	start := time.Now()
	var lossSum, prior float64
	var correct, seen int
	first := t.State.Step // batches trained before an interruption
	if p := t.State.Partial; first > 0 && p != nil {
		lossSum, correct, seen, prior = p.LossSum, p.Correct, p.Seen, p.Seconds
		bar.update(seen, "")
	}
	bs := batches(d, order[min(first*t.Config.Batch, n):], t.Config.Batch)
	defer bs.stop()
	for step := first; ; step++ {
		b, ok := bs.next()
		if !ok {
			break
		}
		if b.err != nil {
			bar.finish()
			return m, b.err
		}
		loss, c, err := t.step(b)
		if err != nil {
			bar.finish()
			if errors.Is(err, ErrNotFinite) {
				kept := "no checkpoint was written"
				if first > 0 && t.Out != "" {
					kept = fmt.Sprintf("%s holds the last good state (epoch %d, step %d)", filepath.Join(t.Out, CheckpointFile), e+1, first)
				} else if e > 0 && t.Out != "" {
					kept = fmt.Sprintf("%s holds the last good state (epoch %d)", filepath.Join(t.Out, CheckpointFile), e)
				}
				return m, fmt.Errorf("epoch %d, step %d of %d: %w; stopped: %s",
					e+1, step+1, (n+t.Config.Batch-1)/t.Config.Batch, err, kept)
			}
			return m, err
		}
		k := len(b.labels)
		lossSum += loss * float64(k)
		correct += c
		seen += k
		el := prior + time.Since(start).Seconds()
		bar.update(k, fmt.Sprintf("loss %.4f acc %.3f %.0f samples/s", lossSum/float64(seen), float64(correct)/float64(seen), float64(seen)/el))
		if seen < n && t.interrupted() {
			bar.finish()
			t.State.Step = step + 1
			t.State.Partial = &Partial{LossSum: lossSum, Correct: correct, Seen: seen, Seconds: el}
			if t.Out != "" {
				if err := SaveCheckpoint(filepath.Join(t.Out, CheckpointFile), t.checkpoint()); err != nil {
					return m, err
				}
			}
			return m, t.interruptError()
		}
	}
	bar.finish()
	t.State.Step, t.State.Partial = 0, nil
	m.EpochSeconds = prior + time.Since(start).Seconds()
	m.TrainLoss, m.TrainAccuracy = lossSum/float64(seen), float64(correct)/float64(seen)
	m.SamplesPerSecond = float64(seen) / m.EpochSeconds
	evalStart := time.Now()
	var err error
	m.TestLoss, m.TestAccuracy, err = evaluate(t.Net, t.Split.Test, t.method, t.Config.evalBatch(), t.Progress, "test")
	if err != nil {
		return m, err
	}
	m.EvalSeconds = time.Since(evalStart).Seconds()
	return m, nil
}

// step runs one training step on a batch and returns the batch's mean
// loss and the number of correctly classified samples.
func (t *Trainer) step(b batch) (float64, int, error) {
	p, err := t.Net.ForwardSparse(b.x, t.method)
	if err != nil {
		return 0, 0, err
	}
	defer p.Release()
	k := t.Net.Outputs()
	loss, gl, err := network.CrossEntropy(p.Logits, b.labels, k)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, fmt.Errorf("loss is %v (%w)", loss, ErrNotFinite)
	}
	correct := countCorrect(p.Logits, b.labels, k)
	g, err := p.BackwardLogits(gl, false)
	if err != nil {
		return 0, 0, err
	}
	grads, err := gradList(t.Net, g)
	if err != nil {
		return 0, 0, err
	}
	for i, gr := range grads {
		for j, v := range gr {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0, 0, fmt.Errorf("gradient of %s at index %d is %v (%w)", t.params[i].Key, j, v, ErrNotFinite)
			}
		}
	}
	if err := t.Adam.Update(data(t.params), grads); err != nil {
		return 0, 0, err
	}
	// A finite gradient can still overflow a moment or a parameter; such
	// a state could not be saved and loaded, so it stops the run too.
	for i, p := range t.params {
		for _, x := range []struct {
			what string
			v    []float32
		}{{"parameter", p.Data}, {"Adam first moment of", t.Adam.M[i]}, {"Adam second moment of", t.Adam.V[i]}} {
			for j, v := range x.v {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return 0, 0, fmt.Errorf("%s %s at index %d is %v after the update (%w)", x.what, p.Key, j, v, ErrNotFinite)
				}
			}
		}
	}
	return loss, correct, nil
}

// countCorrect counts the samples whose largest logit (the first of
// equal ones) is the label's.
func countCorrect(logits []float32, labels []int, k int) int {
	n := 0
	for b, y := range labels {
		if argmax(logits[b*k:(b+1)*k]) == y {
			n++
		}
	}
	return n
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Evaluate returns the mean cross-entropy loss and the accuracy of net on
// every sample of d, in batches of the given size.
func Evaluate(net *network.Network, d dataset.Dataset, m sim.Method, batchSize int) (loss, acc float64, err error) {
	return evaluate(net, d, m, batchSize, nil, "")
}

// EvaluateWithProgress is Evaluate drawing a progress bar on progress
// (nil: none).
func EvaluateWithProgress(net *network.Network, d dataset.Dataset, m sim.Method, batchSize int, progress io.Writer) (loss, acc float64, err error) {
	return evaluate(net, d, m, batchSize, progress, d.Name())
}

func evaluate(net *network.Network, d dataset.Dataset, m sim.Method, batchSize int, progress io.Writer, what string) (float64, float64, error) {
	if err := checkFits(net, d); err != nil {
		return 0, 0, err
	}
	if batchSize < 1 {
		return 0, 0, fmt.Errorf("evaluation batch size must be >= 1, got %d", batchSize)
	}
	n := d.Len()
	if n == 0 {
		return 0, 0, fmt.Errorf("%s has no samples", d.Name())
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	bar := newBar(progress, n, "evaluating on "+what)
	defer bar.finish()
	bs := batches(d, order, batchSize)
	defer bs.stop()
	k := net.Outputs()
	var lossSum float64
	var correct int
	for {
		b, ok := bs.next()
		if !ok {
			break
		}
		if b.err != nil {
			return 0, 0, b.err
		}
		p, err := net.ForwardSparse(b.x, m)
		if err != nil {
			return 0, 0, err
		}
		loss, _, err := network.CrossEntropy(p.Logits, b.labels, k)
		if err != nil {
			p.Release()
			return 0, 0, err
		}
		lossSum += loss * float64(len(b.labels))
		correct += countCorrect(p.Logits, b.labels, k)
		p.Release()
		bar.update(len(b.labels), "")
	}
	return lossSum / float64(n), float64(correct) / float64(n), nil
}

// batch is one mini-batch: the inputs and their labels, or a loading
// error.
type batch struct {
	x      *tensor.Sparse
	labels []int
	err    error
}

// batchStream assembles the batches of an epoch one ahead of their use,
// so that loading overlaps with computing.
type batchStream struct {
	c    chan batch
	done chan struct{}
}

func batches(d dataset.Dataset, order []int, size int) *batchStream {
	s := &batchStream{c: make(chan batch, 1), done: make(chan struct{})}
	go func() {
		defer close(s.c)
		for i := 0; i < len(order); i += size {
			x, labels, err := dataset.Batch(d, order[i:min(i+size, len(order))])
			select {
			case s.c <- batch{x, labels, err}:
			case <-s.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *batchStream) next() (batch, bool) {
	b, ok := <-s.c
	return b, ok
}

// stop ends the loading early; it may be called more than once.
func (s *batchStream) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	for range s.c { // let the loader finish
	}
}
