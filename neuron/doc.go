// Package neuron defines the adaptive leaky integrate-and-fire (ALIF) neuron
// with an absolute refractory period: its per-layer hyper-parameters
// ([Config]), its learnable per-neuron parameters and the clamps through
// which they are used ([ClampBeta], [ClampP], [ClampB]), and the surrogate
// derivatives that stand in for the spike's Heaviside step in the backward
// pass ([Surrogate]). It owns the equations of DESIGN §1 and §4; the
// simulators that integrate them live in package sim.
package neuron
