package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/blocks-snn/blocks/bench"
	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/internal/vec"
	"github.com/blocks-snn/blocks/sim"
)

// benchProgress is where the progress bar goes; it is drawn only when
// this is a terminal.
var benchProgress = os.Stderr

// runBench times forward + backward passes of the synthetic benchmark of
// DESIGN §5.1 over a grid of configurations with both simulators, prints
// a table and writes results.csv and two figures to --out.
func runBench(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks bench [flags]

Times one forward and one backward pass of Poisson input through recurrent
adaptive layers (loss = sum of the last layer's spikes), after a warm-up
pass, for every combination of the list flags (DESIGN §5.1). Prints the
median times, peak memory, the blocks-over-standard speed-up and the
speed-up over the reference PyTorch timings, and writes results.csv,
`+bench.ARPFigureFile+` and `+bench.LayersFigureFile+` to --out.

List flags take comma-separated values, e.g. --t 512,1024,2048.

flags:
`)
		fs.PrintDefaults()
	}
	lists := []struct {
		name, def, usage string
		min              int
	}{
		{"t", "512,1024,2048", "`list` of time steps", 1},
		{"arp", "10,40,100", "`list` of absolute refractory periods in steps (>= 0)", 0},
		{"batch", "32,64", "`list` of batch sizes", 1},
		{"hidden", "128", "`list` of layer widths (neurons per recurrent adaptive layer)", 1},
		{"layers", "1", "`list` of layer counts", 1},
		{"inputs", strconv.Itoa(bench.DefaultInputs), "`list` of input widths (reference timings exist for 1000 only)", 1},
	}
	raw := make([]*string, len(lists))
	for i, l := range lists {
		raw[i] = fs.String(l.name, l.def, l.usage)
	}
	methodsFlag := fs.String("method", "blocks,standard", "`list` of simulators: blocks, standard")
	seedsFlag := fs.String("seed", "1", "`list` of random seeds (network weights and Poisson input)")
	repeats := fs.Int("repeats", bench.DefaultRepeats, "timed passes per configuration and method after one warm-up pass; the median is reported")
	out := fs.String("out", "bench-results", "`directory` for results.csv and the figures (created if needed)")
	paper := fs.Bool("paper", false, "run the paper's two full grids instead of --t, --arp, --batch, --hidden, --layers and --inputs")
	if err := parseArgs(fs, args); err != nil {
		return err
	}

	// Check every value before any work.
	set := setFlags(fs)
	var g bench.Grid
	dst := []*[]int{&g.T, &g.ARP, &g.Batch, &g.Hidden, &g.Layers, &g.Inputs}
	for i, l := range lists {
		if *paper && set[l.name] {
			return fmt.Errorf("bench: --%s cannot be combined with --paper, which runs the paper's fixed grids", l.name)
		}
		vs, err := bench.ParseInts("--"+l.name, *raw[i], l.min)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		*dst[i] = vs
	}
	var err error
	if g.Methods, err = bench.ParseMethods("--method", *methodsFlag); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if g.Seeds, err = bench.ParseSeeds("--seed", *seedsFlag); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if *repeats < 1 {
		return fmt.Errorf("bench: --repeats: %d is not positive", *repeats)
	}
	if err := checkOutDir(*out); err != nil {
		return fmt.Errorf("bench: --out: %w", err)
	}
	grids := []bench.Grid{g}
	if *paper {
		grids = bench.PaperGrids(g.Methods, g.Seeds)
	}
	for _, g := range grids {
		if err := g.Validate(); err != nil {
			return err
		}
	}
	jobs := bench.Jobs(grids...)

	passes := "passes"
	if *repeats == 1 {
		passes = "pass"
	}
	fmt.Fprintf(stdout, "blocks bench: %d runs (%s), %d timed %s each after a warm-up, median reported; %d threads, SIMD %s\n",
		len(jobs), describeJobs(jobs), *repeats, passes, runtime.GOMAXPROCS(0), vec.Implementation())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	context.AfterFunc(ctx, stop) // a second interrupt kills at once
	bar := newBenchBar(jobs)
	results, runErr := bench.Run(ctx, bench.Options{
		Repeats: *repeats,
		Start:   func(i, n int, j bench.Job) { bar.start(i, n, j) },
		Done:    func(i, n int, r bench.Result) { bar.done(r) },
	}, grids...)
	bar.finish()
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}

	if err := bench.WriteTable(stdout, results); err != nil {
		return err
	}
	if line := speedupSummary(results); line != "" {
		fmt.Fprintln(stdout, line)
	}
	csvPath := filepath.Join(*out, "results.csv")
	if err := atomicfile.Write(csvPath, func(w io.Writer) error { return bench.WriteCSV(w, results) }); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	figs, err := bench.WriteFigures(*out, results)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(append([]string{csvPath}, figs...), ", "))
	if runErr != nil {
		return fmt.Errorf("bench: interrupted after %d of %d runs; the files hold those", len(results), len(jobs))
	}
	return nil
}

// checkOutDir creates dir if needed and checks that files can be written
// in it.
func checkOutDir(dir string) error {
	if dir == "" {
		return errors.New("empty directory name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".blocks-bench-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// describeJobs says "8 configurations × 2 methods" when the jobs form such
// a product.
func describeJobs(jobs []bench.Job) string {
	configs := map[bench.Config]bool{}
	methods := map[sim.Method]bool{}
	for _, j := range jobs {
		configs[j.Config] = true
		methods[j.Method] = true
	}
	if len(configs)*len(methods) == len(jobs) {
		return fmt.Sprintf("%d configurations × %d methods", len(configs), len(methods))
	}
	return fmt.Sprintf("%d configurations", len(configs))
}

// speedupSummary describes the blocks-over-standard speed-ups.
func speedupSummary(rs []bench.Result) string {
	su := bench.SpeedUps(rs)
	if len(su) == 0 {
		return ""
	}
	var vs []float64
	for _, v := range su {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	med := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	if len(vs) == 1 {
		return fmt.Sprintf("blocks over standard: %v", bench.Ratio{X: med})
	}
	return fmt.Sprintf("blocks over standard: median %v (from %v to %v) over %d configurations",
		bench.Ratio{X: med}, bench.Ratio{X: vs[0]}, bench.Ratio{X: vs[len(vs)-1]}, len(vs))
}

// benchBar is the progress bar on stderr, weighted by each run's rough
// cost (T × batch × hidden × layers) so that its time estimate means
// something. It draws nothing when stderr is not a terminal.
type benchBar struct {
	bar     *progressbar.ProgressBar
	weight  []int64
	current int
	tick    *time.Ticker
	stop    chan struct{}
}

func newBenchBar(jobs []bench.Job) *benchBar {
	b := &benchBar{}
	if fi, err := benchProgress.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return b
	}
	var total int64
	for _, j := range jobs {
		c := j.Config
		w := int64(c.T) * int64(c.Batch) * int64(c.Hidden) * int64(c.Layers) / 1024
		w = max(w, 1)
		b.weight = append(b.weight, w)
		total += w
	}
	b.bar = progressbar.NewOptions64(max(total, 1),
		progressbar.OptionSetWriter(benchProgress),
		progressbar.OptionSetWidth(25),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)
	// Redraw every second so the elapsed time moves during long runs.
	b.tick, b.stop = time.NewTicker(time.Second), make(chan struct{})
	go func() {
		for {
			select {
			case <-b.stop:
				return
			case <-b.tick.C:
				b.bar.RenderBlank()
			}
		}
	}()
	return b
}

func (b *benchBar) start(i, n int, j bench.Job) {
	if b.bar == nil {
		return
	}
	b.current = i
	b.bar.Describe(fmt.Sprintf("[%d/%d] %v", i+1, n, j))
}

func (b *benchBar) done(bench.Result) {
	if b.bar == nil {
		return
	}
	b.bar.Add64(b.weight[b.current])
}

func (b *benchBar) finish() {
	if b.bar == nil {
		return
	}
	close(b.stop)
	b.tick.Stop()
	b.bar.Finish()
	b.bar.Clear()
}
