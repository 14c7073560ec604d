package train

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/dataset/datasettest"
	"github.com/blocks-snn/blocks/model"
)

func toySplit() dataset.Split { return datasettest.Split() }

func toyConfig(epochs int) Config {
	c := DefaultConfig()
	c.DT, c.ARP = 1, 2
	c.Hidden = []int{16}
	c.Epochs, c.Batch, c.LR = epochs, 16, 1e-2
	c.Milestones = []int{3}
	return c
}

func TestAdamByHand(t *testing.T) {
	a := NewAdam([]int{2}, 0.1, 1e-8)
	p := []float32{1, -2}
	// Step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g²: p -= lr·g/(|g|+eps).
	if err := a.Update([][]float32{p}, [][]float32{{0.5, -4}}); err != nil {
		t.Fatal(err)
	}
	want := []float64{1 - 0.1*0.5/(0.5+1e-8), -2 + 0.1*4/(4+1e-8)}
	for i := range p {
		if math.Abs(float64(p[i])-want[i]) > 1e-6 {
			t.Errorf("step 1: p[%d] = %v, want %v", i, p[i], want[i])
		}
	}
	// Step 2 by hand for p[0] (g = -1): m = 0.9·0.05 - 0.1 = -0.055,
	// v = 0.999·0.00025 + 0.001 = 0.00124975, m̂ = m/0.19, v̂ = v/0.001999.
	if err := a.Update([][]float32{p}, [][]float32{{-1, 0}}); err != nil {
		t.Fatal(err)
	}
	m, v := -0.055, 0.00124975
	w0 := want[0] - 0.1*(m/0.19)/(math.Sqrt(v/0.001999)+1e-8)
	if math.Abs(float64(p[0])-w0) > 1e-6 || math.Abs(w0-0.936610) > 1e-5 {
		t.Errorf("step 2: p[0] = %v, want %v (≈ 0.936610)", p[0], w0)
	}
	if a.Step != 2 || math.Abs(float64(a.M[0][0])-m) > 1e-7 || math.Abs(float64(a.V[0][0])-v) > 1e-9 {
		t.Errorf("state: step %d, m %v, v %v; want 2, %v, %v", a.Step, a.M[0][0], a.V[0][0], m, v)
	}
	if err := a.Update([][]float32{p}, [][]float32{{1}}); err == nil {
		t.Error("mismatched gradient accepted")
	}
}

func TestSchedule(t *testing.T) {
	s := Schedule{Milestones: []int{2, 4}, Gamma: 0.1}
	for e, want := range []float64{1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5} {
		if got := s.LR(1e-3, e); math.Abs(got-want) > 1e-12 {
			t.Errorf("epoch %d: lr %v, want %v", e, got, want)
		}
	}
	if got := (Schedule{}).LR(0.5, 100); got != 0.5 {
		t.Errorf("no milestones: lr %v, want 0.5", got)
	}
}

func TestShuffleDeterministic(t *testing.T) {
	a, b, c := Shuffle(50, 1, 3), Shuffle(50, 1, 3), Shuffle(50, 1, 4)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("Shuffle must depend on (seed, epoch) alone")
	}
}

