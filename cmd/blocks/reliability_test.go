package main

// Reliability of `blocks train` as a process: a run killed with SIGKILL
// at arbitrary points and resumed ends bitwise where an uninterrupted run
// ends; Ctrl-C stops with a checkpoint that resumes exactly; the same seed
// gives the same bits with any --threads; a diverging run stops naming the
// step and the tensor and keeps its last good checkpoint; inputs too large
// for the file or the machine are refused before they are allocated.
// docs/reliability.md lists these guarantees and the numbers.
//
// The processes are this test binary re-executed as the blocks command
// (BLOCKS_TEST_MAIN=1). BLOCKS_CRASH_POINTS sets how many kill points the
// crash test tries (default 4).

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blocks-snn/blocks/internal/npytest"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/train"
)

func TestMain(m *testing.M) {
	if os.Getenv("BLOCKS_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashArgs is a small randman run: 8 epochs of 25 batches, each epoch a
// fraction of a second.
var crashArgs = []string{"train", "--limit", "200", "--hidden", "12", "--batch", "8", "--epochs", "8",
	"--lr", "0.01", "--milestones", "5", "--seed", "7", "--data-seed", "3"}

// blocksCmd returns the blocks command (this binary) with args.
func blocksCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BLOCKS_TEST_MAIN=1")
	return cmd
}

// runBlocks runs blocks to completion and returns its output and error.
func runBlocks(args ...string) (string, error) {
	cmd := blocksCmd(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// sameState reports the first difference between two final checkpoints:
// every parameter, both Adam moments and the step count bit for bit, and
// the epochs' losses and accuracies.
func sameState(a, b *train.Checkpoint) string {
	pa, pb := model.NetParams(a.Net), model.NetParams(b.Net)
	if len(pa) != len(pb) {
		return fmt.Sprintf("%d parameters, want %d", len(pb), len(pa))
	}
	bits := func(x, y []float32) int {
		if len(x) != len(y) {
			return 0
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return i
			}
		}
		return -1
	}
	for i := range pa {
		for _, c := range []struct {
			what string
			x, y []float32
		}{{"", pa[i].Data, pb[i].Data}, {"adam.m.", a.Adam.M[i], b.Adam.M[i]}, {"adam.v.", a.Adam.V[i], b.Adam.V[i]}} {
			if j := bits(c.x, c.y); j >= 0 {
				return fmt.Sprintf("%s%s differs at index %d", c.what, pa[i].Key, j)
			}
		}
	}
	if a.Adam.Step != b.Adam.Step || a.State.Epoch != b.State.Epoch || a.State.BestEpoch != b.State.BestEpoch ||
		a.State.BestAccuracy != b.State.BestAccuracy || len(a.State.History) != len(b.State.History) {
		return fmt.Sprintf("state %d steps %+v, want %d steps %+v", b.Adam.Step, b.State, a.Adam.Step, a.State)
	}
	for e, m := range a.State.History {
		n := b.State.History[e]
		if m.TrainLoss != n.TrainLoss || m.TrainAccuracy != n.TrainAccuracy || m.TestLoss != n.TestLoss || m.TestAccuracy != n.TestAccuracy || m.LR != n.LR {
			return fmt.Sprintf("epoch %d metrics %+v, want %+v", e+1, n, m)
		}
	}
	return ""
}

// checkDir checks a training run's directory after a crash (see
// checkCrashDir): checkpoint.npz loads as a checkpoint and metrics.jsonl
// as metrics.
func checkDir(t *testing.T, dir string) int {
	t.Helper()
	return checkCrashDir(t, dir, func(name, path string) (bool, error) {
		switch name {
		case train.CheckpointFile:
			_, err := train.LoadCheckpoint(path)
			return true, err
		case train.MetricsFile:
			_, err := train.ReadMetrics(path)
			return true, err
		}
		return false, nil
	})
}

// checkCrashDir checks an output directory after a crash: every file is
// one that check knows (it reports whether it did and the file's error),
// a model (.npz, which must load), a figure (.png) or a hidden temporary
// file of an unfinished write, which cannot be taken for a checkpoint. It
// returns the number of temporary files left.
func checkCrashDir(t *testing.T, dir string, check func(name, path string) (bool, error)) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	temps := 0
	for _, e := range entries {
		name, path := e.Name(), filepath.Join(dir, e.Name())
		if known, err := check(name, path); known {
			if err != nil {
				t.Errorf("after a crash: %s: %v", name, err)
			}
			continue
		}
		switch {
		case strings.HasSuffix(name, ".npz"):
			if _, err := model.Load(path); err != nil {
				t.Errorf("after a crash: %v", err)
			}
		case strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp"):
			temps++
		case strings.HasSuffix(name, ".png"):
		default:
			t.Errorf("after a crash: unexpected file %s", name)
		}
	}
	return temps
}

// waitFor polls until path exists or the process ends; it reports
// whether path exists.
func waitFor(path string, exited <-chan struct{}) bool {
	for {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case <-exited:
			_, err := os.Stat(path)
			return err == nil
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// startKill starts blocks with args, waits until dir holds a checkpoint,
// then sends sig after delay. It returns the exit error and the output,
// and whether the signal was sent before the process ended by itself.
func startKill(t *testing.T, dir string, sig os.Signal, delay time.Duration, args ...string) (error, string, bool) {
	t.Helper()
	r := startBlocks(t, args...)
	sent := false
	if waitFor(filepath.Join(dir, train.CheckpointFile), r.exited) {
		select {
		case <-r.exited:
		case <-time.After(delay):
			sent = r.cmd.Process.Signal(sig) == nil
		}
	}
	<-r.exited
	return r.err, r.out.String(), sent
}

// blocksRun is a blocks process started by startBlocks.
type blocksRun struct {
	cmd    *exec.Cmd
	out    bytes.Buffer  // stdout and stderr
	exited chan struct{} // closed when the process has ended
	err    error         // its exit error, once exited is closed
}

// startBlocks starts blocks with args.
func startBlocks(t *testing.T, args ...string) *blocksRun {
	t.Helper()
	r := &blocksRun{cmd: blocksCmd(args...), exited: make(chan struct{})}
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.exited) }()
	return r
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// crashPoints is how many SIGKILL points TestCrashResume tries.
func crashPoints(t *testing.T) int {
	if s := os.Getenv("BLOCKS_CRASH_POINTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("BLOCKS_CRASH_POINTS=%q: want a count >= 1", s)
		}
		return n
	}
	if testing.Short() {
		return 2
	}
	return 4
}

// reference trains crashArgs uninterrupted into a new directory and
// returns its final checkpoint and the time from its first checkpoint to
// its end: the span in which kill points are drawn.
func reference(t *testing.T) (*train.Checkpoint, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	wall := runUninterrupted(t, filepath.Join(dir, train.CheckpointFile), append(crashArgs, "--out", dir)...)
	ck, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	return ck, wall
}

// runUninterrupted runs blocks with args to its end, failing the test if
// it fails, and returns the time from the first appearance of checkpoint
// (the file it writes) to its end (at least 1 ms).
func runUninterrupted(t *testing.T, checkpoint string, args ...string) time.Duration {
	t.Helper()
	r := startBlocks(t, args...)
	waitFor(checkpoint, r.exited)
	first := time.Now()
	<-r.exited
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out.String())
	}
	return max(time.Since(first), time.Millisecond)
}

