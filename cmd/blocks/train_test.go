package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/dataset/datasettest"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/train"
)

// useToyData makes train and eval load the toy dataset, whatever its
// name, for the duration of the test.
func useToyData(t *testing.T) {
	t.Helper()
	old := loadSplit
	loadSplit = func(cfg *train.Config) (dataset.Split, error) {
		if cfg.DT == 0 {
			cfg.DT = 1
		}
		cfg.Steps = 30
		return datasettest.Split(), nil
	}
	t.Cleanup(func() { loadSplit = old })
}

var toyArgs = []string{"--hidden", "16", "--batch", "16", "--lr", "0.01", "--milestones", "3"}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

var lastLineRE = regexp.MustCompile(`\ntest accuracy: ([01]\.\d{4})\n$`)

// finalAccuracy checks the format of the output's last line and returns X.
func finalAccuracy(t *testing.T, out string) float64 {
	t.Helper()
	m := lastLineRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the last line is not \"test accuracy: X\":\n%s", out)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	return x
}

func TestTrainCommand(t *testing.T) {
	useToyData(t)
	dir := t.TempDir()
	out := runOK(t, append([]string{"train", "--epochs", "4", "--out", dir}, toyArgs...)...)
	if acc := finalAccuracy(t, out); acc < 0.8 {
		t.Errorf("test accuracy %v, want >= 0.8:\n%s", acc, out)
	}
	for _, want := range []string{"chance level: 0.3333\n", "epoch 1/4: train loss", "epoch 4/4: train loss", "ARP 2 ms = 2 steps", "best test accuracy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"checkpoint.npz", "best.npz", "metrics.jsonl", "loss.png", "accuracy.png", "raster_layer0.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestTrainRichNeuron trains a network of rich neurons (reset potential,
// three adaptation time scales): they learn, and the saved model holds
// their extra parameters, moved away from their initial values.
func TestTrainRichNeuron(t *testing.T) {
	useToyData(t)
	dir := t.TempDir()
	out := runOK(t, append([]string{"train", "--epochs", "3", "--out", dir, "--neuron", "rich", "--scales", "3"}, toyArgs...)...)
	if acc := finalAccuracy(t, out); acc < 0.8 {
		t.Errorf("test accuracy %v, want >= 0.8:\n%s", acc, out)
	}
	if want := "recurrent adaptive (rich neuron, 3 adaptation scales) → 3 readout"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	net, err := model.Load(filepath.Join(dir, "best.npz"))
	if err != nil {
		t.Fatal(err)
	}
	l := net.Layers[0]
	if c := l.Neuron; !c.ResetPotential || c.AdaptScales() != 3 || len(l.P) != 3*l.NOut {
		t.Fatalf("saved neuron %+v with %d decays, want a reset potential and 3 scales", c, len(l.P))
	}
	moved := 0
	for _, v := range l.VReset {
		if v != 0 {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no reset potential moved from its initial 0 in training")
	}
}

func TestTrainResumeCommand(t *testing.T) {
	useToyData(t)
	full, part := t.TempDir(), t.TempDir()
	runOK(t, append([]string{"train", "--epochs", "3", "--out", full}, toyArgs...)...)
	runOK(t, append([]string{"train", "--epochs", "2", "--out", part, "--threads", "1"}, toyArgs...)...)
	out := runOK(t, "train", "--resume", part, "--epochs", "3")
	if !strings.Contains(out, "resuming after epoch 2 of 3") || strings.Contains(out, "epoch 2/3:") || !strings.Contains(out, "epoch 3/3:") {
		t.Errorf("resumed output:\n%s", out)
	}
	a, err := train.LoadCheckpoint(filepath.Join(full, "checkpoint.npz"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.LoadCheckpoint(filepath.Join(part, "checkpoint.npz"))
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := model.NetParams(a.Net), model.NetParams(b.Net)
	for i := range pa {
		for j := range pa[i].Data {
			if math.Float32bits(pa[i].Data[j]) != math.Float32bits(pb[i].Data[j]) ||
				math.Float32bits(a.Adam.M[i][j]) != math.Float32bits(b.Adam.M[i][j]) {
				t.Fatalf("%s differs after resuming", pa[i].Key)
			}
		}
	}
	if b.State.Epoch != 3 || len(b.State.History) != 3 {
		t.Errorf("resumed run: %d epochs, %d metrics", b.State.Epoch, len(b.State.History))
	}
}

func TestEvalCommand(t *testing.T) {
	useToyData(t)
	dir := t.TempDir()
	trainOut := runOK(t, append([]string{"train", "--epochs", "2", "--out", dir}, toyArgs...)...)
	ck, err := train.LoadCheckpoint(filepath.Join(dir, "best.npz"))
	if err != nil {
		t.Fatal(err)
	}
	out := runOK(t, "eval", "--model", filepath.Join(dir, "best.npz"))
	if got, want := finalAccuracy(t, out), ck.State.BestAccuracy; math.Abs(got-want) > 1e-4 {
		t.Errorf("eval accuracy %v, training reported %v:\n%s\n%s", got, want, out, trainOut)
	}
	if !strings.Contains(out, "chance level: 0.3333") {
		t.Errorf("eval output:\n%s", out)
	}
	// A plain model file (no training configuration), on the train split
	// with the standard simulator.
	plain := filepath.Join(dir, "plain.npz")
	if err := model.Save(plain, ck.Net); err != nil {
		t.Fatal(err)
	}
	out = runOK(t, "eval", "--model", plain, "--dataset", "randman", "--split", "train", "--method", "standard", "--batch", "7")
	if !regexp.MustCompile(`\ntrain accuracy: [01]\.\d{4}\n$`).MatchString(out) || !strings.Contains(out, "standard simulator") {
		t.Errorf("eval output:\n%s", out)
	}
}

func TestTrainRandman(t *testing.T) {
	dir := t.TempDir()
	out := runOK(t, "train", "--limit", "100", "--epochs", "1", "--hidden", "8", "--out", dir)
	finalAccuracy(t, out)
	if !strings.Contains(out, "dataset randman: 10 classes") {
		t.Errorf("output:\n%s", out)
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--epochs", "-1"}, "--epochs must be >= 1, got -1"},
		{[]string{"train", "--lr", "0"}, "--lr must be > 0, got 0"},
		{[]string{"train", "--lr", "-0.1"}, "--lr must be > 0, got -0.1"},
		{[]string{"train", "--dataset", "cifar"}, `unknown dataset "cifar"`},
		{[]string{"train", "--method", "fast"}, "--method"},
		{[]string{"train", "--preset", "huge"}, `unknown preset "huge"`},
		{[]string{"train", "--dataset", "shd"}, "--data: dataset shd needs the directory of its files"},
		{[]string{"train", "--dataset", "nmnist", "--data", missing}, "is not a directory"},
		{[]string{"train", "--arp", "-5"}, "--arp must be >= 0 ms"},
		{[]string{"train", "--neuron", "izhikevich"}, `--neuron izhikevich --scales 0: neuron: unknown model "izhikevich" (want paper or rich)`},
		{[]string{"train", "--neuron", "rich", "--scales", "40"}, "--neuron rich --scales 40: neuron: the rich neuron needs 1 … 16 adaptation time scales, got 40"},
		{[]string{"train", "--hidden", "64,x"}, `"x" is not an integer`},
		{[]string{"train", "--milestones", "5,2"}, "--milestones must be increasing"},
		{[]string{"train", "--threads", "-1"}, "--threads must be >= 0"},
		{[]string{"train", "--resume", dir, "--lr", "0.1"}, "--lr cannot be changed"},
		{[]string{"train", "--resume", missing}, "--resume"},
		{[]string{"train", "extra"}, `unexpected argument "extra"`},
		{[]string{"eval"}, "--model is required"},
		{[]string{"eval", "--model", missing}, "--model"},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.args, err, c.want)
		}
		if out.Len() > 0 {
			t.Errorf("%v: output before the error:\n%s", c.args, out.String())
		}
	}
	if _, err := os.Stat("runs"); err == nil {
		t.Error("a failed command created the default output directory")
	}
}
