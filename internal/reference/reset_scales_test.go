package reference

// Tests of the reset potential V_r and the K threshold-adaptation time
// scales (issue #8).

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// randomRichNet is randomNet with K adaptation scales (P and B of length
// K·NOut, scale-major) and, when vreset, a raw reset potential drawn in
// [-1.2, 1.1] (so that both clamps of clamp(V_r, -1, 0.999) are hit now
// and then).
func randomRichNet(rng *rand.Rand, method string, nLayers, nIn, nOut, arp, K int, rec, adapt, detach, vreset bool, sur string) Net {
	net := randomNet(rng, method, nLayers, nIn, nOut, arp, rec, adapt, detach, sur)
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	for l := range net.Layers {
		lay := &net.Layers[l]
		lay.Scales = K
		if K == 1 && rng.Intn(2) == 0 {
			lay.Scales = 0 // the default means 1
		}
		lay.P, lay.B = nil, nil
		for range K * nOut {
			p := u(0.3, 0.98)
			if rng.Intn(3) == 0 {
				p = -p // through |p|
			}
			lay.P = append(lay.P, p)
			b := u(0.05, 1.4) / float64(K) // above 1 clamps
			if rng.Intn(3) == 0 {
				b = -b
			}
			lay.B = append(lay.B, b)
		}
		if vreset {
			for range nOut {
				lay.VReset = append(lay.VReset, u(-1.2, 1.1))
			}
		}
	}
	return net
}

// Constant input I = 0.5 (W = 0.5, x ≡ 1), beta = 0.75, V_r = 0.5, no
// adaptation, ARP 2 (L = 3). All values are exact binary fractions.
//
//	t   V                               s  U
//	0   0.5                             0  0.5
//	1   0.375 + 0.5      = 0.875        0  0.875
//	2   0.65625 + 0.5    = 1.15625      1  0.5      (reset to V_r)
//	3   0.375            (refractory)   0  0.375
//	4   0.28125          (refractory)   0  0.28125
//	5   0.2109375 + 0.5  = 0.7109375    0           (beta^3·V_r + I)
//	6   0.533203125+0.5  = 1.033203125  1  0.5
//	7,8 0.375, 0.28125   (refractory)
//	9   0.7109375                       0
//	10  1.033203125                     1
//	11,12 refractory; 13 0.7109375; 14 1.033203125 → spike
//	15  0.375            (refractory)
//
// Spikes at 2, 6, 10, 14 (with V_r = 0 they would be at 2, 7, 12). The
// margin is |1.033203125 - 1|. In blocks (T = 16, 6 blocks, the last
// padded) the spikes sit at positions j1 = 2, 0, 1, 2 of blocks 0, 2, 3,
// 4, so v0 = beta^(L-1-j1)·V_r is exercised for every j1: after the spike
// at t=2, block 1 starts from v0 = V_r (Vn[0] = 0.375 = the refractory
// membrane at t=3); after t=6, block 3 from v0 = beta²·V_r = 0.28125 (Vn[0]
// = 0.7109375 at t=9); after t=10, block 4 from v0 = beta·V_r = 0.375.
//
// Gradient of s[5] (gOut = e_5, fast sigmoid sg, Detach) with respect to
// V_r: the standard simulator has dV[5]/dV_r = beta^3, so
// sg(0.7109375-1)·beta^3. Blocks: t=5 is position 2 of block 1, whose
// s[2] = z[2] - … has dz[2] = 3·df[0] + 2·df[1] + df[2], with Vn[j] =
// beta^(j+1)·V_r + … (v0 = V_r), so
// 3·sg(0.375-1)·beta + 2·sg(0.28125-1)·beta² + sg(0.7109375-1)·beta^3.
func TestHandResetPotential(t *testing.T) {
	const T = 16
	sg := func(x float64) float64 { return 1 / math.Pow(10*math.Abs(x)+1, 2) }
	const beta = 0.75
	gOut := make([]float64, T)
	gOut[5] = 1
	for _, method := range []string{"standard", "blocks"} {
		lay := oneNeuron(0.5, beta, 0.5, 1, 2, false)
		lay.VReset = []float64{0.5}
		net := Net{Method: method, Layers: []Layer{lay}}
		s, err := Forward(net, ones(T), 1, T)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := spikeTimes(s[0]), []int{2, 6, 10, 14}; !slices.Equal(got, want) {
			t.Errorf("%s: spikes at %v, want %v", method, got, want)
		}
		m, _ := Margin(net, ones(T), 1, T)
		if m != 0.033203125 {
			t.Errorf("%s: margin %v, want 0.033203125", method, m)
		}
		g, _, err := Grad(net, ones(T), 1, T, gOut)
		if err != nil {
			t.Fatal(err)
		}
		want := sg(0.7109375-1) * beta * beta * beta
		if method == "blocks" {
			want += 3*sg(0.375-1)*beta + 2*sg(0.28125-1)*beta*beta
		}
		if got := g[0].VReset[0]; math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: dL/dV_r = %.15g, want %.15g", method, got, want)
		}

		// The same neuron resetting to 0 (VReset nil, and V_r = 0).
		for _, vr := range [][]float64{nil, {0}} {
			lay.VReset = vr
			net.Layers[0] = lay
			s, _ := Forward(net, ones(T), 1, T)
			if got, want := spikeTimes(s[0]), []int{2, 7, 12}; !slices.Equal(got, want) {
				t.Errorf("%s V_r %v: spikes at %v, want %v", method, vr, got, want)
			}
		}
	}
}

