package reference

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"
	"time"
)

// oneNeuron is a 1-input, 1-neuron layer driven by W·x with x ≡ 1.
func oneNeuron(w, beta, p, b float64, arp int, adapt bool) Layer {
	return Layer{
		NIn: 1, NOut: 1,
		W: []float64{w}, Bias: []float64{0},
		Beta: []float64{beta}, P: []float64{p}, B: []float64{b},
		ARP: arp, Adapt: adapt, Surrogate: "fast_sigmoid", Detach: true,
	}
}

func ones(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 1
	}
	return x
}

func spikeTimes(s []float64) []int {
	var ts []int
	for t, v := range s {
		if v == 1 {
			ts = append(ts, t)
		} else if v != 0 {
			ts = append(ts, -1) // not binary: never expected
		}
	}
	return ts
}

// Constant input 0.6, beta 0.5, no adaptation, ARP 2 (L = 3):
// V = 0.6, 0.9, 1.05 → spike at t=2; t=3,4 refractory (V=0);
// V = 0.6, 0.9, 1.05 → spike at t=7; t=8,9 refractory; 0.6, 0.9.
// For blocks, the spike at t=7 is at position 1 of block 2, so its
// refractory period (t=8, 9) crosses into block 3 (position 0 masked).
func TestHandConstantInputRefractoryAcrossBlocks(t *testing.T) {
	const T = 12
	for _, method := range []string{"standard", "blocks"} {
		net := Net{Method: method, Layers: []Layer{oneNeuron(0.6, 0.5, 0.5, 1, 2, false)}}
		s, err := Forward(net, ones(T), 1, T)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := spikeTimes(s[0]), []int{2, 7}; !slices.Equal(got, want) {
			t.Errorf("%s: spikes at %v, want %v", method, got, want)
		}
		m, err := Margin(net, ones(T), 1, T)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(m-0.05) > 1e-12 {
			t.Errorf("%s: margin %v, want 0.05 (V = 1.05 vs θ = 1)", method, m)
		}
	}
}

// Adaptation, ARP 1 (L = 2), input 1.5, beta = p = 0.5, b = 1:
//
//	t  V     θ          s  a
//	0  1.5   1          1  1
//	1  0     2 (refr.)  0  0.5
//	2  1.5   1.5        0  0.25     (equal is not above: strict >)
//	3  2.25  1.25       1  1.125
//	4  0     (refr.)    0  0.5625
//	5  1.5   1.5625     0  0.28125
//	6  2.25  1.28125    1  1.140625
//	7  0     (refr.)    0  0.5703125
//	8  1.5   1.5703125  0  0.28515625
//	9  2.25  1.28515625 1
//
// All values are exact binary fractions, so t=2 tests V == θ exactly, and
// the blocks carry A_k (with its 1/p) must reproduce θ exactly.
func TestHandAdaptation(t *testing.T) {
	const T = 10
	for _, method := range []string{"standard", "blocks"} {
		net := Net{Method: method, Layers: []Layer{oneNeuron(1.5, 0.5, 0.5, 1, 1, true)}}
		s, err := Forward(net, ones(T), 1, T)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := spikeTimes(s[0]), []int{0, 3, 6, 9}; !slices.Equal(got, want) {
			t.Errorf("%s: spikes at %v, want %v", method, got, want)
		}
		m, _ := Margin(net, ones(T), 1, T)
		if m != 0 {
			t.Errorf("%s: margin %v, want exactly 0 (V = θ = 1.5 at t=2)", method, m)
		}
	}
	// With ARP 0 the same neuron fires at every even step.
	for _, method := range []string{"standard", "blocks"} {
		net := Net{Method: method, Layers: []Layer{oneNeuron(1.5, 0.5, 0.5, 1, 0, true)}}
		s, _ := Forward(net, ones(8), 1, 8)
		if got, want := spikeTimes(s[0]), []int{0, 2, 4, 6}; !slices.Equal(got, want) {
			t.Errorf("%s ARP 0: spikes at %v, want %v", method, got, want)
		}
	}
}

