package main

// Reliability of `blocks fit` as a process: a fit killed with SIGKILL at
// arbitrary points, or stopped with Ctrl-C, and resumed with --resume
// writes bitwise the params.npz and report.json of an uninterrupted fit
// (docs/reliability.md). The processes are this test binary re-executed
// as the blocks command (see TestMain); BLOCKS_CRASH_POINTS sets how many
// kill points the crash test tries.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blocks-snn/blocks/fit"
)

// fitCrashArgs is a small fit of the toy recordings (two stimuli of 6000
// samples): about 100 epochs of a few milliseconds, the learning rate
// halved on every plateau of 12 epochs until it runs down, a checkpoint
// every 3 epochs, then the scores and figures of both stimuli.
func fitCrashArgs(recs, out string) []string {
	return []string{"fit", recs, "--epochs", "400", "--patience", "12", "--checkpoint-every", "3", "--seed", "5", "--out", out}
}

// fitOutputs returns a finished fit's params.npz and its report.json
// without the fit's duration, the only field that may differ between two
// runs of the same fit, and that duration.
func fitOutputs(t *testing.T, out string) (params, report []byte, seconds float64) {
	t.Helper()
	params, err := os.ReadFile(filepath.Join(out, "params.npz"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	seconds, _ = rep["fit_seconds"].(float64)
	delete(rep, "fit_seconds")
	if report, err = json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
	return params, report, seconds
}

// checkFitDir checks a fit's output directory after a crash (see
// checkCrashDir): report.json is whole JSON.
func checkFitDir(t *testing.T, dir string) int {
	t.Helper()
	return checkCrashDir(t, dir, func(name, path string) (bool, error) {
		if name != "report.json" {
			return false, nil
		}
		if b, err := os.ReadFile(path); err != nil || !json.Valid(b) {
			return true, fmt.Errorf("not whole JSON (%v)", err)
		}
		return true, nil
	})
}

// fitReference runs fitCrashArgs uninterrupted and returns its outputs,
// the time from its first checkpoint to its end and the time its epochs
// took: the spans in which kill points are drawn.
func fitReference(t *testing.T, recs string) (params, report []byte, wall, epochs time.Duration) {
	t.Helper()
	out := t.TempDir()
	wall = runUninterrupted(t, filepath.Join(out, fit.CheckpointFile), fitCrashArgs(recs, out)...)
	params, report, seconds := fitOutputs(t, out)
	return params, report, wall, max(time.Duration(seconds*float64(time.Second)), time.Millisecond)
}

// resumedAt finds the epoch a resumed fit continued from in its output.
var resumedAt = regexp.MustCompile(`resumed from .* after epoch (\d+)`)

// TestFitCrashResume kills fits with SIGKILL at random points after the
// first checkpoint (in epochs and checkpoint writes for every other run,
// anywhere up to the scoring, figures and final writes for the others),
// also killing every other resumed run, and checks that the directory
// stays loadable and that resuming until done writes bitwise the
// params.npz and report.json of the uninterrupted fit.
func TestFitCrashResume(t *testing.T) {
	recs := t.TempDir()
	writeToyRecordings(t, recs, 6000)
	refParams, refReport, wall, epochs := fitReference(t, recs)
	var ref struct {
		Epochs int `json:"epochs_run"`
	}
	if err := json.Unmarshal(refReport, &ref); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	n := crashPoints(t)
	tried, killed, killedResume, temps, midFit := 0, 0, 0, 0, 0
	for p := range n {
		out := t.TempDir()
		args := fitCrashArgs(recs, out)
		span := wall
		if p%2 == 0 {
			span = epochs
		}
		delay := time.Duration(rng.Int64N(int64(span)))
		_, log, sent := startKill(t, out, syscall.SIGKILL, delay, args...)
		tried++
		if sent {
			killed++
		}
		temps += checkFitDir(t, out)
		if p%2 == 1 {
			_, _, sent := startKill(t, out, syscall.SIGKILL, time.Duration(rng.Int64N(int64(wall))), append(args, "--resume")...)
			tried++
			if sent {
				killedResume++
			}
			temps += checkFitDir(t, out)
		}
		log2, err := runBlocks(append(args, "--resume")...)
		if err != nil {
			t.Fatalf("crash point %d (after %v): resuming: %v\n%s\nfirst run:\n%s", p, delay, err, log2, log)
		}
		if m := resumedAt.FindStringSubmatch(log2); m != nil {
			if at, _ := strconv.Atoi(m[1]); at < ref.Epochs {
				midFit++ // resumed from a checkpoint before the last epoch
			}
		}
		params, report, _ := fitOutputs(t, out)
		if !bytes.Equal(params, refParams) {
			t.Errorf("crash point %d (after %v): params.npz differs from the uninterrupted fit's", p, delay)
		}
		if !bytes.Equal(report, refReport) {
			t.Errorf("crash point %d (after %v): report.json differs from the uninterrupted fit's:\n%s\nwant\n%s", p, delay, report, refReport)
		}
	}
	t.Logf("fit crash test: %d runs, %d kill points tried (delays after the first checkpoint drawn from the reference's %v of epochs or its %v to the end): %d first runs and %d resumed runs killed with SIGKILL before they ended, %d runs resumed from a checkpoint before the last of the %d epochs, %d temporary files left by killed writes; every resumed fit bitwise equal to the reference",
		n, tried, epochs.Round(time.Millisecond), wall.Round(time.Millisecond), killed, killedResume, midFit, ref.Epochs, temps)
}

// TestFitInterruptResume sends SIGINT (Ctrl-C) at random points: the fit
// must stop non-zero saying how to resume, and resume to bitwise the
// uninterrupted fit's outputs.
func TestFitInterruptResume(t *testing.T) {
	recs := t.TempDir()
	writeToyRecordings(t, recs, 6000)
	refParams, refReport, wall, _ := fitReference(t, recs)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4))
	n, sentN, stopped := 3, 0, 0
	if testing.Short() {
		n = 1
	}
	for p := range n {
		out := t.TempDir()
		args := fitCrashArgs(recs, out)
		delay := time.Duration(rng.Int64N(int64(wall)))
		err, log, sent := startKill(t, out, os.Interrupt, delay, args...)
		if !sent {
			continue
		}
		sentN++
		if exitCode(err) == 0 {
			if !strings.Contains(log, "wrote "+out) {
				t.Fatalf("interrupt %d: exit 0 without finishing:\n%s", p, log)
			}
			continue // the signal came after the epochs, as the fit was ending
		}
		if !strings.Contains(log, "interrupted") || !strings.Contains(log, "--resume") || !strings.Contains(log, fit.CheckpointFile+" holds the fit's state") {
			t.Errorf("interrupt %d: exit %d, output lacks how to resume:\n%s", p, exitCode(err), log)
		}
		stopped++
		checkFitDir(t, out)
		if log, err := runBlocks(append(args, "--resume")...); err != nil {
			t.Fatalf("interrupt %d: resuming: %v\n%s", p, err, log)
		}
		params, report, _ := fitOutputs(t, out)
		if !bytes.Equal(params, refParams) || !bytes.Equal(report, refReport) {
			t.Errorf("interrupt %d (after %v): the resumed fit's outputs differ from the uninterrupted fit's", p, delay)
		}
	}
	t.Logf("fit interrupt test: %d runs, %d SIGINTs sent, %d fits stopped by them; every resumed fit bitwise equal to the reference", n, sentN, stopped)
}
