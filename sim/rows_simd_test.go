//go:build goexperiment.simd && amd64

package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// The AVX2 row kernels must reproduce the generic ones bit for bit, on
// every input: the two simulators' spikes and the results of either build
// depend on it.

// rowSizes are the row lengths tried besides random ones in 1 … 300: the
// tails of the 8-wide loop and a typical layer.
var rowSizes = []int{1, 7, 8, 9, 15, 16, 17, 128, 129, 300}

// rowGen draws the inputs. Values come from a coarse dyadic grid (so that
// sums and products are exact and ties v == θ happen), from a normal
// distribution, and from the edge cases: ±0, subnormals, ±1 ± 1 ulp,
// and, if special, NaN and ±Inf.
//
// Where two NaNs with different bits meet in an operation, x86 returns the
// first operand's, and which one that is in the generic code is up to the
// compiler's register allocation (it is not even stable across Go
// releases). So special trials either use only the NaN that x86 itself
// produces (0xffc00000, as for Inf·0), which makes every NaN result
// bitwise determined, or a mix of NaNs, where a NaN result only has to be
// a NaN in both.
type rowGen struct {
	rng     *rand.Rand
	special bool
	nans    []uint32
}

var (
	rowNaNsDefault = []uint32{0xffc00000}
	rowNaNsMixed   = []uint32{0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001}
)

func (g *rowGen) val() float32 {
	r := g.rng
	switch k := r.IntN(20); {
	case k < 8:
		return float32(r.IntN(17)-8) / 4
	case k < 14:
		return float32(r.NormFloat64())
	case k == 14:
		return float32(r.NormFloat64() * 1e-3)
	case k == 15:
		return []float32{0, float32(math.Copysign(0, -1))}[r.IntN(2)]
	case k == 16:
		s := math.Float32frombits(uint32(1 + r.IntN(1<<23-1))) // subnormal
		if r.IntN(2) == 0 {
			s = -s
		}
		return s
	case k == 17:
		return []float32{1, math.Nextafter32(1, 2), math.Nextafter32(1, 0), -1, 0.5, -0.5, 2}[r.IntN(7)]
	default:
		if !g.special || r.IntN(3) == 0 {
			return float32(r.Float64()*2 - 0.5)
		}
		if r.IntN(2) == 0 {
			return math.Float32frombits(g.nans[r.IntN(len(g.nans))])
		}
		return float32(math.Inf(1 - 2*r.IntN(2)))
	}
}

// rate draws a factor in (0, 1) like beta and p, or an arbitrary value.
func (g *rowGen) rate() float32 {
	if g.rng.IntN(4) == 0 {
		return g.val()
	}
	return []float32{0.9, 0.5, 0.75, float32(g.rng.Float64())}[g.rng.IntN(4)]
}

func (g *rowGen) floats(n int, f func() float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = f()
	}
	return s
}

// ints draws refractory masks, firing positions and counters around j.
func (g *rowGen) ints(n int, j int32) []int32 {
	s := make([]int32, n)
	for i := range s {
		switch g.rng.IntN(6) {
		case 0:
			s[i] = -1
		case 1:
			s[i] = 0
		case 2:
			s[i] = j + int32(g.rng.IntN(3)) - 1
		case 3:
			s[i] = 1
		default:
			s[i] = int32(g.rng.IntN(45)) - 2
		}
	}
	return s
}

// flags draws 0/1 indicators (spikes, gates); special adds −0, NaN, 2
// and −1.
func (g *rowGen) flags(n int) []float32 {
	return g.floats(n, func() float32 {
		if g.special && g.rng.IntN(8) == 0 {
			return []float32{float32(math.Copysign(0, -1)), math.Float32frombits(g.nans[0]), 2, -1}[g.rng.IntN(4)]
		}
		return float32(g.rng.IntN(2))
	})
}

// rowState is the argument slices of one kernel call, cloned for the
// generic and the vector kernel.
type rowState struct {
	f   [][]float32
	i   [][]int32
	idx []int32
}

func (s rowState) clone() rowState {
	c := rowState{idx: append(make([]int32, 0, cap(s.idx)), s.idx...)}
	for _, x := range s.f {
		if x == nil {
			c.f = append(c.f, nil)
		} else {
			c.f = append(c.f, slices.Clone(x))
		}
	}
	for _, x := range s.i {
		if x == nil {
			c.i = append(c.i, nil)
		} else {
			c.i = append(c.i, slices.Clone(x))
		}
	}
	return c
}

