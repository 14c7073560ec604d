package network

import (
	"testing"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/blocks-snn/blocks/internal/designvec"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// designVector is one file of testdata/design-vectors: a small network
// with its spikes and gradients computed by an independent implementation.
type designVector struct {
	name   string
	method sim.Method
	net    *Network
	input  tensor.Batch
	spikes []tensor.Batch         // per layer, [B][T][N]
	grads  []map[string][]float32 // per layer, by reference name
}

// channelMajor converts between [B][C][T] (the reference's layout) and
// [B][T][C].
func fromChannelMajor(v []float32, b, c, t int) tensor.Batch {
	x := tensor.New(b, t, c)
	for i := range b {
		for j := range c {
			for k := range t {
				x.Data[(i*t+k)*c+j] = v[(i*c+j)*t+k]
			}
		}
	}
	return x
}

func loadDesignVectors(t *testing.T) []designVector {
	t.Helper()
	files, err := designvec.Files("../testdata/design-vectors")
	if err != nil {
		t.Fatal(err)
	}
	var out []designVector
	for _, f := range files {
		m, err := designvec.ReadMeta(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := npz.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		read := func(key string) []float32 {
			var v []float32
			if err := r.Read(key+".npy", &v); err != nil {
				t.Fatalf("%s: %s: %v", f, key, err)
			}
			return v
		}
		meth, err := sim.ParseMethod(m.Method)
		if err != nil {
			t.Fatal(err)
		}
		sur, err := neuron.ParseSurrogate(m.Surrogate)
		if err != nil {
			t.Fatal(err)
		}
		dv := designVector{name: designvec.Name(f), method: meth, net: &Network{}}
		nIn := m.NIn
		for l := range m.Layers {
			p := func(name string) []float32 { return read("param." + itoa(l) + "." + name) }
			layer := &Layer{
				NIn: nIn, NOut: m.NOut,
				Neuron: neuron.Config{ARP: m.ARP, Adapt: m.Adapt, Surrogate: sur, DetachSpikeGrad: m.DetachSpikeGrad},
				W:      p("_rf_weight"), Bias: p("_rf_bias"), Beta: p("_beta"), P: p("_p"), B: p("_b"),
			}
			if m.Recurrent {
				layer.Rec = p("_rec_weight")
			}
			dv.net.Layers = append(dv.net.Layers, layer)
			dv.spikes = append(dv.spikes, fromChannelMajor(read("spikes."+itoa(l)), m.Batch, m.NOut, m.T))
			g := map[string][]float32{}
			for _, name := range []string{"_rf_weight", "_rf_bias", "_beta", "_p", "_b"} {
				g[name] = read("grad." + itoa(l) + "." + name)
			}
			if m.Recurrent {
				g["_rec_weight"] = read("grad." + itoa(l) + "._rec_weight")
			}
			dv.grads = append(dv.grads, g)
			nIn = m.NOut
		}
		dv.input = fromChannelMajor(read("input"), m.Batch, m.NIn, m.T)
		r.Close()
		out = append(out, dv)
	}
	return out
}

func itoa(i int) string { return string(rune('0' + i)) }

// linspaceLoss returns dL/ds for L = Σ s[b,t,n]·w[t], w = linspace(0.5, 1.5, T).
func linspaceLoss(b, t, n int) tensor.Batch {
	g := tensor.New(b, t, n)
	for i := range b {
		for k := range t {
			w := float32(0.5 + float64(k)/float64(t-1))
			for j := range n {
				g.Data[(i*t+k)*n+j] = w
			}
		}
	}
	return g
}

func TestDesignVectors(t *testing.T) {
	for _, dv := range loadDesignVectors(t) {
		t.Run(dv.name, func(t *testing.T) {
			pass, err := dv.net.Forward(dv.input, dv.method)
			if err != nil {
				t.Fatal(err)
			}
			for l, want := range dv.spikes {
				got := pass.Spikes(l)
				for i := range want.Data {
					if got.Data[i] != want.Data[i] {
						t.Fatalf("layer %d: spikes differ at flat index %d: got %v want %v", l, i, got.Data[i], want.Data[i])
					}
				}
			}
			o := pass.Output()
			g, err := pass.Backward(linspaceLoss(o.B, o.T, o.N), false)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for l, want := range dv.grads {
				lg := g.Layers[l]
				got := map[string][]float32{"_rf_weight": lg.W, "_rf_bias": lg.Bias, "_rec_weight": lg.Rec, "_beta": lg.Beta, "_p": lg.P, "_b": lg.B}
				for name, w := range want {
					e := designvec.RelErr(got[name], w)
					worst = max(worst, e)
					if e > 1e-3 && designvec.KnownGradMismatch[dv.name] == "" {
						t.Errorf("layer %d %s: relative error %.2g > 1e-3\n got %v\nwant %v", l, name, e, got[name], w)
					}
				}
			}
			t.Logf("spikes exact; largest gradient relative error %.2g", worst)
			if why := designvec.KnownGradMismatch[dv.name]; why != "" {
				t.Skipf("known gradient mismatch (%.2g): %s", worst, why)
			}
		})
	}
}
