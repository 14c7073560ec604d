package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// threadsFlag registers the --threads flag shared by the commands.
func threadsFlag(fs *flag.FlagSet) *int {
	return fs.Int("threads", 0, "worker threads, i.e. GOMAXPROCS (0: all cores); results do not depend on it")
}

// useThreads checks a --threads value and applies it; the returned
// function restores the previous setting.
func useThreads(cmd string, n int) (restore func(), err error) {
	if n < 0 {
		return nil, fmt.Errorf("%s: --threads must be >= 0, got %d", cmd, n)
	}
	if n == 0 {
		return func() {}, nil
	}
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }, nil
}

// parseArgs parses a command's flags and refuses positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// interruptContext returns a context that the first Ctrl-C (SIGINT) or
// SIGTERM cancels, saying on stderr that command cmd stops after the
// current unit of work (a training step, a fit's epoch) with a
// checkpoint; the signal handling then ends, so that a second one stops
// the process at once. stop releases the signals.
func interruptContext(cmd, unit string) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sig:
			signal.Stop(sig)
			fmt.Fprintf(os.Stderr, "blocks %s: interrupted: stopping after this %s and writing a checkpoint (interrupt again to stop at once)\n", cmd, unit)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(sig); cancel() }
}

// listFlag is a flag.Value of comma-separated items, each read by parse
// (empty items are skipped) and written back by format.
type listFlag[T any] struct {
	p      *[]T
	parse  func(string) (T, error)
	format func(T) string
}

func (l listFlag[T]) String() string {
	if l.p == nil {
		return ""
	}
	s := make([]string, len(*l.p))
	for i, v := range *l.p {
		s[i] = l.format(v)
	}
	return strings.Join(s, ",")
}

func (l listFlag[T]) Set(s string) error {
	var vs []T
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := l.parse(f)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	*l.p = vs
	return nil
}

// intList is a flag of comma-separated integers.
func intList(p *[]int) listFlag[int] {
	return listFlag[int]{p, func(f string) (int, error) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", f)
		}
		return v, nil
	}, strconv.Itoa}
}

// floatList is a flag of comma-separated numbers > 0.
func floatList(p *[]float64) listFlag[float64] {
	return listFlag[float64]{p, func(f string) (float64, error) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			return 0, fmt.Errorf("%q is not a number > 0", f)
		}
		return v, nil
	}, func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }}
}
