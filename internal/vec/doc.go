// Package vec owns the float32 vector kernels used by the hot loops of the
// spiking-network simulators: element-wise Add and Axpy, the gathered row
// sums GatherAdd and GatherAxpy that implement the input projection of binary
// (or sparse) spike vectors, the scattered row update ScatterAdd used for
// weight gradients, Dot, and the cache hint Prefetch. Every kernel has a
// portable pure-Go implementation and, when built with GOEXPERIMENT=simd on
// amd64, accelerated ones chosen at start-up from the CPU: AVX-512 or AVX2
// through simd/archsimd, with the AVX2 gathers of 64 and 128 floats in
// assembly (vec_avx2_amd64.s). All implementations perform exactly the same
// float32 operations in the same order (no fused multiply-add), so results
// are bitwise identical regardless of build flags or machine; Accelerated
// and Implementation report which one is in use.
package vec
