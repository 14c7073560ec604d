package network

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/blocks-snn/blocks/internal/designvec"
	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// refReadout is the leaky integrator O[t] = beta·O[t-1] + W·s[t] + bias in
// float64, written directly from DESIGN §1 (s may be any real values).
func refReadout(s []float64, b, t, n int, w, bias, betaRaw []float64) []float64 {
	k := len(bias)
	o := make([]float64, b*t*k)
	for bi := range b {
		for ki := range k {
			beta := math.Min(math.Max(betaRaw[ki], neuron.BetaMin), neuron.BetaMax)
			prev := 0.0
			for ti := range t {
				u := bias[ki]
				for i := range n {
					u += w[ki*n+i] * s[(bi*t+ti)*n+i]
				}
				prev = beta*prev + u
				o[(bi*t+ti)*k+ki] = prev
			}
		}
	}
	return o
}

// TestReadout checks the readout's forward values and its backward pass
// (weights, bias, decay and input spikes) against central finite
// differences of the float64 readout above; the readout is smooth in all
// of them.
func TestReadout(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const nb, nt, n, k = 2, 17, 6, 3
	r := &Readout{NIn: n, NOut: k, W: make([]float32, k*n), Bias: make([]float32, k), Beta: []float32{0.9, 0.5, 1.2}}
	for i := range r.W {
		r.W[i] = float32(rng.NormFloat64())
	}
	for i := range r.Bias {
		r.Bias[i] = float32(rng.NormFloat64() * 0.1)
	}
	x := tensor.New(nb, nt, n)
	for i := range x.Data {
		if rng.Float64() < 0.3 {
			x.Data[i] = 1
		}
	}
	sp := tensor.SparseOf(x)
	out, logits := r.forward(sp)
	want := refReadout(f64(x.Data), nb, nt, n, f64(r.W), f64(r.Bias), f64(r.Beta))
	for i, v := range want {
		if math.Abs(float64(out.Data[i])-v) > 1e-4*(1+math.Abs(v)) {
			t.Fatalf("O[%d] = %v, want %v", i, out.Data[i], v)
		}
	}
	for bi := range nb {
		for ki := range k {
			var sum float64
			for ti := range nt {
				sum += want[(bi*nt+ti)*k+ki]
			}
			if got := float64(logits[bi*k+ki]); math.Abs(got-sum) > 1e-4*(1+math.Abs(sum)) {
				t.Fatalf("logit[%d][%d] = %v, want %v", bi, ki, got, sum)
			}
		}
	}

	gO := tensor.New(nb, nt, k)
	for i := range gO.Data {
		gO.Data[i] = float32(rng.NormFloat64())
	}
	g, gS := r.backward(sp, out, gO)
	loss := func(s, w, bias, beta []float64) float64 {
		o := refReadout(s, nb, nt, n, w, bias, beta)
		var l float64
		for i, v := range o {
			l += v * float64(gO.Data[i])
		}
		return l
	}
	s, w, bias, beta := f64(x.Data), f64(r.W), f64(r.Bias), f64(r.Beta)
	fd := func(v []float64) []float64 {
		g := make([]float64, len(v))
		for i := range v {
			orig := v[i]
			v[i] = orig + 1e-6
			up := loss(s, w, bias, beta)
			v[i] = orig - 1e-6
			down := loss(s, w, bias, beta)
			v[i] = orig
			g[i] = (up - down) / 2e-6
		}
		return g
	}
	for _, c := range []struct {
		name string
		got  []float32
		want []float64
	}{
		{"W", g.W, fd(w)}, {"bias", g.Bias, fd(bias)}, {"beta", g.Beta, fd(beta)}, {"input spikes", gS.Data, fd(s)},
	} {
		if e := designvec.RelErr(c.got, f32(c.want)); e > 1e-4 {
			t.Errorf("%s: relative error %.3g\n got %v\nwant %v", c.name, e, c.got, c.want)
		}
	}
	if g.Beta[2] != 0 {
		t.Errorf("clamped decay has gradient %v, want 0", g.Beta[2])
	}
}

// TestCrossEntropy checks the loss value and its gradient by finite
// differences.
func TestCrossEntropy(t *testing.T) {
	logits := []float32{1, 2, 0.5, -1, 0, 3}
	labels := []int{1, 2}
	loss, g, err := CrossEntropy(logits, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	lse := func(a, b, c float64) float64 { return math.Log(math.Exp(a) + math.Exp(b) + math.Exp(c)) }
	want := (lse(1, 2, 0.5) - 2 + lse(-1, 0, 3) - 3) / 2
	if math.Abs(loss-want) > 1e-6 {
		t.Fatalf("loss %v, want %v", loss, want)
	}
	for i := range logits {
		orig := logits[i]
		logits[i] = orig + 1e-3
		up, _, _ := CrossEntropy(logits, labels, 3)
		logits[i] = orig - 1e-3
		down, _, _ := CrossEntropy(logits, labels, 3)
		logits[i] = orig
		if fd := (up - down) / 2e-3; math.Abs(fd-float64(g[i])) > 1e-4 {
			t.Errorf("gradient[%d] = %v, finite difference %v", i, g[i], fd)
		}
	}
}
