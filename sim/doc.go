// Package sim integrates a layer of adaptive LIF neurons through time with
// either of the two simulators of DESIGN §2–3, and runs their hand-written
// backward passes (§4) from the state the forward pass saved.
//
// [Standard] steps t = 0 … T-1 one after another. [Blocks] cuts time into
// blocks of L = ARP+1 steps, in each of which a neuron fires at most once,
// and computes a whole block from the previous block's carry: the no-reset
// membrane, the adaptation, and the refractory mask. Both produce the same
// spike trains; they differ in the gradients they define (the blocks
// simulator's surrogate reaches every candidate spike of a block).
//
// The package owns only the temporal dynamics and the recurrent
// connections (which are delayed by exactly L steps). Input projections,
// parameter clamps and layer stacking belong to package network.
package sim