// TestHandAdaptation's neuron with its adaptation split over two identical
// scales, b = 0.5 + 0.5 instead of 1: every value is still an exact binary
// fraction, so the spikes and the exact tie V = θ at t=2 must survive. The
// same with three scales, b = 0.25 + 0.25 + 0.5.
func TestHandMultiScaleSplit(t *testing.T) {
	const T = 10
	for _, c := range []struct{ p, b []float64 }{
		{[]float64{0.5, -0.5}, []float64{0.5, 0.5}},
		{[]float64{0.5, 0.5, 0.5}, []float64{0.25, -0.25, 0.5}},
	} {
		for _, method := range []string{"standard", "blocks"} {
			lay := oneNeuron(1.5, 0.5, 0, 0, 1, true)
			lay.Scales, lay.P, lay.B = len(c.p), c.p, c.b
			net := Net{Method: method, Layers: []Layer{lay}}
			s, err := Forward(net, ones(T), 1, T)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := spikeTimes(s[0]), []int{0, 3, 6, 9}; !slices.Equal(got, want) {
				t.Errorf("%s K=%d: spikes at %v, want %v", method, lay.Scales, got, want)
			}
			if m, _ := Margin(net, ones(T), 1, T); m != 0 {
				t.Errorf("%s K=%d: margin %v, want exactly 0", method, lay.Scales, m)
			}
		}
	}
}