// sameBits returns the first index where x and y differ (any NaN equals
// any other if anyNaN), or -1.
func sameBits(x, y []float32, anyNaN bool) int {
	if (x == nil) != (y == nil) || len(x) != len(y) {
		return 0
	}
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) && !(anyNaN && x[i] != x[i] && y[i] != y[i]) {
			return i
		}
	}
	return -1
}

// checkRows runs trials of a kernel: draw builds the arguments (and a
// description of the flags), call runs the generic (fast = false) or the
// vector kernel on them.
func checkRows(t *testing.T, name string, draw func(g *rowGen, n int) (rowState, string), call func(fast bool, s *rowState)) {
	t.Helper()
	if !rowsAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(name))))
	for trial := range 3000 {
		n := 1 + rng.IntN(300)
		if trial < 2*len(rowSizes) {
			n = rowSizes[trial%len(rowSizes)]
		}
		g := &rowGen{rng: rng, special: trial%3 != 0, nans: rowNaNsDefault}
		if trial%3 == 2 {
			g.nans = rowNaNsMixed
		}
		s, desc := draw(g, n)
		want, got := s.clone(), s.clone()
		call(false, &want)
		call(true, &got)
		fail := func(what string, k, i int, w, h any) {
			t.Fatalf("%s n=%d special=%v nans=%x %s: %s %d differs at %d: generic %v, avx2 %v", name, n, g.special, g.nans, desc, what, k, i, w, h)
		}
		for k := range want.f {
			if i := sameBits(want.f[k], got.f[k], len(g.nans) > 1); i >= 0 {
				fail("float slice", k, i, fmt.Sprintf("%v (%#x)", want.f[k][i], math.Float32bits(want.f[k][i])), fmt.Sprintf("%v (%#x)", got.f[k][i], math.Float32bits(got.f[k][i])))
			}
		}
		for k := range want.i {
			if !slices.Equal(want.i[k], got.i[k]) {
				i := 0
				for want.i[k][i] == got.i[k][i] {
					i++
				}
				fail("int slice", k, i, want.i[k][i], got.i[k][i])
			}
		}
		if !slices.Equal(want.idx, got.idx) {
			t.Fatalf("%s n=%d special=%v %s: spikes %v, avx2 %v", name, n, g.special, desc, want.idx, got.idx)
		}
	}
}

// startIdx is a spike list that already holds earlier steps' spikes, with
// spare capacity or not.
func startIdx(g *rowGen) []int32 {
	idx := make([]int32, g.rng.IntN(3), 2+g.rng.IntN(40))
	for i := range idx {
		idx[i] = int32(1000 + i)
	}
	return idx
}

func TestBlocksForwardRowAVX2(t *testing.T) {
	var j int32
	var adapt bool
	checkRows(t, "blocksForwardRow", func(g *rowGen, n int) (rowState, string) {
		j, adapt = int32(g.rng.IntN(41)), g.rng.IntN(4) != 0
		f := g.floats
		s := rowState{
			// cur, vOut, v, alpha, post, beta, p, b
			f:   [][]float32{f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.rate), f(n, g.rate), f(n, g.val)},
			i:   [][]int32{g.ints(n, j), g.ints(n, j)},
			idx: startIdx(g),
		}
		return s, fmtFlags("j", j, "adapt", adapt)
	}, func(fast bool, s *rowState) {
		fn := blocksForwardRowGeneric
		if fast {
			fn = blocksForwardRowAVX2
		}
		x := s.f
		s.idx = fn(j, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], s.i[0], s.i[1], adapt, s.idx)
	})
}

func TestStandardForwardRowAVX2(t *testing.T) {
	var arp int32
	var adapt bool
	checkRows(t, "standardForwardRow", func(g *rowGen, n int) (rowState, string) {
		arp, adapt = int32(g.rng.IntN(41)), g.rng.IntN(4) != 0
		f := g.floats
		s := rowState{
			// cur, vOut, u, a, beta, p, b
			f:   [][]float32{f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.rate), f(n, g.rate), f(n, g.val)},
			i:   [][]int32{g.ints(n, arp)},
			idx: startIdx(g),
		}
		return s, fmtFlags("arp", arp, "adapt", adapt)
	}, func(fast bool, s *rowState) {
		fn := standardForwardRowGeneric
		if fast {
			fn = standardForwardRowAVX2
		}
		x := s.f
		s.idx = fn(x[0], x[1], x[2], x[3], x[4], x[5], x[6], s.i[0], arp, adapt, s.idx)
	})
}

