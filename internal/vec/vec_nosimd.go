//go:build !(goexperiment.simd && amd64)

package vec

const accelerated = false

func implementation() string { return "generic" }

func variants() []kernels { return nil }

// These are never called (accelerated is the constant false); they exist so
// that the dispatch in vec.go compiles without the SIMD implementation.

func addSIMD(dst, x []float32)                       { addGeneric(dst, x) }
func axpySIMD(dst []float32, a float32, x []float32) { axpyGeneric(dst, a, x) }
func gatherAddSIMD(dst, m []float32, stride int, rows []int32) {
	gatherAddGeneric(dst, m, stride, rows)
}
func gatherAxpySIMD(dst, m []float32, stride int, rows []int32, vals []float32) {
	gatherAxpyGeneric(dst, m, stride, rows, vals)
}
func scatterAddSIMD(m []float32, stride int, rows []int32, x []float32) {
	scatterAddGeneric(m, stride, rows, x)
}
func dotSIMD(x, y []float32) float32 { return dotGeneric(x, y) }
