package fit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/recording"
)

// sameResult reports the first difference between two fits: the fitted
// parameters (as model-file bytes), the loss history bit for bit and the
// best epoch.
func sameResult(t *testing.T, a, b *Result) string {
	t.Helper()
	var wa, wb bytes.Buffer
	if err := model.Write(&wa, a.Net); err != nil {
		t.Fatal(err)
	}
	if err := model.Write(&wb, b.Net); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
		return "the fitted parameters differ"
	}
	if len(a.Loss) != len(b.Loss) || a.BestEpoch != b.BestEpoch || math.Float64bits(a.Best) != math.Float64bits(b.Best) {
		return "the loss history differs"
	}
	for i := range a.Loss {
		if math.Float64bits(a.Loss[i]) != math.Float64bits(b.Loss[i]) {
			return "the loss of an epoch differs"
		}
	}
	return ""
}

// TestCheckpointResumeExact stops fits (as Ctrl-C does, through the
// context) after several epochs, among them the learning rate's decays,
// resumes them from their checkpoints, and compares them bit for bit with
// an uninterrupted fit; a fit resumed from its final checkpoint gives the
// same result again.
func TestCheckpointResumeExact(t *testing.T) {
	rec, _ := toy(t, 2000, 3)
	recs := []*recording.Recording{rec}
	cfg := DefaultConfig()
	cfg.Epochs, cfg.Patience = 30, 3
	ref, err := Fit(context.Background(), recs, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, stop := range []int{1, 7, 18, len(ref.Loss) - 1} {
		path := filepath.Join(t.TempDir(), CheckpointFile)
		ctx, cancel := context.WithCancel(context.Background())
		opt := Options{Checkpoint: path, Every: 5, Progress: func(e int, _, _ float64) {
			if e == stop {
				cancel()
			}
		}}
		_, err := Run(ctx, recs, cfg, opt)
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
			t.Fatalf("stopped after epoch %d: error %v, want one naming the checkpoint", stop, err)
		}
		opt.Resume, opt.Progress = true, nil
		res, err := Run(context.Background(), recs, cfg, opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Resumed != stop {
			t.Errorf("resumed after %d epochs, want %d", res.Resumed, stop)
		}
		if d := sameResult(t, ref, res); d != "" {
			t.Errorf("stopped after epoch %d and resumed: %s", stop, d)
		}
		again, err := Run(context.Background(), recs, cfg, opt)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameResult(t, ref, again); d != "" || again.Resumed != len(ref.Loss) {
			t.Errorf("resumed from the final checkpoint (after %d epochs): %s", again.Resumed, d)
		}
	}
}

// TestCheckpointRefused resumes from checkpoints of another configuration,
// other recordings, and from damaged files: each is refused naming the
// file and the reason.
func TestCheckpointRefused(t *testing.T) {
	rec, _ := toy(t, 1500, 4)
	recs := []*recording.Recording{rec}
	cfg := DefaultConfig()
	cfg.Epochs = 4
	path := filepath.Join(t.TempDir(), CheckpointFile)
	opt := Options{Checkpoint: path, Resume: true}
	if _, err := Run(context.Background(), recs, cfg, opt); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Epochs, other.TauVR = 5, 4
	if _, err := Run(context.Background(), recs, other, opt); err == nil ||
		!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "Epochs 4 there, 5 here") || !strings.Contains(err.Error(), "TauVR 5 there, 4 here") {
		t.Errorf("another configuration: error %v, want it to name the file and the settings that differ", err)
	}
	moved := *rec
	moved.Current = append([]float64(nil), rec.Current...)
	moved.Current[7]++
	if _, err := Run(context.Background(), []*recording.Recording{&moved}, cfg, opt); err == nil || !strings.Contains(err.Error(), "other recordings") {
		t.Errorf("other recordings: error %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(raw) / 2, len(raw) - 1} {
		if err := os.WriteFile(path, raw[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), recs, cfg, opt); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("checkpoint cut to %d of %d bytes: error %v, want one naming the file", n, len(raw), err)
		}
	}
	net, err := NewNeuron(cfg, rec.DT, [][]float64{rec.Current})
	if err != nil {
		t.Fatal(err)
	}
	var m bytes.Buffer
	if err := model.Write(&m, net); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), recs, cfg, opt); err == nil || !strings.Contains(err.Error(), "not a checkpoint of blocks fit") {
		t.Errorf("a plain model file as checkpoint: error %v", err)
	}
}

