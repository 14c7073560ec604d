// Package vec owns the float32 vector kernels used by the hot loops of the
// spiking-network simulators: element-wise Add and Axpy, the gathered row
// sums GatherAdd and GatherAxpy that implement the input projection of binary
// (or sparse) spike vectors, the scattered row update ScatterAdd used for
// weight gradients, and Dot. Every kernel has a portable pure-Go
// implementation and, when built with GOEXPERIMENT=simd on amd64 and run on a
// CPU with AVX-512, an accelerated implementation using simd/archsimd. Both
// implementations perform exactly the same float32 operations in the same
// order (no fused multiply-add), so results are bitwise identical regardless
// of build flags or machine; Accelerated reports which one is in use.
package vec