// Gradients worked by hand on a neuron that never fires, fast sigmoid
// surrogate sg(x) = 1/(10|x|+1)^2.
func TestHandGradients(t *testing.T) {
	sg := func(x float64) float64 { return 1 / math.Pow(10*math.Abs(x)+1, 2) }
	close := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", name, got, want)
		}
	}

	// T = 1: V = 0.7·1 + 0.2·0.5 + 0.05 = 0.85, x = V - 1 = -0.15, L = 2·s.
	for _, method := range []string{"standard", "blocks"} {
		lay := Layer{NIn: 2, NOut: 1, W: []float64{0.7, 0.2}, Bias: []float64{0.05},
			Beta: []float64{0.9}, P: []float64{0.9}, B: []float64{0.5},
			ARP: 3, Adapt: true, Surrogate: "fast_sigmoid", Detach: true}
		net := Net{Method: method, Layers: []Layer{lay}}
		g, gx, err := Grad(net, []float64{1, 0.5}, 1, 1, []float64{2})
		if err != nil {
			t.Fatal(err)
		}
		d := 2 * sg(-0.15)
		close(method+" dW0", g[0].W[0], d*1)
		close(method+" dW1", g[0].W[1], d*0.5)
		close(method+" dBias", g[0].Bias[0], d)
		close(method+" dx0", gx[0], d*0.7)
		close(method+" dx1", gx[1], d*0.2)
		close(method+" dBeta", g[0].Beta[0], 0) // U[-1] = 0
		close(method+" dP", g[0].P[0], 0)       // a[-1] = 0
		close(method+" dB", g[0].B[0], 0)
	}

	// T = 2, input current 0.5 then 0.3 (W = 1, x = 0.5, 0.3), beta 0.8:
	// V0 = 0.5 (x0 = -0.5), V1 = 0.8·0.5 + 0.3 = 0.7 (x1 = -0.3).
	// Standard: dL/dbias = g0·sg(x0) + g1·sg(x1)·(1 + beta),
	//           dL/dbeta = g1·sg(x1)·V0.
	// Blocks with L = 2 (one block): s[1] = z[1] - … has dz[1] = 2·df[0] + df[1],
	// so dL/dbias gains g1·2·sg(x0).
	lay := Layer{NIn: 1, NOut: 1, W: []float64{1}, Bias: []float64{0},
		Beta: []float64{0.8}, P: []float64{0.9}, B: []float64{0.5},
		ARP: 1, Surrogate: "fast_sigmoid", Detach: true}
	x := []float64{0.5, 0.3}
	gOut := []float64{1, 1.5}
	x0, x1 := 0.5-1.0, 0.8*0.5+0.3-1.0
	for _, method := range []string{"standard", "blocks"} {
		g, _, err := Grad(Net{Method: method, Layers: []Layer{lay}}, x, 1, 2, gOut)
		if err != nil {
			t.Fatal(err)
		}
		wantBias := gOut[0]*sg(x0) + gOut[1]*sg(x1)*1.8
		if method == "blocks" {
			wantBias += gOut[1] * 2 * sg(x0)
		}
		close(method+" dBias", g[0].Bias[0], wantBias)
		close(method+" dBeta", g[0].Beta[0], gOut[1]*sg(x1)*0.5)
	}

	// Clamps: beta 1.2 is clamped (zero gradient); |p|, |b| pass sign(x).
	lay.Beta = []float64{1.2}
	g, _, _ := Grad(Net{Method: "standard", Layers: []Layer{lay}}, x, 1, 2, gOut)
	close("clamped dBeta", g[0].Beta[0], 0)
}

// randomNet draws a small network; scale keeps a reasonable spike rate.
func randomNet(rng *rand.Rand, method string, nLayers, nIn, nOut, arp int, rec, adapt, detach bool, sur string) Net {
	net := Net{Method: method}
	in := nIn
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	for range nLayers {
		lay := Layer{NIn: in, NOut: nOut, ARP: arp, Adapt: adapt, Surrogate: sur, Detach: detach}
		for range nOut * in {
			lay.W = append(lay.W, u(-1, 1.6)/math.Sqrt(float64(in)))
		}
		for range nOut {
			lay.Bias = append(lay.Bias, u(-0.05, 0.1))
			lay.Beta = append(lay.Beta, u(0.7, 0.98))
			p := u(0.7, 0.98)
			if rng.Intn(3) == 0 {
				p = -p // through |p|
			}
			lay.P = append(lay.P, p)
			b := u(0.05, 1.5) // above 1 clamps
			if rng.Intn(3) == 0 {
				b = -b
			}
			lay.B = append(lay.B, b)
		}
		if rec {
			for range nOut * nOut {
				lay.Rec = append(lay.Rec, u(-0.6, 0.6))
			}
		}
		net.Layers = append(net.Layers, lay)
		in = nOut
	}
	return net
}