// TestCheckpointLoadsAsModel checks that a checkpoint is a model file
// holding the neuron's current parameters.
func TestCheckpointLoadsAsModel(t *testing.T) {
	rec, _ := toy(t, 1500, 5)
	cfg := DefaultConfig()
	cfg.Epochs = 3
	path := filepath.Join(t.TempDir(), CheckpointFile)
	if _, err := Run(context.Background(), []*recording.Recording{rec}, cfg, Options{Checkpoint: path}); err != nil {
		t.Fatal(err)
	}
	net, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Layers) != 1 || net.Layers[0].NOut != 1 {
		t.Errorf("checkpoint holds %d layers", len(net.Layers))
	}
}

// TestCheckpointCarriesEveryTensor writes the checkpoint of a neuron with
// the rich model's extra tensors (a second adaptation scale and a reset
// potential) and reads it into a zeroed copy: every tensor of the model
// file comes back, although the checkpoint code names none of them.
func TestCheckpointCarriesEveryTensor(t *testing.T) {
	rec, _ := toy(t, 500, 6)
	cfg := DefaultConfig()
	net, err := NewNeuron(cfg, rec.DT, [][]float64{rec.Current})
	if err != nil {
		t.Fatal(err)
	}
	l := net.Layers[0]
	l.Neuron.Scales, l.Neuron.ResetPotential = 2, true
	l.P, l.B, l.VReset = append(l.P, 0.9), append(l.B, 0.3), []float32{-0.25}
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	newState := func(net *network.Network) *state {
		l := net.Layers[0]
		s := &state{net: net, params: [][]float32{l.W, l.Bias, l.Beta, l.P, l.B, l.VReset}, lr: 0.01, lastBest: 0.5, epoch: 1}
		s.best = make([][]float32, len(s.params))
		for i, p := range s.params {
			s.best[i] = append([]float32(nil), p...)
		}
		s.adam = newAdam(make([]float64, len(s.params)))
		s.res = &Result{Loss: []float64{0.5}, Gamma: []float64{0.3}, Best: 0.5, BestEpoch: 1}
		return s
	}
	ck := newCheckpointer(Options{Checkpoint: "unused"}, cfg, []*recording.Recording{rec})
	var buf bytes.Buffer
	if err := ck.encode(&buf, newState(net)); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := model.Write(&want, net); err != nil {
		t.Fatal(err)
	}
	zeroed := &network.Network{Layers: []*network.Layer{{NIn: 1, NOut: 1, Neuron: l.Neuron,
		W: []float32{0}, Bias: []float32{0}, Beta: []float32{0.5}, P: []float32{0.5, 0.5}, B: []float32{0, 0}, VReset: []float32{0}}}}
	if err := ck.decode(buf.Bytes(), newState(zeroed)); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := model.Write(&got, zeroed); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("the tensors read back differ from those written")
	}
}

// TestCheckpointGammas checks the JSON form of the per-epoch training Γ:
// an undefined Γ (NaN) is written as null and read back as NaN, every
// other value bit for bit.
func TestCheckpointGammas(t *testing.T) {
	in := gammas{0.7123456789012345, math.NaN(), -0.25, 1e-300}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ",null,") {
		t.Errorf("written as %s, want null for the NaN", b)
	}
	var out gammas
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("read %d values, want %d", len(out), len(in))
	}
	for i := range in {
		if math.Float64bits(out[i]) != math.Float64bits(in[i]) && !(math.IsNaN(in[i]) && math.IsNaN(out[i])) {
			t.Errorf("value %d: read %v, wrote %v", i, out[i], in[i])
		}
	}
}