// The blocks and standard simulators give identical spikes on random rich
// networks: K = 1…3 scales, V_r in [-1, 0.999] (raw values around it), ARP
// 0…6, T never a multiple of L, recurrent and feed-forward, up to float
// rounding flips where |V - θ| is tiny (as TestBlocksEqualsStandardSpikes).
func TestRichBlocksEqualsStandardSpikes(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	steps, spikes, flips, afterSpike := 0, 0, 0, 0
	for seed := range 300 {
		arp := rng.Intn(7)
		L := arp + 1
		T := 1 + rng.Intn(45)
		if T%L == 0 {
			T++
		}
		batch := 1 + rng.Intn(2)
		nIn, nOut, nLayers := 1+rng.Intn(6), 1+rng.Intn(5), 1+rng.Intn(2)
		K := 1 + rng.Intn(3)
		rec, adapt := rng.Intn(3) > 0, rng.Intn(4) > 0
		std := randomRichNet(rng, "standard", nLayers, nIn, nOut, arp, K, rec, adapt, rng.Intn(2) == 0, rng.Intn(5) > 0, "mg")
		x := randomInput(rng, batch*T*nIn, 0.4)
		st, sp, fl, a := compareSimulators(t, std, x, batch, T, fmt.Sprintf("seed %d (K %d, ARP %d, T %d)", seed, K, arp, T))
		steps, spikes, flips = steps+st, spikes+sp, flips+fl
		// Count spikes that follow another spike of the same neuron, i.e.
		// whose timing depended on V_r.
		for l, lay := range std.Layers {
			for bb := range batch {
				for n := range lay.NOut {
					fired := false
					for tt := range T {
						if a[l][(bb*T+tt)*lay.NOut+n] == 1 {
							if fired && lay.VReset != nil {
								afterSpike++
							}
							fired = true
						}
					}
				}
			}
		}
	}
	t.Logf("%d neuron-steps, %d spikes (%d after an earlier spike with a reset potential), %d rounding flips",
		steps, spikes, afterSpike, flips)
	if spikes < steps/50 || afterSpike < spikes/4 {
		t.Errorf("too few spikes (%d of %d, %d after a reset) for a meaningful comparison", spikes, steps, afterSpike)
	}
}

// gradsEqual compares two gradients element by element with a relative
// tolerance (tol = 0: exactly, ==), including the presence of VReset.
func gradsEqual(t *testing.T, what string, ga, gb []LayerGrad, xa, xb []float64, tol float64) {
	t.Helper()
	check := func(name string, a, b []float64) {
		t.Helper()
		if (a == nil) != (b == nil) || len(a) != len(b) {
			t.Fatalf("%s %s: lengths %d (nil %v) and %d (nil %v)", what, name, len(a), a == nil, len(b), b == nil)
		}
		for i := range a {
			if !(math.Abs(a[i]-b[i]) <= tol*(1+math.Abs(a[i]))) {
				t.Fatalf("%s %s[%d]: %.17g vs %.17g", what, name, i, a[i], b[i])
			}
		}
	}
	for l := range ga {
		check(fmt.Sprintf("%d.W", l), ga[l].W, gb[l].W)
		check(fmt.Sprintf("%d.Bias", l), ga[l].Bias, gb[l].Bias)
		check(fmt.Sprintf("%d.Rec", l), ga[l].Rec, gb[l].Rec)
		check(fmt.Sprintf("%d.Beta", l), ga[l].Beta, gb[l].Beta)
		check(fmt.Sprintf("%d.P", l), ga[l].P, gb[l].P)
		check(fmt.Sprintf("%d.B", l), ga[l].B, gb[l].B)
		check(fmt.Sprintf("%d.VReset", l), ga[l].VReset, gb[l].VReset)
	}
	check("x", xa, xb)
}

