package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The reference implementations below are the obviously correct scalar
// loops; every product is rounded to float32 explicitly (so the compiler may
// not fuse it into an FMA).

func refAdd(dst, x []float32) {
	for j := range dst {
		dst[j] = dst[j] + x[j]
	}
}

func refAxpy(dst []float32, a float32, x []float32) {
	for j := range dst {
		dst[j] = dst[j] + float32(a*x[j])
	}
}

func refGatherAdd(dst, m []float32, stride int, rows []int32) {
	for j := range dst {
		acc := dst[j]
		for _, r := range rows {
			acc = acc + m[int(r)*stride+j]
		}
		dst[j] = acc
	}
}

func refGatherAxpy(dst, m []float32, stride int, rows []int32, vals []float32) {
	for j := range dst {
		acc := dst[j]
		for k, r := range rows {
			acc = acc + float32(vals[k]*m[int(r)*stride+j])
		}
		dst[j] = acc
	}
}

func refScatterAdd(m []float32, stride int, rows []int32, x []float32) {
	for _, r := range rows {
		for j := range x {
			m[int(r)*stride+j] = m[int(r)*stride+j] + x[j]
		}
	}
}

// refDot emulates the documented order of Dot with plain scalar code.
func refDot(x, y []float32) float32 {
	n := len(x)
	full := n / 16 * 16
	var lane [16]float32
	for i := 0; i < full; i++ {
		lane[i%16] = lane[i%16] + float32(x[i]*y[i])
	}
	var h8 [8]float32
	for l := range h8 {
		h8[l] = lane[l] + lane[l+8]
	}
	var h4 [4]float32
	for l := range h4 {
		h4[l] = h8[l] + h8[l+4]
	}
	h2 := [2]float32{h4[0] + h4[2], h4[1] + h4[3]}
	r := h2[0] + h2[1]
	for i := full; i < n; i++ {
		r = r + float32(x[i]*y[i])
	}
	return r
}

// impls lists the dispatched functions, the portable kernels and every SIMD
// variant the CPU can run.
func impls() []kernels {
	list := []kernels{
		{"exported", Add, Axpy, GatherAdd, GatherAxpy, ScatterAdd, Dot},
		{"generic", addGeneric, axpyGeneric, gatherAddGeneric, gatherAxpyGeneric, scatterAddGeneric, dotGeneric},
	}
	return append(list, variants()...)
}

func TestAccelerated(t *testing.T) {
	t.Logf("Accelerated() = %v, Implementation() = %q", Accelerated(), Implementation())
	var names []string
	for _, k := range impls() {
		names = append(names, k.name)
	}
	t.Logf("testing %v", names)
	if Accelerated() != (Implementation() != "generic") {
		t.Errorf("Accelerated() = %v but Implementation() = %q", Accelerated(), Implementation())
	}
}

// randVec returns n random floats of varied magnitudes and signs, so that
// rounding differences between evaluation orders would show up.
func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(20)-10)))
	}
	return v
}

// testLengths lists 0..300 plus a few large lengths.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 511, 512, 513, 1000, 1024, 2047, 4099)
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func clone(v []float32) []float32 { return append([]float32(nil), v...) }

func TestAddAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, im := range impls() {
		for _, n := range testLengths() {
			dst := randVec(rng, n)
			// x may be longer than dst.
			x := randVec(rng, n+rng.IntN(3))
			a := float32(rng.NormFloat64())

			got, want := clone(dst), clone(dst)
			im.add(got, x)
			refAdd(want, x)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s Add n=%d: index %d got %v want %v", im.name, n, i, got[i], want[i])
			}

			got, want = clone(dst), clone(dst)
			im.axpy(got, a, x)
			refAxpy(want, a, x)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s Axpy n=%d: index %d got %v want %v", im.name, n, i, got[i], want[i])
			}
		}
	}
}

// randRows returns k row indices below nrows, with repeats likely.
func randRows(rng *rand.Rand, k, nrows int) []int32 {
	rows := make([]int32, k)
	for i := range rows {
		rows[i] = int32(rng.IntN(nrows))
	}
	if k >= 2 && rng.IntN(2) == 0 {
		rows[k-1] = rows[0] // certain repeat
	}
	return rows
}

type gatherCase struct {
	n, stride, nrows int
	rows             []int32
	m, dst, vals     []float32
}

