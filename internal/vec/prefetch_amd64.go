package vec

import "unsafe"

// Prefetch asks the CPU to bring the memory of x into its caches, one
// request per 64-byte line, without waiting for it: for streams the
// hardware prefetchers do not foresee, such as rows walked backwards in
// time. It never faults and changes no value.
func Prefetch(x []float32) {
	if len(x) > 0 {
		prefetch(unsafe.Pointer(unsafe.SliceData(x)), len(x)*4)
	}
}

//go:noescape
func prefetch(p unsafe.Pointer, n int)
