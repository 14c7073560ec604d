package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
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