func gatherCases(rng *rand.Rand) []gatherCase {
	var cs []gatherCase
	for _, n := range testLengths() {
		for rep := 0; rep < 2; rep++ {
			stride := n + rng.IntN(20)
			if rep == 1 && rng.IntN(4) == 0 {
				stride = n // dense
			}
			nrows := 1 + rng.IntN(40)
			var k int
			switch rng.IntN(5) {
			case 0:
				k = 0 // empty rows list
			case 1:
				k = 1
			default:
				k = rng.IntN(120)
			}
			// Leave slack after the last row only sometimes, so the last
			// row's tail sits at the very end of m.
			mlen := (nrows-1)*stride + n
			if rng.IntN(2) == 0 {
				mlen += rng.IntN(17)
			}
			cs = append(cs, gatherCase{
				n: n, stride: stride, nrows: nrows,
				rows: randRows(rng, k, nrows),
				m:    randVec(rng, mlen),
				dst:  randVec(rng, n),
				vals: randVec(rng, k+rng.IntN(2)),
			})
		}
	}
	// A sub-slice of a larger matrix, and stride 0.
	big := randVec(rng, 64*40)
	cs = append(cs,
		gatherCase{n: 37, stride: 64, nrows: 30, rows: randRows(rng, 50, 30), m: big[5 : 5+29*64+37], dst: randVec(rng, 37), vals: randVec(rng, 50)},
		gatherCase{n: 21, stride: 0, nrows: 1, rows: []int32{0, 5, 1000, 0}, m: randVec(rng, 21), dst: randVec(rng, 21), vals: randVec(rng, 4)},
	)
	return cs
}

func TestGatherAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, im := range impls() {
		for _, c := range gatherCases(rng) {
			got, want := clone(c.dst), clone(c.dst)
			im.gatherAdd(got, c.m, c.stride, c.rows)
			refGatherAdd(want, c.m, c.stride, c.rows)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s GatherAdd n=%d stride=%d rows=%d: index %d got %v want %v",
					im.name, c.n, c.stride, len(c.rows), i, got[i], want[i])
			}
		}
	}
}

func TestGatherAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, im := range impls() {
		for _, c := range gatherCases(rng) {
			got, want := clone(c.dst), clone(c.dst)
			im.gatherAxpy(got, c.m, c.stride, c.rows, c.vals)
			refGatherAxpy(want, c.m, c.stride, c.rows, c.vals)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s GatherAxpy n=%d stride=%d rows=%d: index %d got %v want %v",
					im.name, c.n, c.stride, len(c.rows), i, got[i], want[i])
			}
		}
	}
}

func TestScatterAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, im := range impls() {
		for _, c := range gatherCases(rng) {
			got, want := clone(c.m), clone(c.m)
			im.scatterAdd(got, c.stride, c.rows, c.dst)
			refScatterAdd(want, c.stride, c.rows, c.dst)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s ScatterAdd n=%d stride=%d rows=%d: index %d got %v want %v",
					im.name, c.n, c.stride, len(c.rows), i, got[i], want[i])
			}
		}
		// Overlapping rows (stride < len(x)) must follow the plain loop too.
		for _, n := range []int{5, 16, 33, 100, 257} {
			for _, stride := range []int{1, 3, n / 2, n - 1} {
				if stride <= 0 {
					continue
				}
				nrows := 10
				m := randVec(rng, (nrows-1)*stride+n)
				x := randVec(rng, n)
				rows := randRows(rng, 30, nrows)
				got, want := clone(m), clone(m)
				im.scatterAdd(got, stride, rows, x)
				refScatterAdd(want, stride, rows, x)
				if i := sameBits(got, want); i >= 0 {
					t.Fatalf("%s ScatterAdd overlapping n=%d stride=%d: index %d got %v want %v",
						im.name, n, stride, i, got[i], want[i])
				}
			}
		}
	}
}

func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, im := range impls() {
		for _, n := range testLengths() {
			for rep := 0; rep < 3; rep++ {
				x := randVec(rng, n)
				y := randVec(rng, n+rng.IntN(3)) // y may be longer
				got := im.dot(x, y)
				want := refDot(x, y)
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%s Dot n=%d: got %v (%#x) want %v (%#x)", im.name, n, got, math.Float32bits(got), want, math.Float32bits(want))
				}
				var exact, mag float64
				for i := range x {
					p := float64(x[i]) * float64(y[i])
					exact += p
					mag += math.Abs(p)
				}
				// Error bound for recursive float32 summation.
				tol := float64(n+1) * 0x1p-23 * mag
				if math.Abs(float64(got)-exact) > tol {
					t.Fatalf("%s Dot n=%d: got %v, float64 dot %v, tolerance %v", im.name, n, got, exact, tol)
				}
			}
		}
	}
}

