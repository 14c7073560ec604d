//go:build !(goexperiment.simd && amd64)

package sim

var (
	blocksForwardRow    = blocksForwardRowGeneric
	standardForwardRow  = standardForwardRowGeneric
	gapRow              = gapRowGeneric
	adaptRow            = adaptRowGeneric
	blocksCarryRow      = blocksCarryRowGeneric
	blocksSpikeRow      = blocksSpikeRowGeneric
	thresholdRow        = thresholdRowGeneric
	blocksMembraneRow   = blocksMembraneRowGeneric
	blocksGradRow       = blocksGradRowGeneric
	standardBackwardRow = standardBackwardRowGeneric
)
