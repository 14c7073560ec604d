package vec

// Callers are responsible for passing consistent lengths; the kernels panic
// (as an out-of-range index would) when an input is too short or a row index
// is out of range. Output slices must not overlap input slices, except that
// ScatterAdd's rows may overlap each other. All kernels add their terms one
// after another in the documented order, rounding each product to float32
// before it is added (a multiply then an add, never a fused multiply-add), so
// the accelerated and the portable implementations agree bit for bit.

// Accelerated reports whether the kernels use a SIMD (AVX-512 or AVX2)
// implementation.
// It is false unless the package was built with GOEXPERIMENT=simd for amd64
// and the CPU supports AVX-512 (F, CD, BW, DQ and VL) or at least AVX2.
func Accelerated() bool { return accelerated }

// Implementation names the kernels in use: "avx512", "avx2" (the SIMD build
// on a CPU without AVX-512) or "generic" (portable Go).
func Implementation() string { return implementation() }

// kernels is one complete implementation of the API; the tests run every
// variant the CPU supports (see variants) against reference loops.
type kernels struct {
	name       string
	add        func(dst, x []float32)
	axpy       func(dst []float32, a float32, x []float32)
	gatherAdd  func(dst, m []float32, stride int, rows []int32)
	gatherAxpy func(dst, m []float32, stride int, rows []int32, vals []float32)
	scatterAdd func(m []float32, stride int, rows []int32, x []float32)
	dot        func(x, y []float32) float32
}

// Add computes dst[j] += x[j] for j < len(dst). x must have at least
// len(dst) elements.
func Add(dst, x []float32) {
	if accelerated {
		addSIMD(dst, x)
		return
	}
	addGeneric(dst, x)
}

// Axpy computes dst[j] += a*x[j] for j < len(dst), rounding the product to
// float32 before the addition. x must have at least len(dst) elements.
func Axpy(dst []float32, a float32, x []float32) {
	if accelerated {
		axpySIMD(dst, a, x)
		return
	}
	axpyGeneric(dst, a, x)
}

// GatherAdd adds the selected rows of the row-major matrix m (row r starts at
// m[r*stride]) to dst: for each j < len(dst),
//
//	dst[j] = ((dst[j] + m[rows[0]*stride+j]) + m[rows[1]*stride+j]) + ...
//
// in the order of rows. Rows may repeat; an empty rows leaves dst unchanged.
// Every row must satisfy 0 <= row and row*stride+len(dst) <= len(m), and
// stride must not be negative.
func GatherAdd(dst, m []float32, stride int, rows []int32) {
	if accelerated {
		gatherAddSIMD(dst, m, stride, rows)
		return
	}
	gatherAddGeneric(dst, m, stride, rows)
}

// GatherAxpy is GatherAdd with a weight per row: for each j < len(dst) and
// for k in order, dst[j] += vals[k]*m[rows[k]*stride+j], each product rounded
// to float32 before it is added. vals must have at least len(rows) elements.
func GatherAxpy(dst, m []float32, stride int, rows []int32, vals []float32) {
	if accelerated {
		gatherAxpySIMD(dst, m, stride, rows, vals)
		return
	}
	gatherAxpyGeneric(dst, m, stride, rows, vals)
}

// ScatterAdd adds x to the selected rows of the row-major matrix m: for each
// k in order, m[rows[k]*stride+j] += x[j] for j < len(x). Rows may repeat
// (the row then receives x once per occurrence) and, if stride < len(x),
// may overlap; the result is always that of the plain loop in that order.
// Every row must satisfy 0 <= row and row*stride+len(x) <= len(m), and
// stride must not be negative.
func ScatterAdd(m []float32, stride int, rows []int32, x []float32) {
	if accelerated {
		scatterAddSIMD(m, stride, rows, x)
		return
	}
	scatterAddGeneric(m, stride, rows, x)
}

// Dot returns the inner product of x and y[:len(x)] (y must have at least
// len(x) elements), computed in this fixed order:
//
//   - 16 lane sums s[0..15], all starting at +0, where lane l accumulates
//     x[i]*y[i] (product rounded, then added) for i = l, l+16, l+32, ...
//     over the first 16*(len(x)/16) elements, in increasing i;
//   - the lanes reduced by halving: s[l] += s[l+8] for l < 8, then
//     s[l] += s[l+4] for l < 4, then s[l] += s[l+2] for l < 2, then
//     r = s[0] + s[1];
//   - the remaining len(x)%16 products added to r one by one in increasing i.
func Dot(x, y []float32) float32 {
	if accelerated {
		return dotSIMD(x, y)
	}
	return dotGeneric(x, y)
}

// maxRow returns the largest row index r for which r*stride+n <= lenM, or
// panics if no row fits or stride is negative. It returns the largest int32 if
// every row fits (stride == 0).
func maxRow(lenM, stride, n int) int {
	if stride < 0 {
		panic("vec: negative stride")
	}
	if n > lenM {
		panic("vec: row length exceeds matrix length")
	}
	if stride == 0 {
		return 1<<31 - 1
	}
	return (lenM - n) / stride
}