func randomInput(rng *rand.Rand, n int, rate float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		if rng.Float64() < rate {
			x[i] = 1
		}
	}
	return x
}

// The blocks and standard simulators must produce identical spike trains
// (DESIGN §3), up to float rounding flips where |V - θ| is tiny.
func TestBlocksEqualsStandardSpikes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	steps, spikes, flips := 0, 0, 0
	for seed := range 300 {
		arp := rng.Intn(6)
		T := 1 + rng.Intn(45)
		batch := 1 + rng.Intn(2)
		nIn, nOut, nLayers := 1+rng.Intn(6), 1+rng.Intn(5), 1+rng.Intn(2)
		rec, adapt := rng.Intn(3) > 0, rng.Intn(3) > 0
		std := randomNet(rng, "standard", nLayers, nIn, nOut, arp, rec, adapt, rng.Intn(2) == 0, "mg")
		x := randomInput(rng, batch*T*nIn, 0.4)
		st, sp, fl, _ := compareSimulators(t, std, x, batch, T, fmt.Sprintf("seed %d", seed))
		steps, spikes, flips = steps+st, spikes+sp, flips+fl
	}
	t.Logf("%d neuron-steps, %d spikes, %d rounding flips", steps, spikes, flips)
	if spikes < steps/50 {
		t.Errorf("too few spikes (%d of %d) for a meaningful comparison", spikes, steps)
	}
}

// compareSimulators runs net (a standard-simulator net) and the same net
// with the blocks simulator on input x and fails the test (what names the
// case) where their spikes differ by more than a rounding flip: a
// comparison within 1e-9 of a threshold. It returns the neuron-steps,
// spikes and flips seen, and the standard simulator's spikes.
func compareSimulators(t *testing.T, net Net, x []float64, batch, T int, what string) (steps, spikes, flips int, a [][]float64) {
	t.Helper()
	blk := net
	blk.Method = "blocks"
	a, err := Forward(net, x, batch, T)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Forward(blk, x, batch, T)
	if err != nil {
		t.Fatal(err)
	}
	for l := range a {
		for i := range a[l] {
			steps++
			spikes += int(a[l][i])
			if a[l][i] != b[l][i] {
				flips++
				ma, _ := Margin(net, x, batch, T)
				mb, _ := Margin(blk, x, batch, T)
				if min(ma, mb) > 1e-9 {
					t.Fatalf("%s: layer %d element %d: standard %v, blocks %v, margins %g %g",
						what, l, i, a[l][i], b[l][i], ma, mb)
				}
			}
		}
	}
	return steps, spikes, flips, a
}

// With ARP 0, no adaptation and detached spikes, the two simulators have the
// same gradient paths (the blocks v0 gate is the standard reset with a
// detached spike, and s = z = f), so their gradients agree.
func TestBlocksEqualsStandardGradARP0(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for seed := range 20 {
		T, batch, nIn, nOut := 5+rng.Intn(20), 2, 3, 4
		std := randomNet(rng, "standard", 2, nIn, nOut, 0, seed%2 == 0, false, true, []string{"mg", "fast_sigmoid", "box_car"}[seed%3])
		blk := std
		blk.Method = "blocks"
		x := randomInput(rng, batch*T*nIn, 0.4)
		gOut := make([]float64, batch*T*nOut)
		for i := range gOut {
			gOut[i] = rng.NormFloat64()
		}
		ga, xa, err := Grad(std, x, batch, T, gOut)
		if err != nil {
			t.Fatal(err)
		}
		gb, xb, err := Grad(blk, x, batch, T, gOut)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, a, b []float64) {
			for i := range a {
				if math.Abs(a[i]-b[i]) > 1e-9*(1+math.Abs(a[i])) {
					t.Fatalf("seed %d %s[%d]: standard %g, blocks %g", seed, name, i, a[i], b[i])
				}
			}
		}
		for l := range ga {
			check("W", ga[l].W, gb[l].W)
			check("Bias", ga[l].Bias, gb[l].Bias)
			check("Rec", ga[l].Rec, gb[l].Rec)
			check("Beta", ga[l].Beta, gb[l].Beta)
		}
		check("x", xa, xb)
	}
}