// TestDotSignedZero checks the +0 start of the lane sums.
func TestDotSignedZero(t *testing.T) {
	for _, im := range impls() {
		for _, n := range []int{0, 1, 15, 16, 17, 40} {
			x := make([]float32, n)
			y := make([]float32, n)
			for i := range x {
				x[i] = float32(math.Copysign(0, -1))
				y[i] = 1
			}
			got, want := im.dot(x, y), refDot(x, y)
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("%s Dot(-0s) n=%d: got %#x want %#x", im.name, n, math.Float32bits(got), math.Float32bits(want))
			}
		}
	}
}

func TestSpecialValues(t *testing.T) {
	// Infinities, subnormals and overflow behave the same in every
	// implementation (NaN payloads are not compared, only NaN-ness).
	vals := []float32{0, 1, -1, math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 1e-40, 3}
	rng := rand.New(rand.NewPCG(11, 12))
	pick := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = vals[rng.IntN(len(vals))]
		}
		return v
	}
	eq := func(a, b []float32) bool {
		for i := range a {
			an, bn := a[i] != a[i], b[i] != b[i]
			if an != bn || (!an && math.Float32bits(a[i]) != math.Float32bits(b[i])) {
				return false
			}
		}
		return true
	}
	for _, im := range impls() {
		for _, n := range []int{1, 7, 16, 31, 130} {
			m := pick(8 * n)
			rows := randRows(rng, 20, 8)
			rv := pick(20)
			dst := pick(n)
			got, want := clone(dst), clone(dst)
			im.gatherAdd(got, m, n, rows)
			refGatherAdd(want, m, n, rows)
			if !eq(got, want) {
				t.Fatalf("%s GatherAdd special n=%d: got %v want %v", im.name, n, got, want)
			}
			got, want = clone(dst), clone(dst)
			im.gatherAxpy(got, m, n, rows, rv)
			refGatherAxpy(want, m, n, rows, rv)
			if !eq(got, want) {
				t.Fatalf("%s GatherAxpy special n=%d: got %v want %v", im.name, n, got, want)
			}
		}
	}
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	for _, im := range impls() {
		m := make([]float32, 10*16)
		dst := make([]float32, 16)
		mustPanic(im.name+" GatherAdd row too large", func() { im.gatherAdd(dst, m, 16, []int32{0, 10}) })
		mustPanic(im.name+" GatherAdd negative row", func() { im.gatherAdd(dst, m, 16, []int32{-1}) })
		mustPanic(im.name+" GatherAdd row overruns m", func() { im.gatherAdd(make([]float32, 17), m, 16, []int32{9}) })
		mustPanic(im.name+" GatherAxpy short vals", func() { im.gatherAxpy(dst, m, 16, []int32{1, 2}, []float32{1}) })
		mustPanic(im.name+" ScatterAdd row too large", func() { im.scatterAdd(m, 16, []int32{10}, dst) })
		mustPanic(im.name+" Add short x", func() { im.add(dst, make([]float32, 15)) })
		mustPanic(im.name+" Axpy short x", func() { im.axpy(dst, 2, make([]float32, 15)) })
		mustPanic(im.name+" Dot short y", func() { im.dot(dst, make([]float32, 15)) })
		// Widths that run the AVX2 assembly kernels, which check rows as they
		// go: a bad row anywhere in the list panics and leaves dst untouched.
		for _, n := range []int{64, 128, 192, 200} {
			m := make([]float32, 10*n)
			for j := range m {
				m[j] = 1
			}
			for _, bad := range []int32{10, -1, -1 << 31, 1<<31 - 1} {
				dst := make([]float32, n)
				mustPanic(fmt.Sprintf("%s GatherAdd n=%d row %d", im.name, n, bad), func() {
					im.gatherAdd(dst, m, n, []int32{0, 3, bad, 1})
				})
				for j, v := range dst {
					if v != 0 {
						t.Fatalf("%s GatherAdd n=%d row %d: dst[%d] = %v after the panic", im.name, n, bad, j, v)
					}
				}
			}
		}
	}
}

// Prefetch is a hint: it must accept any slice, empty or not, aligned or
// not, and change nothing.
func TestPrefetch(t *testing.T) {
	x := make([]float32, 1000)
	for i := range x {
		x[i] = float32(i)
	}
	Prefetch(nil)
	for _, r := range [][2]int{{0, 0}, {0, 1}, {3, 4}, {5, 133}, {17, 1000}, {999, 1000}} {
		Prefetch(x[r[0]:r[1]])
	}
	for i, v := range x {
		if v != float32(i) {
			t.Fatalf("x[%d] = %v after Prefetch", i, v)
		}
	}
}
