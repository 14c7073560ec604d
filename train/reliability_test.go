package train

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/blocks-snn/blocks/dataset"
)

// tripwire is a dataset that closes a channel once k samples have been
// read from it: an interruption at a chosen point of the run.
type tripwire struct {
	dataset.Dataset
	mu   sync.Mutex
	left int
	c    chan struct{}
}

func (d *tripwire) Sample(i int) (dataset.Events, error) {
	d.mu.Lock()
	if d.left--; d.left == 0 {
		close(d.c)
	}
	d.mu.Unlock()
	return d.Dataset.Sample(i)
}

// TestInterruptExact interrupts a run at many points (mid-epoch and at
// epoch ends): each stops with ErrInterrupted after writing a checkpoint,
// and resuming from that checkpoint ends bitwise where the uninterrupted
// run ends, metrics included.
func TestInterruptExact(t *testing.T) {
	full, err := NewTrainer(toyConfig(3), toySplit(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := full.Run(); err != nil {
		t.Fatal(err)
	}
	mid := 0
	// Sample counts at which the interrupt comes (3 epochs of 60 samples in
	// batches of 16, 16, 16, 12). Batches are loaded one ahead, so an
	// interrupt while the run's last batch loads may come after the
	// trainer's last look: the latest point is the end of the
	// second-to-last batch (168).
	points := []int{1, 17, 40, 61, 100, 150, 168}
	for _, k := range points {
		dir := t.TempDir()
		split := toySplit()
		c := make(chan struct{})
		split.Train = &tripwire{Dataset: split.Train, left: k, c: c}
		tr, err := NewTrainer(toyConfig(3), split, Options{Out: dir, Interrupt: c})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Run()
		if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "--resume "+dir) {
			t.Fatalf("interrupt after %d samples: error %v, want ErrInterrupted naming --resume", k, err)
		}
		ck, err := LoadCheckpoint(filepath.Join(dir, CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if ck.State.Step > 0 {
			mid++
		}
		re, err := ResumeTrainer(ck, toySplit(), Options{Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := re.Run(); err != nil {
			t.Fatal(err)
		}
		if d := stateDiff(full, re); d != "" {
			t.Errorf("interrupt after %d samples (epoch %d, step %d): %s differs after resuming", k, ck.State.Epoch+1, ck.State.Step, d)
		}
		for e, m := range full.State.History {
			n := re.State.History[e]
			if m.TrainLoss != n.TrainLoss || m.TrainAccuracy != n.TrainAccuracy || m.TestLoss != n.TestLoss || m.TestAccuracy != n.TestAccuracy {
				t.Errorf("interrupt after %d samples: epoch %d metrics %+v, want %+v", k, e+1, n, m)
			}
		}
		if re.State.Step != 0 || re.State.Partial != nil {
			t.Errorf("a finished run keeps a partial epoch: %+v", re.State)
		}
	}
	if mid == 0 {
		t.Error("no interruption fell mid-epoch")
	}
	t.Logf("%d interruption points, %d mid-epoch: all resumed bitwise", len(points), mid)
}

// TestResumeRefusesBadPartial checks that a mid-epoch checkpoint that
// does not fit the dataset is refused.
func TestResumeRefusesBadPartial(t *testing.T) {
	tr, err := NewTrainer(toyConfig(2), toySplit(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ck := tr.checkpoint()
	ck.State.Step = 100 // 100 batches of 16 > 60 samples
	ck.State.Partial = &Partial{}
	if _, err := ResumeTrainer(ck, toySplit(), Options{}); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("error %v", err)
	}
	ck.State.Step, ck.State.Partial = 1, nil
	if _, err := ResumeTrainer(ck, toySplit(), Options{}); err == nil {
		t.Error("a step without its partial sums was accepted")
	}
	// Step·Batch overflowing to 0 (a forged checkpoint) must not pass.
	ck.State.Step, ck.State.Partial = 1<<62, &Partial{}
	if _, err := ResumeTrainer(ck, toySplit(), Options{}); err == nil {
		t.Error("an overflowing step was accepted")
	}
	ck.State.Step, ck.State.Partial = 2, &Partial{Seen: 31} // want 32
	if _, err := ResumeTrainer(ck, toySplit(), Options{}); err == nil {
		t.Error("partial sums that do not match the step were accepted")
	}
	ck.State.Step, ck.State.Partial = 2, &Partial{Seen: 32, Correct: 5}
	if _, err := ResumeTrainer(ck, toySplit(), Options{}); err != nil {
		t.Errorf("a consistent mid-epoch state was refused: %v", err)
	}
}