// errRow is the panic value of a row index outside the matrix.
const errRow = "vec: row index out of range"

// checkRows panics unless every row r satisfies 0 <= r and
// r*stride+n <= lenM.
func checkRows(lenM, stride, n int, rows []int32) {
	hi := uint32(min(maxRow(lenM, stride, n), 1<<31-1))
	for _, r := range rows {
		if uint32(r) > hi {
			panic(errRow)
		}
	}
}

func addGeneric(dst, x []float32) {
	x = x[:len(dst)]
	j := 0
	for ; j+4 <= len(dst); j += 4 {
		d := dst[j : j+4 : j+4]
		s := x[j : j+4 : j+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; j < len(dst); j++ {
		dst[j] += x[j]
	}
}

func axpyGeneric(dst []float32, a float32, x []float32) {
	x = x[:len(dst)]
	j := 0
	for ; j+4 <= len(dst); j += 4 {
		d := dst[j : j+4 : j+4]
		s := x[j : j+4 : j+4]
		// The float32 conversions forbid fusing into an FMA (Go spec,
		// "Arithmetic operators"), which GOAMD64=v3 would otherwise allow.
		d[0] += float32(a * s[0])
		d[1] += float32(a * s[1])
		d[2] += float32(a * s[2])
		d[3] += float32(a * s[3])
	}
	for ; j < len(dst); j++ {
		dst[j] += float32(a * x[j])
	}
}

func gatherAddGeneric(dst, m []float32, stride int, rows []int32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	checkRows(len(m), stride, n, rows)
	j := 0
	// Eight accumulators in locals (registers) across all rows.
	for ; j+8 <= n; j += 8 {
		d := dst[j : j+8 : j+8]
		a0, a1, a2, a3, a4, a5, a6, a7 := d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
		for _, r := range rows {
			o := int(r)*stride + j
			s := m[o : o+8 : o+8]
			a0 += s[0]
			a1 += s[1]
			a2 += s[2]
			a3 += s[3]
			a4 += s[4]
			a5 += s[5]
			a6 += s[6]
			a7 += s[7]
		}
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = a0, a1, a2, a3, a4, a5, a6, a7
	}
	for ; j < n; j++ {
		a := dst[j]
		for _, r := range rows {
			a += m[int(r)*stride+j]
		}
		dst[j] = a
	}
}

func gatherAxpyGeneric(dst, m []float32, stride int, rows []int32, vals []float32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	vals = vals[:len(rows)]
	checkRows(len(m), stride, n, rows)
	j := 0
	for ; j+8 <= n; j += 8 {
		d := dst[j : j+8 : j+8]
		a0, a1, a2, a3, a4, a5, a6, a7 := d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
		for k, r := range rows {
			v := vals[k]
			o := int(r)*stride + j
			s := m[o : o+8 : o+8]
			a0 += float32(v * s[0])
			a1 += float32(v * s[1])
			a2 += float32(v * s[2])
			a3 += float32(v * s[3])
			a4 += float32(v * s[4])
			a5 += float32(v * s[5])
			a6 += float32(v * s[6])
			a7 += float32(v * s[7])
		}
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = a0, a1, a2, a3, a4, a5, a6, a7
	}
	for ; j < n; j++ {
		a := dst[j]
		for k, r := range rows {
			a += float32(vals[k] * m[int(r)*stride+j])
		}
		dst[j] = a
	}
}

func scatterAddGeneric(m []float32, stride int, rows []int32, x []float32) {
	n := len(x)
	if n == 0 || len(rows) == 0 {
		return
	}
	checkRows(len(m), stride, n, rows)
	for _, r := range rows {
		o := int(r) * stride
		addGeneric(m[o:o+n:o+n], x)
	}
}

func dotGeneric(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s [16]float32
	i := 0
	for ; i+16 <= n; i += 16 {
		a := x[i : i+16 : i+16]
		b := y[i : i+16 : i+16]
		s[0] += float32(a[0] * b[0])
		s[1] += float32(a[1] * b[1])
		s[2] += float32(a[2] * b[2])
		s[3] += float32(a[3] * b[3])
		s[4] += float32(a[4] * b[4])
		s[5] += float32(a[5] * b[5])
		s[6] += float32(a[6] * b[6])
		s[7] += float32(a[7] * b[7])
		s[8] += float32(a[8] * b[8])
		s[9] += float32(a[9] * b[9])
		s[10] += float32(a[10] * b[10])
		s[11] += float32(a[11] * b[11])
		s[12] += float32(a[12] * b[12])
		s[13] += float32(a[13] * b[13])
		s[14] += float32(a[14] * b[14])
		s[15] += float32(a[15] * b[15])
	}
	r := reduce16(&s)
	for ; i < n; i++ {
		r += float32(x[i] * y[i])
	}
	return r
}

// reduce16 sums the 16 lane sums of Dot in the documented halving order.
func reduce16(s *[16]float32) float32 {
	for l := 0; l < 8; l++ {
		s[l] += s[l+8]
	}
	for l := 0; l < 4; l++ {
		s[l] += s[l+4]
	}
	s[0] += s[2]
	s[1] += s[3]
	return s[0] + s[1]
}
