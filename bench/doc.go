// Package bench is the synthetic speed benchmark of DESIGN §5.1 (the
// paper's Figure 3): Poisson spike input into recurrent adaptive layers,
// loss = sum of the last layer's spikes, one forward and one backward pass
// timed. It also holds the reference PyTorch implementation's measured
// times, so results can be reported as speed-ups.
package bench
