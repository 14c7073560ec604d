//go:build !(goexperiment.simd && amd64)

package sim

var (
	blocksForwardRow    = blocksForwardRowGeneric
	standardForwardRow  = standardForwardRowGeneric
	gapRow              = gapRowGeneric
	adaptRow            = adaptRowGeneric
	blocksGradRow       = blocksGradRowGeneric
	standardBackwardRow = standardBackwardRowGeneric
)
