package fit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/recording"
)

// FuzzCheckpoint resumes a fit of the rich neuron from arbitrary bytes as
// its checkpoint (an .npz of the model and the JSON member
// fit.state.json): never a panic; either an error that names the
// checkpoint file, or a fit that continues to its end with finite
// parameters. Seeds are real checkpoints, written mid-fit and at the end.
func FuzzCheckpoint(f *testing.F) {
	rec, _ := toy(&testing.T{}, 400, 3)
	recs := []*recording.Recording{rec}
	cfg := RichConfig()
	cfg.MinReliability, cfg.Epochs, cfg.Patience = 0, 6, 2
	dir := f.TempDir()
	for _, every := range []int{2, 100} {
		path := filepath.Join(dir, "seed.npz")
		if _, err := Run(context.Background(), recs, cfg, Options{Checkpoint: path, Every: every}); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		os.Remove(path)
	}
	path := filepath.Join(dir, CheckpointFile)
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), recs, cfg, Options{Checkpoint: path, Resume: true})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the checkpoint", err)
			}
			return
		}
		if err := res.Net.Validate(); err != nil {
			t.Fatalf("resumed fit gives an invalid neuron: %v", err)
		}
		if len(res.Loss) == 0 || len(res.Loss) > cfg.Epochs || len(res.Gamma) != len(res.Loss) {
			t.Fatalf("resumed fit ran %d epochs (%d Γ) of at most %d", len(res.Loss), len(res.Gamma), cfg.Epochs)
		}
	})
}
