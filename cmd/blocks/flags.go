package main

import (
	"flag"
	"fmt"
	"runtime"
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