func TestGapRowAVX2(t *testing.T) {
	var adapt bool
	checkRows(t, "gapRow", func(g *rowGen, n int) (rowState, string) {
		adapt = g.rng.IntN(2) == 0
		f := g.floats
		s := rowState{f: [][]float32{f(n, g.val), f(n, g.val), nil, nil}} // x, v, a, b
		if adapt || g.rng.IntN(2) == 0 {
			s.f[2], s.f[3] = f(n, g.val), f(n, g.val)
		}
		return s, fmtFlags("adapt", adapt)
	}, func(fast bool, s *rowState) {
		fn := gapRowGeneric
		if fast {
			fn = gapRowAVX2
		}
		fn(s.f[0], s.f[1], s.f[2], s.f[3], adapt)
	})
}

func TestAdaptRowAVX2(t *testing.T) {
	var j int32
	checkRows(t, "adaptRow", func(g *rowGen, n int) (rowState, string) {
		j = int32(1 + g.rng.IntN(40))
		f := g.floats
		// alpha, carry, alphaPrev, carryPrev, p; fired
		return rowState{
			f: [][]float32{f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.rate)},
			i: [][]int32{g.ints(n, j-1)},
		}, fmtFlags("j", j)
	}, func(fast bool, s *rowState) {
		fn := adaptRowGeneric
		if fast {
			fn = adaptRowAVX2
		}
		x := s.f
		fn(x[0], x[1], x[2], x[3], x[4], s.i[0], j)
	})
}

func TestBlocksGradRowAVX2(t *testing.T) {
	var j int32
	var adapt, detach bool
	checkRows(t, "blocksGradRow", func(g *rowGen, n int) (rowState, string) {
		j = int32(g.rng.IntN(41))
		adapt, detach = g.rng.IntN(4) != 0, g.rng.IntN(2) == 0
		f := g.floats
		// gI, accBeta, accP, accB, gNext, gAlpha, gBeta, g1, g2, sg, gs, a, c, vPrev, beta, p, b; mask
		s := rowState{f: [][]float32{f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val),
			f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), nil, f(n, g.rate), f(n, g.rate), f(n, g.rate)},
			i: [][]int32{g.ints(n, j)}}
		if g.rng.IntN(4) != 0 {
			s.f[13] = f(n, g.val)
		}
		return s, fmtFlags("j", j, "adapt", adapt, "detach", detach, "vPrev", s.f[13] != nil)
	}, func(fast bool, s *rowState) {
		fn := blocksGradRowGeneric
		if fast {
			fn = blocksGradRowAVX2
		}
		x := s.f
		a := x[11]
		if !adapt {
			a = nil
		}
		// sg and gs are scratch afterwards: the kernels need not agree on them.
		sg, gs := slices.Clone(x[9]), slices.Clone(x[10])
		fn(j, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], sg, gs, a, x[12], x[13], x[14], x[15], x[16], s.i[0], detach)
	})
}

func TestStandardBackwardRowAVX2(t *testing.T) {
	var detach bool
	checkRows(t, "standardBackwardRow", func(g *rowGen, n int) (rowState, string) {
		detach = g.rng.IntN(2) == 0
		f := g.floats
		// gI, accBeta, accP, accB, gU, ga, sg, gs, v, vPrev, aPrev,
		// spike, spikePrev, open, beta, p, b
		s := rowState{f: [][]float32{
			f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val), f(n, g.val),
			nil, nil, g.flags(n), nil, g.flags(n), f(n, g.rate), f(n, g.rate), f(n, g.val),
		}}
		if g.rng.IntN(4) != 0 {
			s.f[9], s.f[12] = f(n, g.val), g.flags(n)
		}
		if g.rng.IntN(3) != 0 {
			s.f[10] = f(n, g.val)
		}
		return s, fmtFlags("detach", detach, "vPrev", s.f[9] != nil, "aPrev", s.f[10] != nil)
	}, func(fast bool, s *rowState) {
		fn := standardBackwardRowGeneric
		if fast {
			fn = standardBackwardRowAVX2
		}
		x := s.f
		fn(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], x[14], x[15], x[16], detach)
	})
}