func TestTrainLearns(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	tr, err := NewTrainer(toyConfig(6), toySplit(), Options{Out: dir, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	last, err := tr.Run()
	if err != nil {
		t.Fatal(err)
	}
	h := tr.State.History
	if len(h) != 6 || h[len(h)-1].TrainLoss >= h[0].TrainLoss {
		t.Errorf("training loss did not decrease: %+v", h)
	}
	if last.TestAccuracy < 0.8 {
		t.Errorf("test accuracy %v, want >= 0.8 (chance 1/3)", last.TestAccuracy)
	}
	if n := strings.Count(out.String(), "\n"); n != 6 || !strings.HasPrefix(out.String(), "epoch 1/6: train loss") {
		t.Errorf("stdout has %d lines, want one per epoch:\n%s", n, out.String())
	}
	if got := h[4].LR; math.Abs(got-1e-3) > 1e-12 {
		t.Errorf("epoch 5 lr %v, want 1e-3 after milestone 3", got)
	}
	for _, f := range []string{CheckpointFile, BestFile, MetricsFile, LossPlotFile, AccPlotFile, RasterFile(0)} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	ms, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil || len(ms) != 6 || ms[5].TestAccuracy != last.TestAccuracy || ms[0].SamplesPerSecond <= 0 {
		t.Errorf("metrics: %v %+v", err, ms)
	}
	raw, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"epoch":1`, `"train_loss"`, `"train_accuracy"`, `"test_loss"`, `"test_accuracy"`, `"lr"`, `"epoch_seconds"`, `"samples_per_second"`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("metrics.jsonl lacks %s", key)
		}
	}
	// The best model is loadable as a plain model and scores what the
	// metrics say.
	best, err := model.Load(filepath.Join(dir, BestFile))
	if err != nil {
		t.Fatal(err)
	}
	_, acc, err := Evaluate(best, tr.Split.Test, tr.method, 7)
	if err != nil || acc != tr.State.BestAccuracy {
		t.Errorf("best.npz accuracy %v (%v), want %v", acc, err, tr.State.BestAccuracy)
	}
}

// paramsEqual reports the first parameter or optimiser state that
// differs bitwise.
func stateDiff(a, b *Trainer) string {
	pa, pb := model.NetParams(a.Net), model.NetParams(b.Net)
	for i := range pa {
		for j := range pa[i].Data {
			if math.Float32bits(pa[i].Data[j]) != math.Float32bits(pb[i].Data[j]) {
				return pa[i].Key
			}
			if math.Float32bits(a.Adam.M[i][j]) != math.Float32bits(b.Adam.M[i][j]) ||
				math.Float32bits(a.Adam.V[i][j]) != math.Float32bits(b.Adam.V[i][j]) {
				return "adam state of " + pa[i].Key
			}
		}
	}
	if a.Adam.Step != b.Adam.Step || a.State.Epoch != b.State.Epoch || a.State.BestEpoch != b.State.BestEpoch {
		return "counters"
	}
	return ""
}

func TestResumeExact(t *testing.T) {
	full, err := NewTrainer(toyConfig(3), toySplit(), Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := full.Run(); err != nil {
		t.Fatal(err)
	}

	// Two epochs on one thread, then resume for the third on all of them.
	dir := t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	first, err := NewTrainer(toyConfig(2), toySplit(), Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Run(); err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	ck, err := LoadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if ck.State.Epoch != 2 || len(ck.State.History) != 2 {
		t.Fatalf("checkpoint after %d epochs with %d metrics, want 2", ck.State.Epoch, len(ck.State.History))
	}
	ck.Config.Epochs = 3
	resumed, err := ResumeTrainer(ck, toySplit(), Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Run(); err != nil {
		t.Fatal(err)
	}
	if d := stateDiff(full, resumed); d != "" {
		t.Errorf("resumed run differs from the uninterrupted one in %s", d)
	}
	if len(resumed.State.History) != 3 || resumed.State.History[2].TestLoss != full.State.History[2].TestLoss {
		t.Errorf("resumed history %+v", resumed.State.History)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	tr, err := NewTrainer(toyConfig(1), toySplit(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.npz")
	if err := SaveCheckpoint(path, tr.checkpoint()); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	back := &Trainer{Net: ck.Net, Adam: ck.Adam, State: ck.State}
	if d := stateDiff(tr, back); d != "" {
		t.Errorf("round trip changed %s", d)
	}
	if ck.Adam.LR != tr.Adam.LR || ck.Adam.Eps != tr.Adam.Eps || ck.Adam.Beta2 != tr.Adam.Beta2 {
		t.Errorf("optimiser scalars %+v", ck.Adam)
	}
	if ck.Config.Seed != tr.Config.Seed || ck.Config.Hidden[0] != 16 || ck.Config.Milestones[0] != 3 || ck.Config.DT != 1 {
		t.Errorf("config %+v", ck.Config)
	}
	if ck.State.History[0] != tr.State.History[0] {
		t.Errorf("history %+v, want %+v", ck.State.History, tr.State.History)
	}
	// A checkpoint is a model file too, and holds the documented keys.
	if _, err := model.Load(path); err != nil {
		t.Errorf("model.Load: %v", err)
	}
	raw, _ := os.ReadFile(path)
	z, err := model.OpenArchive(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"config", "0._rf_weight", "0._rec_weight", "readout._weight", "adam.m.0._rf_weight", "adam.v.readout._beta", "adam.step", "train.config", "train.state"} {
		if !z.Has(key) {
			t.Errorf("checkpoint lacks %s", key)
		}
	}
	cfg, ok, err := ReadConfig(path)
	if err != nil || !ok || cfg.Dataset != "randman" {
		t.Errorf("ReadConfig: %+v %v %v", cfg, ok, err)
	}
}

func TestNaNStops(t *testing.T) {
	dir := t.TempDir()
	tr, err := NewTrainer(toyConfig(1), toySplit(), Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	for i := range tr.Net.Readout.Bias {
		tr.Net.Readout.Bias[i] = 3e38 // the logits overflow to +Inf
	}
	tr.Config.Epochs = 2
	_, err = tr.Run()
	t.Log(err)
	if !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), "epoch 2, step 1 of 4: loss is NaN (training diverged); stopped: ") ||
		!strings.Contains(err.Error(), "checkpoint.npz holds the last good state (epoch 1)") {
		t.Fatalf("error %v, want a non-finite loss at epoch 2, step 1", err)
	}
	ck, err := LoadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil || ck.State.Epoch != 1 {
		t.Errorf("the checkpoint of epoch 1 must stay: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Epochs = -1 }, "--epochs must be >= 1, got -1"},
		{func(c *Config) { c.LR = 0 }, "--lr must be > 0, got 0"},
		{func(c *Config) { c.LR = math.NaN() }, "--lr must be > 0"},
		{func(c *Config) { c.Dataset = "cifar" }, `unknown dataset "cifar"`},
		{func(c *Config) { c.Method = "fast" }, "--method"},
		{func(c *Config) { c.ARP = -1 }, "--arp must be >= 0 ms"},
		{func(c *Config) { c.Batch = 0 }, "--batch must be >= 1"},
		{func(c *Config) { c.Hidden = []int{8, 0} }, "--hidden"},
		{func(c *Config) { c.Milestones = []int{5, 3} }, "--milestones must be increasing"},
		{func(c *Config) { c.Surrogate = "relu" }, "--surrogate"},
	} {
		cfg := DefaultConfig()
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
	if _, err := Preset("huge"); err == nil || !strings.Contains(err.Error(), `unknown preset "huge"`) {
		t.Errorf("Preset: %v", err)
	}
	for _, name := range Presets {
		c, err := Preset(name)
		if err != nil || c.Validate() != nil {
			t.Errorf("preset %s: %v %v", name, err, c.Validate())
		}
	}
	if c, _ := Preset("paper"); c.ARPSteps(1) != 10 || c.ARPSteps(2) != 5 || c.ARPSteps(3) != 3 {
		t.Errorf("ARP 10 ms in steps: %d, %d, %d", c.ARPSteps(1), c.ARPSteps(2), c.ARPSteps(3))
	}
}
