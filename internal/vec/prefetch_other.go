//go:build !amd64

package vec

// Prefetch asks the CPU to bring the memory of x into its caches; on this
// architecture it does nothing.
func Prefetch(x []float32) {}