// With ARP 0 the two simulators' gradient paths coincide in these cases
// (as in TestBlocksEqualsStandardGradARP0, now with V_r and K scales):
//   - Detach, no adaptation: the blocks v0 carry is the standard reset with
//     a detached spike, v0 = V_r after a spike (beta^(L-1-j1) = 1);
//   - no Detach, adaptation with K scales: the blocks carry with spike
//     tangents is a_m = p_m·a_m + s per scale; the contract's value-only v0
//     gate is the standard reset with a detached spike (variant
//     standardResetDetached), and the blocksGateGrad variant (with its V_r
//     part) is the standard contract's undetached reset.
func TestRichBlocksEqualsStandardGradARP0(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	surs := []string{"mg", "fast_sigmoid", "box_car"}
	type pairing struct {
		name       string
		detach     bool
		adapt      bool
		stdV, blkV variant
	}
	pairings := []pairing{
		{"detach, no adaptation", true, false, variant{}, variant{}},
		{"no detach, std reset detached", false, true, variant{standardResetDetached: true}, variant{}},
		{"no detach, blocks gate grad", false, true, variant{}, variant{blocksGateGrad: true}},
	}
	var vrNonzero, vrTotal [2]int
	for seed := range 30 {
		pr := pairings[seed%3]
		T, batch, nIn, nOut := 5+rng.Intn(20), 2, 3, 3
		K := 1 + (seed/3)%3
		std := randomRichNet(rng, "standard", 2, nIn, nOut, 0, K, seed%2 == 0, pr.adapt, pr.detach, true, surs[seed%3])
		blk := std
		blk.Method = "blocks"
		x := randomInput(rng, batch*T*nIn, 0.6)
		gOut := make([]float64, batch*T*nOut)
		for i := range gOut {
			gOut[i] = rng.NormFloat64()
		}
		ga, xa, err := gradVariant(std, x, batch, T, gOut, pr.stdV)
		if err != nil {
			t.Fatal(err)
		}
		gb, xb, err := gradVariant(blk, x, batch, T, gOut, pr.blkV)
		if err != nil {
			t.Fatal(err)
		}
		gradsEqual(t, fmt.Sprintf("seed %d (%s, K %d)", seed, pr.name, K), ga, gb, xa, xb, 1e-9)
		for l := range ga {
			for _, g := range ga[l].VReset {
				vrTotal[l]++
				if g != 0 {
					vrNonzero[l]++
				}
			}
		}
	}
	t.Logf("nonzero V_r gradients compared: layer 0 %d of %d, layer 1 %d of %d", vrNonzero[0], vrTotal[0], vrNonzero[1], vrTotal[1])
	if vrNonzero[0] < vrTotal[0]/3 || vrNonzero[1] < vrTotal[1]/5 {
		t.Errorf("too few nonzero V_r gradients for a meaningful comparison")
	}
}

// K = 1 with VReset all zeros is bitwise today's model (VReset nil): the
// same spikes and the same gradients (==), every variant, both simulators.
// Scales 0 and 1 are the same model too.
func TestVResetZeroEqualsNil(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	variants := []variant{{}, {blocksGateGrad: true}, {standardResetDetached: true}, {blocksCarryDetached: true, recDetached: true}}
	for seed := range 16 {
		method := []string{"standard", "blocks"}[seed%2]
		T, batch, nIn, nOut := 7+rng.Intn(15), 2, 3, 3
		arp := rng.Intn(4)
		base := randomNet(rng, method, 2, nIn, nOut, arp, seed%4 < 2, true, seed%3 == 0, "mg")
		zero := Net{Method: method}
		for _, lay := range base.Layers {
			lay.VReset = make([]float64, lay.NOut)
			lay.Scales = 1
			zero.Layers = append(zero.Layers, lay)
		}
		x := randomInput(rng, batch*T*nIn, 0.4)
		gOut := make([]float64, batch*T*nOut)
		for i := range gOut {
			gOut[i] = rng.NormFloat64()
		}
		sa, err := Forward(base, x, batch, T)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := Forward(zero, x, batch, T)
		if err != nil {
			t.Fatal(err)
		}
		for l := range sa {
			if !slices.Equal(sa[l], sb[l]) {
				t.Fatalf("seed %d layer %d: spikes differ", seed, l)
			}
		}
		v := variants[(seed/2)%len(variants)]
		ga, xa, err := gradVariant(base, x, batch, T, gOut, v)
		if err != nil {
			t.Fatal(err)
		}
		gb, xb, err := gradVariant(zero, x, batch, T, gOut, v)
		if err != nil {
			t.Fatal(err)
		}
		for l := range ga {
			if ga[l].VReset != nil || len(gb[l].VReset) != nOut {
				t.Fatalf("seed %d: VReset gradients %v and %v", seed, ga[l].VReset, gb[l].VReset)
			}
			ga[l].VReset = gb[l].VReset // only their presence differs
		}
		gradsEqual(t, fmt.Sprintf("seed %d (%s, %+v)", seed, method, v), ga, gb, xa, xb, 0)
	}
}

