// Command blocks simulates and trains networks of adaptive leaky
// integrate-and-fire neurons with the exact blocks simulator of Taylor,
// King & Harper (NeurIPS 2023) and the step-by-step standard simulator.
//
// Usage:
//
//	blocks demo [flags]    compare the two simulators on a built-in network
//	blocks bench [flags]   the paper's speed benchmark
//	blocks run [flags]     run a saved model on an input
//	blocks train [flags]   train a network on a spiking dataset
//	blocks eval [flags]    report the accuracy of a saved model
//	blocks fit DIR [flags] fit an adaptive neuron to recordings of a real one
//
// Run "blocks <command> -h" for a command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand: its name, a one-line summary, and its entry
// point, which parses args and writes its results to stdout.
type command struct {
	name, summary string
	run           func(args []string, stdout io.Writer) error
}

var commands = []command{
	{"demo", "compare blocks and standard simulators on a built-in network (default)", runDemo},
	{"bench", "time forward and backward passes over a grid of configurations (DESIGN §5.1)", runBench},
	{"run", "run a saved model on an input file and write spikes (and gradients)", runRun},
	{"train", "train a classifier on a spiking dataset (DESIGN §5.2; default: built-in randman)", runTrain},
	{"eval", "report the accuracy of a saved model on a dataset", runEval},
	{"fit", "fit an adaptive neuron to recorded spike trains (DESIGN §5.3)", runFit},
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "blocks:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	name := "demo"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(args, stdout)
		}
	}
	if name == "help" {
		usage(stderr)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: blocks <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}
