package reference

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/blocks-snn/blocks/internal/designvec"
)

// vector is one design-vector file converted to this package's layouts.
type vector struct {
	name   string
	meta   designvec.Meta
	net    Net
	x      []float64   // [b][t][i]
	spikes [][]float64 // per layer [b][t][n]
	grads  []LayerGrad // reference gradients
	gOut   []float64   // [b][t][n] = linspace(0.5, 1.5, T)[t]
}

// readArray reads a float32 array and checks its shape.
func readArray(r *npz.Reader, name string, shape ...int) ([]float64, error) {
	key := name + ".npy"
	if !slices.Contains(r.Keys(), key) {
		return nil, fmt.Errorf("%s: missing", name)
	}
	if h := r.Header(key); h == nil || !slices.Equal(h.Descr.Shape, shape) || h.Descr.Fortran {
		return nil, fmt.Errorf("%s: header %v, want shape %v (C order)", name, h, shape)
	}
	var v []float32
	if err := r.Read(key, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out, nil
}

// channelMajorToTimeMajor converts [batch][ch][T] to [batch][T][ch].
func channelMajorToTimeMajor(a []float64, batch, ch, T int) []float64 {
	out := make([]float64, len(a))
	for b := range batch {
		for c := range ch {
			for t := range T {
				out[(b*T+t)*ch+c] = a[(b*ch+c)*T+t]
			}
		}
	}
	return out
}

func loadVector(path string) (*vector, error) {
	v := &vector{name: designvec.Name(path)}
	var err error
	if v.meta, err = designvec.ReadMeta(path); err != nil {
		return nil, err
	}
	m := v.meta
	r, err := npz.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()

	v.net.Method = m.Method
	nIn := m.NIn
	for l := range m.Layers {
		lay := Layer{NIn: nIn, NOut: m.NOut, ARP: m.ARP, Adapt: m.Adapt, Surrogate: m.Surrogate, Detach: m.DetachSpikeGrad}
		g := LayerGrad{}
		type item struct {
			name  string
			param *[]float64
			grad  *[]float64
			shape []int
		}
		items := []item{
			{"_rf_weight", &lay.W, &g.W, []int{m.NOut, 1, nIn, 1}},
			{"_rf_bias", &lay.Bias, &g.Bias, []int{m.NOut}},
			{"_beta", &lay.Beta, &g.Beta, []int{m.NOut}},
			{"_p", &lay.P, &g.P, []int{m.NOut}},
			{"_b", &lay.B, &g.B, []int{m.NOut}},
		}
		if m.Recurrent {
			items = append(items, item{"_rec_weight", &lay.Rec, &g.Rec, []int{m.NOut, m.NOut}})
		}
		for _, it := range items {
			if *it.param, err = readArray(r, fmt.Sprintf("param.%d.%s", l, it.name), it.shape...); err != nil {
				return nil, err
			}
			if *it.grad, err = readArray(r, fmt.Sprintf("grad.%d.%s", l, it.name), it.shape...); err != nil {
				return nil, err
			}
		}
		s, err := readArray(r, fmt.Sprintf("spikes.%d", l), m.Batch, m.NOut, m.T)
		if err != nil {
			return nil, err
		}
		v.spikes = append(v.spikes, channelMajorToTimeMajor(s, m.Batch, m.NOut, m.T))
		v.net.Layers = append(v.net.Layers, lay)
		v.grads = append(v.grads, g)
		nIn = m.NOut
	}
	x, err := readArray(r, "input", m.Batch, m.NIn, m.T)
	if err != nil {
		return nil, err
	}
	v.x = channelMajorToTimeMajor(x, m.Batch, m.NIn, m.T)
	v.gOut = make([]float64, m.Batch*m.T*m.NOut)
	for b := range m.Batch {
		for t := range m.T {
			w := 0.5 + float64(t)/float64(m.T-1) // linspace(0.5, 1.5, T)
			for n := range m.NOut {
				v.gOut[(b*m.T+t)*m.NOut+n] = w
			}
		}
	}
	return v, nil
}

func loadVectors(t *testing.T) []*vector {
	t.Helper()
	paths, err := designvec.Files("../../testdata/design-vectors")
	if err != nil {
		t.Fatal(err)
	}
	var vs []*vector
	for _, p := range paths {
		v, err := loadVector(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func norm(a []float64) float64 {
	s := 0.0
	for _, x := range a {
		s += x * x
	}
	return math.Sqrt(s)
}

// relErr is ‖g - ref‖ / ‖ref‖, or ‖g‖ when ref is all zero.
func relErr(g, ref []float64) float64 {
	d := make([]float64, len(g))
	for i := range g {
		d[i] = g[i] - ref[i]
	}
	if nr := norm(ref); nr > 0 {
		return norm(d) / nr
	}
	return norm(g)
}

// tensorErrs returns the per-tensor relative errors of got against the
// vector's reference gradients, named "l.name".
func (v *vector) tensorErrs(got []LayerGrad) (names []string, errs []float64) {
	for l := range v.grads {
		want, g := v.grads[l], got[l]
		for _, p := range []struct {
			name      string
			got, want []float64
		}{
			{"_rf_weight", g.W, want.W}, {"_rf_bias", g.Bias, want.Bias},
			{"_rec_weight", g.Rec, want.Rec}, {"_beta", g.Beta, want.Beta},
			{"_p", g.P, want.P}, {"_b", g.B, want.B},
		} {
			if p.want == nil && p.got == nil {
				continue
			}
			names = append(names, fmt.Sprintf("%d.%s", l, p.name))
			if len(p.got) != len(p.want) {
				errs = append(errs, math.Inf(1))
				continue
			}
			errs = append(errs, relErr(p.got, p.want))
		}
	}
	return names, errs
}

// TestDesignVectors checks spikes (exactly) and every parameter gradient
// (relative error ≤ 1e-3, or ‖g‖ ≤ 1e-6 for an all-zero reference) against
// testdata/design-vectors.
func TestDesignVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			m := v.meta
			spikes, err := Forward(v.net, v.x, m.Batch, m.T)
			if err != nil {
				t.Fatal(err)
			}
			for l := range spikes {
				bad, total := 0, 0
				for i := range spikes[l] {
					total += int(v.spikes[l][i])
					if spikes[l][i] != v.spikes[l][i] {
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("layer %d: %d spike mismatches (reference has %d spikes)", l, bad, total)
				} else {
					t.Logf("layer %d: spikes exact (%d spikes in %d neuron-steps)", l, total, len(spikes[l]))
				}
			}
			margin, err := Margin(v.net, v.x, m.Batch, m.T)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("margin min|V-θ| = %.3g", margin)

			grads, _, err := Grad(v.net, v.x, m.Batch, m.T, v.gOut)
			if err != nil {
				t.Fatal(err)
			}
			names, errs := v.tensorErrs(grads)
			worst := 0.0
			var line []string
			known, isKnown := designvec.KnownGradMismatch[v.name]
			for i, e := range errs {
				worst = max(worst, e)
				line = append(line, fmt.Sprintf("%s %.2e", names[i], e))
				if (e > 1e-3 || math.IsNaN(e)) && !isKnown {
					t.Errorf("grad %s: relative error %.3g > 1e-3", names[i], e)
				}
			}
			t.Logf("grad rel errors: %s; max %.2e", strings.Join(line, ", "), worst)
			if isKnown {
				t.Skipf("known gradient mismatch (max %.3g): %s", worst, known)
			}
		})
	}
}

// TestDesignVectorsPinVariants documents, for the detach_spike_grad = false
// files, how each alternative choice of the ambiguous gradient paths fares
// against the vectors; the contract (variant{}) must match every file not in
// designvec.KnownGradMismatch.
func TestDesignVectorsPinVariants(t *testing.T) {
	alternatives := []struct {
		name string
		v    variant
	}{
		{"contract", variant{}},
		{"blocks v0 gate carries spike grads", variant{blocksGateGrad: true}},
		{"blocks carry detached", variant{blocksCarryDetached: true}},
		{"recurrent input detached", variant{recDetached: true}},
		{"standard reset detached", variant{standardResetDetached: true}},
	}
	for _, v := range loadVectors(t) {
		if v.meta.DetachSpikeGrad {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			m := v.meta
			for _, alt := range alternatives {
				grads, _, err := gradVariant(v.net, v.x, m.Batch, m.T, v.gOut, alt.v)
				if err != nil {
					t.Fatal(err)
				}
				names, errs := v.tensorErrs(grads)
				worst, at := 0.0, ""
				for i, e := range errs {
					if e > worst || math.IsNaN(e) {
						worst, at = e, names[i]
					}
				}
				t.Logf("%-36s max rel error %.2e (%s)", alt.name, worst, at)
				if _, known := designvec.KnownGradMismatch[v.name]; alt.name == "contract" && !(worst <= 1e-3) && !known {
					t.Errorf("contract variant does not match: %.3g at %s", worst, at)
				}
			}
		})
	}
}
