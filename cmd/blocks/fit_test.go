package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/fit"
)

// writeToyRecordings writes two stimuli of two repetitions each, n
// samples at 0.2 ms, in the competition's format: a noisy current and the
// spikes of a known neuron driven by it (the second repetition jittered).
func writeToyRecordings(t *testing.T, dir string, n int) {
	t.Helper()
	cfg := fit.DefaultConfig()
	rng := rand.New(rand.NewPCG(3, 4))
	for s, name := range []string{"a", "b"} {
		cur := make([]float64, n)
		var x float64
		for i := range cur {
			x = 0.95*x + 60*rng.NormFloat64()
			cur[i] = 300 + 100*float64(s) + x
		}
		net, err := fit.NewNeuron(cfg, 0.2, [][]float64{cur})
		if err != nil {
			t.Fatal(err)
		}
		net.Layers[0].W[0] *= 2
		p, err := fit.Predict(net, cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Spikes) < 5 {
			t.Fatalf("toy neuron fires %d spikes", len(p.Spikes))
		}
		for r := range 2 {
			var v, sp strings.Builder
			for i, c := range cur {
				fmt.Fprintf(&v, "%d %g -60\n", i, c)
			}
			for _, i := range p.Spikes {
				fmt.Fprintf(&sp, "%d 3\n", min(n-1, i+r*rng.IntN(3)))
			}
			base := filepath.Join(dir, fmt.Sprintf("%s-%d", name, r))
			if err := os.WriteFile(base+".voltage", []byte(v.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".spiketimes", []byte(sp.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestFit(t *testing.T) {
	dir := t.TempDir()
	writeToyRecordings(t, dir, 3000)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	args := []string{"fit", dir, "--train", "a", "--epochs", "8", "--out", out, "--predict", filepath.Join(dir, "b-0.voltage")}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"training on a, holding out b", "held out b: Γ", "predicted"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, f := range []string{"params.npz", "report.json", "fit_a.png", "fit_b.png", "b-0.pred.spiketimes", "b-0.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var rep fitReport
	js, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Scores) != 1 || rep.Scores[0].Stimulus != "b" || rep.Epochs == 0 {
		t.Errorf("report %+v", rep)
	}
	// The same seed gives the same fit.
	out2 := filepath.Join(t.TempDir(), "out2")
	args[len(args)-3] = out2
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"params.npz", "b-0.pred.spiketimes"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(out2, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two fits with the same seed", f)
		}
	}
}

func TestFitErrors(t *testing.T) {
	dir := t.TempDir()
	writeToyRecordings(t, dir, 1500)
	bad := filepath.Join(t.TempDir(), "bad.voltage")
	os.WriteFile(bad, []byte("0 1 -60\n1 zz -60\n"), 0o644)
	out := filepath.Join(t.TempDir(), "never")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fit"}, "give the directory"},
		{[]string{"fit", filepath.Join(dir, "nope")}, "no such file"},
		{[]string{"fit", dir, "--train", "a,zz", "--out", out}, `no stimulus "zz"`},
		{[]string{"fit", dir, "--method", "fast", "--out", out}, "--method"},
		{[]string{"fit", dir, "--dt", "0", "--out", out}, "--dt must be > 0"},
		{[]string{"fit", dir, "--predict", bad, "--out", out}, "bad.voltage:2: current \"zz\""},
		{[]string{"fit", dir, "--arp", "-1", "--out", out}, "ARP -1 ms"},
		{[]string{"fit", dir, "--neuron", "adex", "--out", out}, `--neuron adex --scales 2: neuron: unknown model "adex" (want paper or rich)`},
		{[]string{"fit", dir, "--neuron", "rich", "--scales", "0", "--out", out}, "--neuron rich --scales 0: neuron: the rich neuron needs 1 … 16 adaptation time scales, got 0"},
		{[]string{"fit", dir, "--neuron", "rich", "--v-reset", "1.5", "--out", out}, "initial reset potential 1.5, want in [-1, 0.999]"},
		{[]string{"fit", dir, "--select", "best", "--out", out}, `--select: unknown epoch selection "best" (want loss or gamma)`},
		{[]string{"fit", dir, "--min-reliability", "1", "--out", out}, "minimum reliability 1, want in [0, 1)"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(c.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failing fit created %s", out)
	}
}

func TestFitShardsAndMerge(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"n1", "n2", "n3"} {
		d := filepath.Join(root, n)
		os.MkdirAll(d, 0o755)
		writeToyRecordings(t, d, 1500)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	for i := range 2 {
		args := []string{"fit", root, "--train", "a", "--epochs", "3", "--out", out, "--shard", fmt.Sprintf("%d/2", i)}
		if err := run(args, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		if _, err := os.Stat(filepath.Join(out, n, "report.json")); err != nil {
			t.Error(err)
		}
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "2") // --array=1-3: the second task
	t.Setenv("SLURM_ARRAY_TASK_MIN", "1")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "3")
	out2 := t.TempDir()
	stdout.Reset()
	if err := run([]string{"fit", root, "--train", "a", "--epochs", "2", "--out", out2}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "fitting 1 of 3 neurons (shard 1/3)") {
		t.Errorf("slurm shard: %s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out2, "n2", "report.json")); err != nil {
		t.Error(err)
	}
	merged := t.TempDir()
	stdout.Reset()
	if err := run([]string{"fit", "merge", "--out", merged, out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var m mergedReport
	js, _ := os.ReadFile(filepath.Join(merged, "merged.json"))
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	if m.Neurons != 3 || len(m.Reports) != 3 {
		t.Errorf("merged %d neurons", m.Neurons)
	}
	if err := run([]string{"fit", "merge", "--out", merged, out, filepath.Join(out2)}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "both report neuron") {
		t.Errorf("merging a neuron twice: %v", err)
	}
	if err := run([]string{"fit", root, "--shard", "2/2"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--shard") {
		t.Errorf("bad shard: %v", err)
	}
}

func TestFitSweep(t *testing.T) {
	dir := t.TempDir()
	writeToyRecordings(t, dir, 2000)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"fit", "sweep", dir, "--train", "a", "--epochs", "3", "--out", out, "--dts", "0.2,1", "--arps", "0.4,2"}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sweep.json", "sweep_dt.png", "sweep_arp.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if n := strings.Count(stdout.String(), "normalised Γ"); n != 4 {
		t.Errorf("%d sweep points, want 4:\n%s", n, stdout.String())
	}
	if err := run([]string{"fit", "sweep", dir, "--dts", "0.3", "--out", out}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "not a multiple") {
		t.Errorf("bad --dts: %v", err)
	}
}

// TestRichDefaults checks that --neuron rich takes fit.RichConfig's
// settings for the flags not given, and the paper's neuron
// fit.DefaultConfig's.
func TestRichDefaults(t *testing.T) {
	for _, c := range []struct {
		args []string
		want fit.Config
	}{
		{[]string{"--neuron", "paper"}, fit.DefaultConfig()},
		{[]string{"--neuron", "rich"}, fit.RichConfig()},
		{[]string{"--neuron", "rich", "--lr", "0.01", "--select", "loss"}, func() fit.Config {
			c := fit.RichConfig()
			c.LR, c.Select = 0.01, fit.ByLoss
			return c
		}()},
	} {
		fs := flag.NewFlagSet("fit", flag.ContinueOnError)
		o := newFitFlags(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if err := o.check("fit"); err != nil {
			t.Fatal(err)
		}
		if o.cfg != c.want {
			t.Errorf("%v: config %+v, want %+v", c.args, o.cfg, c.want)
		}
	}
}