// TestRowsDispatch checks that the simulators run the AVX2 kernels on a
// CPU that has AVX2.
func TestRowsDispatch(t *testing.T) {
	if !rowsAVX2 {
		t.Skip("no AVX2")
	}
	for _, k := range []struct {
		name      string
		got, want any
	}{
		{"blocksForwardRow", blocksForwardRow, blocksForwardRowAVX2},
		{"standardForwardRow", standardForwardRow, standardForwardRowAVX2},
		{"gapRow", gapRow, gapRowAVX2},
		{"adaptRow", adaptRow, adaptRowAVX2},
		{"blocksGradRow", blocksGradRow, blocksGradRowAVX2},
		{"standardBackwardRow", standardBackwardRow, standardBackwardRowAVX2},
	} {
		if reflect.ValueOf(k.got).Pointer() != reflect.ValueOf(k.want).Pointer() {
			t.Errorf("%s is not the AVX2 kernel", k.name)
		}
	}
}

// fmtFlags formats name, value pairs.
func fmtFlags(kv ...any) string {
	s := ""
	for i := 0; i+1 < len(kv); i += 2 {
		s += fmt.Sprintf(" %v=%v", kv[i], kv[i+1])
	}
	return s
}

// BenchmarkRows times the generic and AVX2 kernels on a row of 128
// neurons with values like BenchmarkDynamics's (few spikes): go test -run
// x -bench Rows ./sim/
func BenchmarkRows(b *testing.B) {
	const n = 128
	// beta = p = 1, so that no value decays into the subnormals (slow on
	// some CPUs) over the iterations.
	rng := rand.New(rand.NewPCG(1, 2))
	fs := make([][]float32, 17)
	for k := range fs {
		fs[k] = make([]float32, n)
		for i := range fs[k] {
			fs[k][i] = float32(rng.Float64() * 0.5)
		}
	}
	for _, k := range []int{5, 6, 14, 15} { // beta, p
		for i := range fs[k] {
			fs[k][i] = 1
		}
	}
	flags := make([]float32, n)
	flags[3] = 1
	is := [][]int32{make([]int32, n), make([]int32, n)}
	for i := range is[1] {
		is[1][i] = -1
	}
	idx := make([]int32, 0, 64*n)
	for _, fast := range []bool{false, true} {
		name := map[bool]string{false: "generic", true: "avx2"}[fast]
		pick := func(gen, avx any) any {
			if fast {
				return avx
			}
			return gen
		}
		x := fs
		b.Run("blocksForward/"+name, func(b *testing.B) {
			fn := pick(blocksForwardRowGeneric, blocksForwardRowAVX2).(func(int32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []int32, []int32, bool, []int32) []int32)
			v := slices.Clone(x[2])
			for b.Loop() {
				copy(x[2], v)
				idx = fn(3, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], is[0], is[1], true, idx[:0])
			}
		})
		b.Run("standardForward/"+name, func(b *testing.B) {
			fn := pick(standardForwardRowGeneric, standardForwardRowAVX2).(func([]float32, []float32, []float32, []float32, []float32, []float32, []float32, []int32, int32, bool, []int32) []int32)
			for b.Loop() {
				idx = fn(x[0], x[1], x[2], x[3], x[4], x[5], x[6], is[0], 3, true, idx[:0])
			}
		})
		b.Run("gap/"+name, func(b *testing.B) {
			fn := pick(gapRowGeneric, gapRowAVX2).(func([]float32, []float32, []float32, []float32, bool))
			for b.Loop() {
				fn(x[0], x[1], x[2], x[3], true)
			}
		})
		b.Run("blocksGrad/"+name, func(b *testing.B) {
			fn := pick(blocksGradRowGeneric, blocksGradRowAVX2).(func(int32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []float32, []int32, bool))
			for b.Loop() {
				fn(3, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], x[14], x[15], x[16], is[0], true)
			}
		})
		b.Run("standardBackward/"+name, func(b *testing.B) {
			fn := pick(standardBackwardRowGeneric, standardBackwardRowAVX2).(func(gI, accBeta, accP, accB, gU, ga, sg, gs, v, vPrev, aPrev, spike, spikePrev, open, beta, p, b []float32, detach bool))
			for b.Loop() {
				fn(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], flags, flags, flags, x[14], x[15], x[16], true)
			}
		})
	}
}