// TestCrashResume kills training runs with SIGKILL at random points after
// the first checkpoint (during epochs, evaluations and file writes), also
// killing the first resumed run, and checks that the directory is always
// loadable and that resuming until done gives bitwise the reference run.
func TestCrashResume(t *testing.T) {
	ref, wall := reference(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	n := crashPoints(t)
	tried, killed, killedResume, temps := 0, 0, 0, 0
	for p := range n {
		dir := t.TempDir()
		args := append(crashArgs, "--out", dir)
		delay := time.Duration(rng.Int64N(int64(wall)))
		_, out, sent := startKill(t, dir, syscall.SIGKILL, delay, args...)
		tried++
		if sent {
			killed++
		}
		temps += checkDir(t, dir)
		// Kill the first resumed run too, at another point.
		if p%2 == 1 {
			_, _, sent := startKill(t, dir, syscall.SIGKILL, time.Duration(rng.Int64N(int64(wall))), "train", "--resume", dir)
			tried++
			if sent {
				killedResume++
			}
			temps += checkDir(t, dir)
		}
		if out2, err := runBlocks("train", "--resume", dir); err != nil && !strings.Contains(out2, "no epoch was run") {
			t.Fatalf("crash point %d (after %v): resuming: %v\n%s\nfirst run:\n%s", p, delay, err, out2, out)
		}
		ck, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if d := sameState(ref, ck); d != "" {
			t.Errorf("crash point %d (after %v): the resumed run differs from the uninterrupted one: %s", p, delay, d)
		}
	}
	t.Logf("crash test: %d runs, %d kill points tried (delays drawn from the reference's %v of training after its first checkpoint): %d first runs and %d resumed runs killed with SIGKILL before they ended, %d temporary files left by killed writes; every resumed run bitwise equal to the reference",
		n, tried, wall.Round(time.Millisecond), killed, killedResume, temps)
}

// TestInterruptResume sends SIGINT (Ctrl-C) at random points: the run
// must stop with a non-zero exit and a message saying how to resume,
// leave a loadable checkpoint, and resume bitwise to the reference.
func TestInterruptResume(t *testing.T) {
	ref, wall := reference(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	n, sentN, stopped, mid := 3, 0, 0, 0
	if testing.Short() {
		n = 1
	}
	for p := range n {
		dir := t.TempDir()
		delay := time.Duration(rng.Int64N(int64(wall)))
		err, out, sent := startKill(t, dir, os.Interrupt, delay, append(crashArgs, "--out", dir)...)
		if !sent {
			continue // finished before the signal
		}
		sentN++
		if exitCode(err) == 0 {
			if !strings.Contains(out, "test accuracy:") {
				t.Fatalf("interrupt %d: exit 0 without finishing:\n%s", p, out)
			}
			continue // the signal came as the run was ending
		}
		if !strings.Contains(out, "interrupted") || !strings.Contains(out, "--resume "+dir) {
			t.Errorf("interrupt %d: exit %d, output lacks how to resume:\n%s", p, exitCode(err), out)
		}
		stopped++
		checkDir(t, dir)
		ck, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if ck.State.Step > 0 {
			mid++
		}
		if out, err := runBlocks("train", "--resume", dir); err != nil {
			t.Fatalf("interrupt %d: resuming: %v\n%s", p, err, out)
		}
		if ck, err = train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile)); err != nil {
			t.Fatal(err)
		}
		if d := sameState(ref, ck); d != "" {
			t.Errorf("interrupt %d (after %v): the resumed run differs from the uninterrupted one: %s", p, delay, d)
		}
	}
	t.Logf("interrupt test: %d runs, %d SIGINTs sent, %d runs stopped by them (%d mid-epoch, the others at an epoch's end); every resumed run bitwise equal to the reference", n, sentN, stopped, mid)
}

