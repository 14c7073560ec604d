package bench

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// MemSource says what a Result's PeakMem measures.
type MemSource string

const (
	// MemRSS is the process's peak resident set size (Linux VmHWM, reset
	// before each job through /proc/self/clear_refs).
	MemRSS MemSource = "rss"
	// MemHeap is the Go heap's peak, sampled every few milliseconds from
	// runtime/metrics: the fallback where VmHWM cannot be reset.
	MemHeap MemSource = "heap"
)

// Label is a short column heading: "peak RSS" or "peak heap".
func (s MemSource) Label() string {
	if s == MemHeap {
		return "peak heap"
	}
	return "peak RSS"
}

// memProbe measures the peak memory of one job.
type memProbe interface {
	start()
	stop() uint64 // peak bytes since start
	source() MemSource
}

// newMemProbe returns the VmHWM probe where resetting it works, and the
// sampling heap probe otherwise.
func newMemProbe() memProbe {
	p := hwmProbe{}
	if p.reset() == nil {
		if _, err := readHWM(); err == nil {
			return p
		}
	}
	return &heapProbe{}
}

// quiesce collects garbage, empties sync.Pools (two cycles) and returns
// freed memory to the OS, so one job's peak does not carry into the next.
func quiesce() {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
}

type hwmProbe struct{}

func (hwmProbe) reset() error { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func (p hwmProbe) start() { p.reset() }

func (hwmProbe) stop() uint64 {
	v, _ := readHWM()
	return v
}

func (hwmProbe) source() MemSource { return MemRSS }

// readHWM returns VmHWM from /proc/self/status in bytes.
func readHWM() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest) // "123456", "kB"
		if len(f) != 2 || string(f[1]) != "kB" {
			break
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, err
		}
		return kb << 10, nil
	}
	return 0, os.ErrNotExist
}

type heapProbe struct {
	mu   sync.Mutex
	peak uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func (h *heapProbe) start() {
	h.peak = heapBytes()
	h.done = make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-tick.C:
				v := heapBytes()
				h.mu.Lock()
				h.peak = max(h.peak, v)
				h.mu.Unlock()
			}
		}
	}()
}

func (h *heapProbe) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return max(h.peak, heapBytes())
}

func (h *heapProbe) source() MemSource { return MemHeap }