// Where no spike path carries a surrogate derivative, the membrane margins
// V - θ of a layer are smooth functions of that layer's parameters (and of
// the network input) as long as no spike changes: the dual-number
// derivative must equal a central finite difference. This exercises the
// dual arithmetic, the clamps and abs, the power sums, the v0 carry, and
// for blocks with adaptation the A_k chain with its 1/p.
func TestDualMatchesFiniteDifference(t *testing.T) {
	type cfg struct {
		method      string
		adapt, rec  bool
		arp, T, nIn int
	}
	cfgs := []cfg{
		{"blocks", true, true, 3, 17, 4},  // A_k chain, 1/p, rec (detached), padded tail
		{"blocks", true, false, 5, 23, 3}, // feed-forward, adaptation
		{"blocks", false, true, 0, 15, 3}, // ARP 0
		{"standard", false, true, 2, 19, 4},
	}
	rng := rand.New(rand.NewSource(3))
	checked := 0
	for ci, c := range cfgs {
		for rep := range 3 {
			net := randomNet(rng, c.method, 2, c.nIn, 3, c.arp, c.rec, c.adapt, true, "mg")
			x := randomInput(rng, c.T*c.nIn, 0.5)
			for i := range x { // real-valued input so that it can be perturbed
				x[i] *= 0.5 + rng.Float64()
			}
			xs := sampleInput(x, 0, c.T, c.nIn)
			// phi(l) = Σ weight·(V-θ) over layer l's decisive comparisons.
			weights := make([]float64, c.T*3)
			for i := range weights {
				weights[i] = rng.NormFloat64()
			}
			fd := fdChecker{t: t, net: net, weights: weights, nOut: 3}
			compare := func(name string, l int, elem *Dual, prm []dualParams, in [][]Dual) {
				if _, smooth := fd.check(fmt.Sprintf("cfg %d rep %d %s", ci, rep, name), l, elem, prm, in); smooth {
					checked++
				}
			}
			prm := rawParams(net)
			for l := range net.Layers {
				p := &prm[l]
				for name, v := range map[string][]Dual{"W": p.W, "Bias": p.Bias, "Rec": p.Rec, "Beta": p.Beta, "P": p.P, "B": p.B} {
					for e := range v {
						compare(name, l, &v[e], prm, xs)
					}
				}
			}
			for tt := range xs {
				for i := range xs[tt] {
					compare("x", 0, &xs[tt][i], prm, xs)
				}
			}
		}
	}
	t.Logf("%d derivatives checked against finite differences", checked)
	if checked < 1000 {
		t.Errorf("only %d derivatives checked", checked)
	}
}

// fdChecker compares dual derivatives with central finite differences
// (h = 1e-6) of φ(l) = Σ weight·(V−θ) over layer l's decisive comparisons,
// for net run as v says, with weights [T][nOut] drawn per network.
type fdChecker struct {
	t       *testing.T
	net     Net
	v       variant
	weights []float64
	nOut    int
}

// fdEval is φ(l), its dual derivative and the spike pattern (every
// layer's spikes and decisive comparisons) at one point.
type fdEval struct {
	phi, dphi float64
	spikes    []float64
}

func (c fdChecker) eval(prm []dualParams, in [][]Dual, l int) fdEval {
	outs, err := runNetVariant(c.net, prm, in, 0, c.v)
	if err != nil {
		c.t.Fatal(err)
	}
	var e fdEval
	o := outs[l]
	for tt := range o.pre {
		for n := range o.pre[tt] {
			if o.decisive[tt][n] {
				e.phi += c.weights[tt*c.nOut+n] * o.pre[tt][n].V
				e.dphi += c.weights[tt*c.nOut+n] * o.pre[tt][n].D
			}
		}
	}
	for _, oo := range outs {
		for tt := range oo.s {
			for n := range oo.s[tt] {
				e.spikes = append(e.spikes, oo.s[tt][n].V)
				if oo.decisive[tt][n] {
					e.spikes = append(e.spikes, 2)
				}
			}
		}
	}
	return e
}

