package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// DefaultRepeats is the number of timed passes when Options.Repeats is 0.
const DefaultRepeats = 3

// Result is one configuration timed with one simulator.
type Result struct {
	Config  Config
	Method  sim.Method
	Repeats int // timed passes after the warm-up
	// Forward, Backward and Total are medians over the timed passes (the
	// median total is of the per-pass totals, not the sum of the other two).
	Forward, Backward, Total time.Duration
	Spikes                   int    // last layer's spikes in the last pass
	PeakMem                  uint64 // bytes, see MemSource
	MemSource                MemSource
}

// Options tunes Run. Both callbacks are optional and are called from the
// goroutine that called Run.
type Options struct {
	Repeats int                      // timed passes per job after one warm-up; 0 means DefaultRepeats
	Start   func(i, n int, j Job)    // before job i of n (counting from 0)
	Done    func(i, n int, r Result) // after job i of n
}

// Run times every job of the grids (see Jobs for the order): it builds
// each configuration's network and input once, then per method runs one
// untimed warm-up pass and Repeats timed forward + backward passes. Memory
// is returned to the OS between jobs so that each job's peak is its own.
//
// Run checks the grids and options before any work. If ctx is cancelled
// it stops between passes and returns the results so far with ctx's error.
func Run(ctx context.Context, opt Options, grids ...Grid) ([]Result, error) {
	if opt.Repeats < 0 {
		return nil, fmt.Errorf("bench: repeats: %d is negative", opt.Repeats)
	}
	if opt.Repeats == 0 {
		opt.Repeats = DefaultRepeats
	}
	for _, g := range grids {
		if err := g.Validate(); err != nil {
			return nil, err
		}
	}
	jobs := Jobs(grids...)
	probe := newMemProbe()
	var (
		results []Result
		cur     Config
		net     *network.Network
		x       *tensor.Sparse
	)
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		if opt.Start != nil {
			opt.Start(i, len(jobs), j)
		}
		if net == nil || j.Config != cur {
			net, x = nil, nil
			quiesce()
			var err error
			if net, x, err = Setup(j.Config); err != nil {
				return results, fmt.Errorf("bench: %v: %w", j.Config, err)
			}
			cur = j.Config
		}
		r, err := runJob(ctx, net, x, j, opt.Repeats, probe)
		if err != nil {
			return results, err
		}
		results = append(results, r)
		if opt.Done != nil {
			opt.Done(i, len(jobs), r)
		}
	}
	return results, nil
}

func runJob(ctx context.Context, net *network.Network, x *tensor.Sparse, j Job, repeats int, probe memProbe) (Result, error) {
	quiesce()
	probe.start()
	peak := func() uint64 { return probe.stop() }
	if _, err := Step(net, x, j.Method); err != nil { // warm-up
		peak()
		return Result{}, fmt.Errorf("bench: %v: %w", j, err)
	}
	fwd := make([]time.Duration, 0, repeats)
	bwd := make([]time.Duration, 0, repeats)
	tot := make([]time.Duration, 0, repeats)
	var spikes int
	for range repeats {
		if err := ctx.Err(); err != nil {
			peak()
			return Result{}, err
		}
		tm, err := Step(net, x, j.Method)
		if err != nil {
			peak()
			return Result{}, fmt.Errorf("bench: %v: %w", j, err)
		}
		fwd = append(fwd, tm.Forward)
		bwd = append(bwd, tm.Backward)
		tot = append(tot, tm.Forward+tm.Backward)
		spikes = tm.Spikes
	}
	return Result{
		Config: j.Config, Method: j.Method, Repeats: repeats,
		Forward: median(fwd), Backward: median(bwd), Total: median(tot),
		Spikes: spikes, PeakMem: peak(), MemSource: probe.source(),
	}, nil
}

// median returns the middle value, or the mean of the two middle values.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
