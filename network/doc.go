// Package network stacks adaptive LIF layers into a network and differentiates it:
// parameters in the reference implementation's naming and layout
// ([Layer], [Readout]), their initialisation (DESIGN §1), the input
// projections (event-driven for binary spike input), the forward pass with
// either simulator ([Network.Forward]) and the backward pass that turns
// any output gradient into gradients for every parameter and the input
// ([Pass.Backward]). The temporal dynamics themselves are package sim's.
package network
