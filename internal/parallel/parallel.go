// Package parallel runs independent work items on all cores. Items are
// handed out dynamically, so callers keep results independent of the
// number of threads by making every item write only its own outputs and
// by reducing partial results in item order.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n), on up to GOMAXPROCS goroutines,
// and returns when all calls have returned.
func For(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// Chunks splits [0, n) into pieces of at most size elements and calls
// fn(lo, hi) for each, in parallel. The split depends only on n and size.
func Chunks(n, size int, fn func(lo, hi int)) {
	if size < 1 {
		size = 1
	}
	For((n+size-1)/size, func(c int) {
		lo := c * size
		fn(lo, min(lo+size, n))
	})
}

// Split splits [0, n) into one contiguous piece per thread and calls
// fn(lo, hi) for each, in parallel. Use it only where each index's result
// does not depend on which piece it falls in.
func Split(n int, fn func(lo, hi int)) {
	w := max(1, min(runtime.GOMAXPROCS(0), n))
	Chunks(n, (n+w-1)/w, fn)
}
