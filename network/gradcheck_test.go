package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/blocks-snn/blocks/internal/designvec"
	"github.com/blocks-snn/blocks/internal/reference"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

func f64(v []float32) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// referenceNet converts a network to the dual-number reference's description.
func referenceNet(net *Network, m sim.Method) reference.Net {
	rn := reference.Net{Method: m.String()}
	for _, l := range net.Layers {
		rn.Layers = append(rn.Layers, reference.Layer{
			NIn: l.NIn, NOut: l.NOut,
			W: f64(l.W), Bias: f64(l.Bias), Rec: f64(l.Rec),
			Beta: f64(l.Beta), P: f64(l.P), B: f64(l.B), VReset: f64(l.VReset),
			Scales: l.Neuron.Scales, ARP: l.Neuron.ARP, Adapt: l.Neuron.Adapt,
			Surrogate: l.Neuron.Surrogate.String(), Detach: l.Neuron.DetachSpikeGrad,
		})
	}
	return rn
}

// TestGradientsAgainstReference checks both backward passes against the
// slow dual-number implementation of the same equations
// (internal/reference) for every parameter and the input: every
// surrogate, detach on and off, ARP 0 and > 0, recurrent and
// feed-forward, with T not a multiple of L and a random output gradient.
func TestGradientsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var checked, skipped int
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		for _, sur := range allSurrogates {
			for _, detach := range []bool{true, false} {
				for _, arp := range []int{0, 1, 4} {
					for _, rec := range []bool{false, true} {
						name := fmt.Sprintf("%v/%v/detach=%v/arp=%d/rec=%v", m, sur, detach, arp, rec)
						for rep := 0; rep < 2; rep++ {
							rc := randomNet(rng, caseOptions{maxARP: 0, maxT: 30, maxN: 5, maxIn: 5, maxBatch: 2, maxLayers: 2, dense: true, surrogates: allSurrogates})
							for i, l := range rc.net.Layers {
								l.Neuron = neuron.Config{ARP: arp, Adapt: rep == 0 || i == 0, Surrogate: sur, DetachSpikeGrad: detach}
								if !rec {
									l.Rec = nil
								} else if l.Rec == nil {
									l.Rec = make([]float32, l.NOut*l.NOut)
									for j := range l.Rec {
										l.Rec[j] = float32(rng.Float64() - 0.5)
									}
								}
							}
							if rc.input.T%(arp+1) == 0 {
								rc.input = extendT(rc.input)
							}
							if gradCase(t, name, rc, m) {
								checked++
							} else {
								skipped++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d cases checked, %d skipped for a float32/float64 rounding flip", checked, skipped)
	if skipped > checked/10 {
		t.Fatalf("too many cases skipped: %d of %d", skipped, checked+skipped)
	}
}

// TestRichGradientsAgainstReference is TestGradientsAgainstReference for
// the rich neuron: 1–3 adaptation scales and a reset potential (raw
// values across and beyond its clamp), whose gradients are checked too.
func TestRichGradientsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var checked, skipped, vResetSeen int
	for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
		for _, sur := range allSurrogates {
			for _, detach := range []bool{true, false} {
				for _, arp := range []int{0, 1, 4} {
					name := fmt.Sprintf("rich/%v/%v/detach=%v/arp=%d", m, sur, detach, arp)
					for rep := range 3 {
						rc := randomNet(rng, caseOptions{maxARP: 0, maxT: 30, maxN: 5, maxIn: 5, maxBatch: 2, maxLayers: 2, dense: true, surrogates: allSurrogates, rich: true})
						for i, l := range rc.net.Layers {
							l.Neuron.ARP, l.Neuron.Surrogate, l.Neuron.DetachSpikeGrad = arp, sur, detach
							l.Neuron.Adapt = rep < 2 || i == 0
							if rep == 0 && l.Rec == nil {
								l.Rec = make([]float32, l.NOut*l.NOut)
								for j := range l.Rec {
									l.Rec[j] = float32(rng.Float64() - 0.5)
								}
							}
						}
						if rc.input.T%(arp+1) == 0 {
							rc.input = extendT(rc.input)
						}
						if gradCaseStats(t, name, rc, m, &vResetSeen) {
							checked++
						} else {
							skipped++
						}
					}
				}
			}
		}
	}
	t.Logf("%d cases checked (%d layers with a non-zero V_r gradient), %d skipped for a float32/float64 rounding flip", checked, vResetSeen, skipped)
	if skipped > checked/10 {
		t.Fatalf("too many cases skipped: %d of %d", skipped, checked+skipped)
	}
	if vResetSeen < checked/2 {
		t.Fatalf("only %d of %d cases have a non-zero reset-potential gradient", vResetSeen, checked)
	}
}

// absErr returns the Euclidean norm of got − want.
func absErr(got []float32, want []float64) float64 {
	var d float64
	for i, w := range want {
		d += (float64(got[i]) - w) * (float64(got[i]) - w)
	}
	return math.Sqrt(d)
}

// extendT appends one step of zero input.
func extendT(x tensor.Batch) tensor.Batch {
	y := tensor.New(x.B, x.T+1, x.N)
	for b := range x.B {
		copy(y.Data[b*(x.T+1)*x.N:], x.Sample(b))
	}
	return y
}

// gradCase compares one case; it returns false if the case was skipped
// because float64 and float32 disagree on a spike within rounding.
func gradCase(t *testing.T, name string, rc randomCase, m sim.Method) bool {
	return gradCaseStats(t, name, rc, m, nil)
}

// gradCaseStats is gradCase that also counts, into vResetSeen (if not
// nil), the layers whose reset-potential gradient is not negligible.
func gradCaseStats(t *testing.T, name string, rc randomCase, m sim.Method, vResetSeen *int) bool {
	t.Helper()
	net, x := rc.net, rc.input
	pass, err := net.Forward(x, m)
	if err != nil {
		t.Fatal(err)
	}
	rn := referenceNet(net, m)
	xr := f64(x.Data)
	refSpikes, err := reference.Forward(rn, xr, x.B, x.T)
	if err != nil {
		t.Fatal(err)
	}
	for l := range net.Layers {
		got := pass.Spikes(l).Data
		for i, v := range refSpikes[l] {
			if float32(v) != got[i] {
				if mg, _ := reference.Margin(rn, xr, x.B, x.T); mg < 1e-4 {
					return false
				}
				t.Fatalf("%s: layer %d spikes differ from the reference at %d", name, l, i)
			}
		}
	}
	o := pass.Output()
	gOut := tensor.New(o.B, o.T, o.N)
	rng := rand.New(rand.NewPCG(uint64(len(x.Data)), 9))
	for i := range gOut.Data {
		gOut.Data[i] = float32(rng.NormFloat64())
	}
	g, err := pass.Backward(gOut, true)
	if err != nil {
		t.Fatal(err)
	}
	refLayers, refInput, err := reference.Grad(rn, xr, x.B, x.T, f64(gOut.Data))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got []float32, want []float64) {
		// A gradient that is exactly zero can come out of the reference as
		// float64 rounding residue (its carry A = a/p multiplies by 1/p and
		// p again, leaving ~1e-20): below 1e-12 in norm, both are zero.
		if e := designvec.RelErr(got, f32(want)); e > 1e-3 && absErr(got, want) > 1e-12 {
			t.Errorf("%s: %s: relative error %.3g > 1e-3\n got %v\nwant %v", name, what, e, got, want)
		}
	}
	for l, rg := range refLayers {
		lg := g.Layers[l]
		check(fmt.Sprintf("layer %d W", l), lg.W, rg.W)
		check(fmt.Sprintf("layer %d bias", l), lg.Bias, rg.Bias)
		check(fmt.Sprintf("layer %d beta", l), lg.Beta, rg.Beta)
		check(fmt.Sprintf("layer %d p", l), lg.P, rg.P)
		check(fmt.Sprintf("layer %d b", l), lg.B, rg.B)
		if rg.Rec != nil {
			check(fmt.Sprintf("layer %d rec", l), lg.Rec, rg.Rec)
		}
		if (rg.VReset == nil) != (lg.VReset == nil) {
			t.Fatalf("%s: layer %d: reset-potential gradient %v, reference %v", name, l, lg.VReset, rg.VReset)
		}
		if rg.VReset != nil {
			check(fmt.Sprintf("layer %d v_reset", l), lg.VReset, rg.VReset)
			if vResetSeen != nil && absErr(make([]float32, len(rg.VReset)), rg.VReset) > 1e-6 {
				*vResetSeen++
			}
		}
	}
	check("input", g.Input.Data, refInput)
	return true
}
