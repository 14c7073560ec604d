// Package tensor holds the two array layouts the simulators exchange:
// [Batch], a dense float32 array of shape [batch][time][channel], and
// [Sparse], the same data as per-step event lists (row-compressed) and
// per-channel event lists (column-compressed), which lets the input
// projections of spiking layers skip the zeros of binary, sparse inputs.
// Batch-major, then time, then channel is the layout of every tensor in
// this module; the reference PyTorch layout [batch][channel][time] is
// converted at the file boundary.
package tensor