// TestThreadsDeterministic trains the same seed with 1, 2 and 8 threads
// and compares the final parameters and optimiser state bitwise.
func TestThreadsDeterministic(t *testing.T) {
	var first *train.Checkpoint
	for _, threads := range []string{"1", "2", "8"} {
		dir := t.TempDir()
		args := append(append([]string{}, crashArgs...), "--epochs", "3", "--threads", threads, "--out", dir)
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err != nil {
			t.Fatalf("--threads %s: %v", threads, err)
		}
		ck, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = ck
		} else if d := sameState(first, ck); d != "" {
			t.Errorf("--threads %s differs from --threads 1: %s", threads, d)
		}
	}
}

// TestDivergenceStops makes the learning rate explode after epoch 2
// (--gamma 1e40, beyond float32): the run must exit non-zero naming the epoch, the step
// and the tensor, and keep the checkpoint of epoch 2.
func TestDivergenceStops(t *testing.T) {
	dir := t.TempDir()
	args := append(append([]string{}, crashArgs...), "--epochs", "4", "--milestones", "2", "--gamma", "1e40", "--out", dir)
	out, err := runBlocks(args...)
	if code := exitCode(err); code == 0 {
		t.Fatalf("a diverging run exited 0:\n%s", out)
	}
	if !strings.Contains(out, "epoch 3, step ") || !strings.Contains(out, "training diverged") ||
		!strings.Contains(out, "checkpoint.npz holds the last good state (epoch 2)") {
		t.Errorf("message lacks the epoch, step or kept checkpoint:\n%s", out)
	}
	tensor := false
	for _, w := range []string{"loss is", "gradient of ", "parameter ", "moment of "} {
		tensor = tensor || strings.Contains(out, w)
	}
	if !tensor {
		t.Errorf("message does not name the tensor:\n%s", out)
	}
	t.Logf("divergence message: %s", lastLine(out))
	ck, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
	if err != nil || ck.State.Epoch != 2 {
		t.Fatalf("the checkpoint of epoch 2 must stay loadable: %v", err)
	}
	checkDir(t, dir)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

// TestRunRefusesHugeInput gives `blocks run` inputs whose header declares
// far more data than the file holds, or than the machine's memory: both
// are refused with the bytes they would need, before any allocation.
func TestRunRefusesHugeInput(t *testing.T) {
	dir := t.TempDir()
	net, err := network.New(network.Config{Inputs: 1000, DT: 1, TauMem: 20, TauAdapt: 150,
		Layers: []network.LayerConfig{{Size: 4, Neuron: neuron.DefaultConfig(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	modelPath := filepath.Join(dir, "m.npz")
	if err := model.Save(modelPath, net); err != nil {
		t.Fatal(err)
	}
	// 1e12 elements declared, 64 bytes stored.
	small := filepath.Join(dir, "small.npy")
	if err := os.WriteFile(small, npytest.Header("<f4", "(1000, 1000, 1000000)", false), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = run([]string{"run", "--model", modelPath, "--input", small, "--out", filepath.Join(dir, "o.npz")}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "needs 4000000000000 bytes") {
		t.Errorf("error %v, want it to name the 4000000000000 bytes needed", err)
	}
	// A sparse file larger than the machine's memory, its header honest.
	mem := memTotal(t)
	big := filepath.Join(dir, "big.npy")
	steps := mem/4/1000 + 1
	h := npytest.Header("<f4", fmt.Sprintf("(1, 1000, %d)", steps), false)
	if err := os.WriteFile(big, h, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, int64(len(h))+4*1000*steps); err != nil {
		t.Skipf("no sparse file: %v", err)
	}
	err = run([]string{"run", "--model", modelPath, "--input", big, "--out", filepath.Join(dir, "o.npz")}, &out, &errOut)
	want := fmt.Sprintf("needs %d bytes, more than this machine's", 4*1000*steps)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
}

// memTotal returns the machine's memory in bytes from /proc/meminfo.
func memTotal(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	t.Skip("no MemTotal")
	return 0
}
