package tensor

import "sync"

// pools holds released buffers by length. Large tensors are allocated on
// every forward and backward pass; reusing them spares the allocator, the
// garbage collector and the page faults of fresh memory.
var pools sync.Map // int → *sync.Pool of *[]float32

func poolFor(n int) *sync.Pool {
	if p, ok := pools.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(n, &sync.Pool{})
	return p.(*sync.Pool)
}

// Get returns a Batch of the given shape whose elements are all zero,
// reusing a buffer given back with [Release] when there is one.
func Get(b, t, n int) Batch {
	x := GetDirty(b, t, n)
	clear(x.Data)
	return x
}

// GetDirty is Get without zeroing: for callers that overwrite every element.
func GetDirty(b, t, n int) Batch {
	size := b * t * n
	if v := poolFor(size).Get(); v != nil {
		return Batch{B: b, T: t, N: n, Data: *(v.(*[]float32))}
	}
	return Batch{B: b, T: t, N: n, Data: make([]float32, size)}
}

// Release gives x's buffer back for reuse. x, and every slice of its
// data, must not be used afterwards.
func Release(x Batch) {
	if cap(x.Data) == 0 {
		return
	}
	d := x.Data[:cap(x.Data)]
	poolFor(len(d)).Put(&d)
}