// check seeds elem, an element of prm or in, and reports an error named
// what if the dual derivative of φ(l) differs from the finite difference.
// It returns the dual derivative, and smooth = false, checking nothing,
// where a perturbation moves a spike.
func (c fdChecker) check(what string, l int, elem *Dual, prm []dualParams, in [][]Dual) (dphi float64, smooth bool) {
	const h = 1e-6
	v0 := elem.V
	elem.D = 1
	d := c.eval(prm, in, l)
	elem.D = 0
	elem.V = v0 + h
	up := c.eval(prm, in, l)
	elem.V = v0 - h
	dn := c.eval(prm, in, l)
	elem.V = v0
	if !slices.Equal(up.spikes, d.spikes) || !slices.Equal(dn.spikes, d.spikes) {
		return 0, false // a spike moved: not a smooth point
	}
	fd := (up.phi - dn.phi) / (2 * h)
	if math.Abs(fd-d.dphi) > 1e-5*(1+math.Abs(fd)) {
		c.t.Errorf("%s layer %d: dual %.10g, finite difference %.10g", what, l, d.dphi, fd)
	}
	return d.dphi, true
}

func TestAdaptFalseGivesZeroPBGrad(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, method := range []string{"standard", "blocks"} {
		net := randomNet(rng, method, 2, 4, 3, 2, true, false, false, "mg")
		x := randomInput(rng, 20*4, 0.5)
		g, _, err := Grad(net, x, 1, 20, ones(20*3))
		if err != nil {
			t.Fatal(err)
		}
		for l := range g {
			for i := range g[l].P {
				if g[l].P[i] != 0 || g[l].B[i] != 0 {
					t.Errorf("%s layer %d: dP %v dB %v, want 0", method, l, g[l].P, g[l].B)
				}
			}
		}
	}
}

func TestErrors(t *testing.T) {
	good := func() Net {
		return Net{Method: "blocks", Layers: []Layer{oneNeuron(1, 0.9, 0.9, 1, 2, true)}}
	}
	x := ones(5)
	cases := map[string]func() (Net, []float64, int, int){
		"unknown method": func() (Net, []float64, int, int) {
			n := good()
			n.Method = "fast"
			return n, x, 1, 5
		},
		"unknown surrogate": func() (Net, []float64, int, int) {
			n := good()
			n.Layers[0].Surrogate = "sigmoid"
			return n, x, 1, 5
		},
		"negative ARP": func() (Net, []float64, int, int) {
			n := good()
			n.Layers[0].ARP = -1
			return n, x, 1, 5
		},
		"short W": func() (Net, []float64, int, int) {
			n := good()
			n.Layers[0].W = nil
			return n, x, 1, 5
		},
		"bad Rec": func() (Net, []float64, int, int) {
			n := good()
			n.Layers[0].Rec = []float64{1, 2}
			return n, x, 1, 5
		},
		"short Beta": func() (Net, []float64, int, int) {
			n := good()
			n.Layers[0].Beta = []float64{}
			return n, x, 1, 5
		},
		"layer chain": func() (Net, []float64, int, int) {
			n := good()
			l := oneNeuron(1, 0.9, 0.9, 1, 2, true)
			l.NIn, l.W = 2, []float64{1, 1}
			n.Layers = append(n.Layers, l)
			return n, x, 1, 5
		},
		"short x": func() (Net, []float64, int, int) { return good(), x[:4], 1, 5 },
		"no layers": func() (Net, []float64, int, int) {
			return Net{Method: "standard"}, x, 1, 5
		},
		"negative T": func() (Net, []float64, int, int) { return good(), nil, 1, -1 },
	}
	for name, mk := range cases {
		net, xx, batch, T := mk()
		if _, err := Forward(net, xx, batch, T); err == nil {
			t.Errorf("%s: Forward: no error", name)
		}
		if _, err := Margin(net, xx, batch, T); err == nil {
			t.Errorf("%s: Margin: no error", name)
		}
		if _, _, err := Grad(net, xx, batch, T, ones(5)); err == nil {
			t.Errorf("%s: Grad: no error", name)
		}
	}
	if _, _, err := Grad(good(), x, 1, 5, ones(4)); err == nil {
		t.Errorf("short gOut: no error")
	}
}

// The brief's usability target: 2 layers, batch 2, T 60, 10 inputs, 7
// neurons, every gradient, well under a second.
func TestGradSpeed(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, method := range []string{"standard", "blocks"} {
		net := randomNet(rng, method, 2, 10, 7, 5, true, true, false, "mg")
		x := randomInput(rng, 2*60*10, 0.3)
		start := time.Now()
		if _, _, err := Grad(net, x, 2, 60, ones(2*60*7)); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		t.Logf("%s: all gradients in %v", method, el)
		if el > 5*time.Second {
			t.Errorf("%s: Grad took %v", method, el)
		}
	}
}