// The dual-number derivatives of every parameter (V_r, every p_m and b_m,
// and the old ones) and of the input against central finite differences, on
// random small networks with K = 1…3 scales and a reset potential: both
// simulators, Detach on and off (with the alternative variants), ARP 0 and
// 3, recurrent and feed-forward.
//
// Finite differences see only the smooth part of the forward pass, so the
// checked quantity is φ = Σ weight·(V - θ) over the decisive comparisons of
// one layer at points where no spike moves, and most cases use the
// zeroSurrogate variant: the surrogate derivative is replaced by 0, the true
// derivative of H away from 0, and every path (including the undetached
// ones, whose surrogate parts are checked by the cross-simulator
// comparisons) becomes checkable. The "real surrogate" cases keep the
// surrogate where the contract lets no spike tangent reach V - θ: blocks
// with Detach, and standard with Detach and no adaptation.
func TestRichDualMatchesFiniteDifference(t *testing.T) {
	type cfg struct {
		method        string
		detach, adapt bool
		arp           int
		v             variant
	}
	var cfgs []cfg
	for _, method := range []string{"standard", "blocks"} {
		for _, detach := range []bool{true, false} {
			for _, arp := range []int{0, 3} {
				alts := []variant{{zeroSurrogate: true}}
				switch {
				case !detach && method == "blocks":
					alts = append(alts, variant{zeroSurrogate: true, blocksGateGrad: true})
				case !detach:
					alts = append(alts, variant{zeroSurrogate: true, standardResetDetached: true})
				}
				for _, v := range alts {
					cfgs = append(cfgs, cfg{method, detach, true, arp, v})
				}
			}
		}
	}
	cfgs = append(cfgs,
		cfg{"blocks", true, true, 0, variant{}}, cfg{"blocks", true, true, 3, variant{}},
		cfg{"standard", true, false, 0, variant{}}, cfg{"standard", true, false, 3, variant{}})

	const nOut = 3
	rng := rand.New(rand.NewSource(14))
	checked := map[string]int{} // nonzero derivatives checked, per parameter
	total := 0
	for ci, c := range cfgs {
		for rep := range 2 {
			K := 1 + (ci+rep)%3
			nIn := 3
			T := 13
			if c.arp == 3 {
				T = 18
			}
			net := randomRichNet(rng, c.method, 2, nIn, nOut, c.arp, K, (ci+rep)%2 == 0, c.adapt, c.detach, true, "mg")
			x := randomInput(rng, T*nIn, 0.5)
			for i := range x { // real-valued input so that it can be perturbed
				x[i] *= 0.5 + rng.Float64()
			}
			xs := sampleInput(x, 0, T, nIn)
			weights := make([]float64, T*nOut)
			for i := range weights {
				weights[i] = rng.NormFloat64()
			}
			fd := fdChecker{t: t, net: net, v: c.v, weights: weights, nOut: nOut}
			what := fmt.Sprintf("cfg %d (%s detach=%v ARP %d %+v) rep %d K %d", ci, c.method, c.detach, c.arp, c.v, rep, K)
			compare := func(name string, l int, elem *Dual, prm []dualParams, in [][]Dual) {
				dphi, smooth := fd.check(what+" "+name, l, elem, prm, in)
				if !smooth {
					return
				}
				total++
				if dphi != 0 {
					checked[name]++
				}
			}
			prm := rawParams(net)
			for l := range net.Layers {
				p := &prm[l]
				for _, pv := range []struct {
					name string
					v    []Dual
				}{{"W", p.W}, {"Bias", p.Bias}, {"Rec", p.Rec}, {"Beta", p.Beta}, {"VReset", p.VReset}} {
					for e := range pv.v {
						compare(pv.name, l, &pv.v[e], prm, xs)
					}
				}
				for e := range p.P { // per scale: P[m*NOut+n]
					m := e / nOut
					compare(fmt.Sprintf("P_%d", m), l, &p.P[e], prm, xs)
					compare(fmt.Sprintf("B_%d", m), l, &p.B[e], prm, xs)
				}
			}
			for tt := range xs {
				for i := range xs[tt] {
					compare("x", 0, &xs[tt][i], prm, xs)
				}
			}
		}
	}
	var line []string
	for _, name := range []string{"W", "Bias", "Rec", "Beta", "VReset", "P_0", "B_0", "P_1", "B_1", "P_2", "B_2", "x"} {
		line = append(line, fmt.Sprintf("%s %d", name, checked[name]))
		if checked[name] < 20 {
			t.Errorf("only %d nonzero %s derivatives checked", checked[name], name)
		}
	}
	t.Logf("%d derivatives checked against finite differences; nonzero: %s", total, strings.Join(line, ", "))
}

