package parallel

import (
	"runtime"
	"slices"
	"sync"
	"testing"
)

func TestForVisitsEachIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 7} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 5, 1000} {
			counts := make([]int32, n)
			For(n, func(i int) { counts[i]++ })
			for i, c := range counts {
				if c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: index %d visited %d times", procs, n, i, c)
				}
			}
		}
	}
}

func TestChunksDependOnlyOnSize(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want [][2]int
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		var mu sync.Mutex
		var got [][2]int
		Chunks(103, 10, func(lo, hi int) {
			mu.Lock()
			got = append(got, [2]int{lo, hi})
			mu.Unlock()
		})
		slices.SortFunc(got, func(a, b [2]int) int { return a[0] - b[0] })
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Fatalf("chunks with GOMAXPROCS %d: %v, want %v", procs, got, want)
		}
	}
	if len(want) != 11 || want[10] != [2]int{100, 103} {
		t.Fatalf("chunks %v", want)
	}
}