func TestRichErrorsAndShapes(t *testing.T) {
	good := func() Net {
		lay := oneNeuron(1, 0.9, 0.9, 1, 2, true)
		lay.NOut, lay.W, lay.Bias, lay.Beta = 2, []float64{1, 0.5}, []float64{0, 0}, []float64{0.9, 0.8}
		lay.Scales, lay.P, lay.B = 3, []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4}, []float64{1, 1, 1, 1, 1, 1}
		lay.VReset = []float64{0.2, -0.3}
		return Net{Method: "blocks", Layers: []Layer{lay}}
	}
	x := ones(5)
	if _, _, err := Grad(good(), x, 1, 5, ones(10)); err != nil {
		t.Fatalf("good net: %v", err)
	}
	cases := map[string]struct {
		mod  func(*Layer)
		want string
	}{
		"negative Scales":  {func(l *Layer) { l.Scales = -1 }, "negative Scales"},
		"P per neuron":     {func(l *Layer) { l.P = l.P[:2] }, "len(P) = 2, want Scales*NOut = 3*2 = 6"},
		"Scales too small": {func(l *Layer) { l.Scales = 2 }, "len(P) = 6, want Scales*NOut = 2*2 = 4"},
		"short B":          {func(l *Layer) { l.B = l.B[:5] }, "len(B) = 5"},
		"short VReset":     {func(l *Layer) { l.VReset = l.VReset[:1] }, "len(VReset) = 1, want 2"},
		"empty VReset":     {func(l *Layer) { l.VReset = []float64{} }, "len(VReset) = 0, want 2"},
	}
	for name, c := range cases {
		for _, method := range []string{"blocks", "standard"} {
			net := good()
			net.Method = method
			c.mod(&net.Layers[0])
			_, err := Forward(net, x, 1, 5)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: Forward error %v, want one containing %q", name, method, err, c.want)
			}
			if _, _, err := Grad(net, x, 1, 5, ones(10)); err == nil {
				t.Errorf("%s %s: Grad: no error", name, method)
			}
			if _, err := Margin(net, x, 1, 5); err == nil {
				t.Errorf("%s %s: Margin: no error", name, method)
			}
		}
	}
	for _, method := range []string{"blocks", "standard"} {
		net := good()
		net.Method = method
		g, _, err := Grad(net, x, 1, 5, ones(10))
		if err != nil {
			t.Fatal(err)
		}
		if len(g[0].P) != 6 || len(g[0].B) != 6 || len(g[0].VReset) != 2 {
			t.Errorf("%s: gradient shapes P %d B %d VReset %d, want 6 6 2", method, len(g[0].P), len(g[0].B), len(g[0].VReset))
		}
		net.Layers[0].VReset = nil
		g, _, _ = Grad(net, x, 1, 5, ones(10))
		if g[0].VReset != nil {
			t.Errorf("%s: VReset gradient %v without VReset", method, g[0].VReset)
		}
	}
}
