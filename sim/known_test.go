package sim

import (
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// oneNeuron simulates a single neuron with constant input current with
// both methods and returns each method's spike times and trace.
func oneNeuron(t *testing.T, cfg neuron.Config, beta, p, b float32, current []float32) map[Method][]int {
	t.Helper()
	return oneNeuronParams(t, cfg, Params{Beta: []float32{beta}, P: []float32{p}, B: []float32{b}}, current)
}

// oneNeuronParams is oneNeuron for any parameters (the rich neuron's too).
func oneNeuronParams(t *testing.T, cfg neuron.Config, prm Params, current []float32) map[Method][]int {
	t.Helper()
	out := map[Method][]int{}
	for _, m := range []Method{Blocks, Standard} {
		l, err := NewLayer(cfg, prm)
		if err != nil {
			t.Fatal(err)
		}
		cur := tensor.Batch{B: 1, T: len(current), N: 1, Data: slices.Clone(current)}
		tr, err := Forward(m, l, cur)
		if err != nil {
			t.Fatal(err)
		}
		var times []int
		for i, v := range tr.Spikes.Dense().Data {
			if v == 1 {
				times = append(times, i)
			}
		}
		out[m] = times
	}
	return out
}

func constant(v float32, n int) []float32 {
	c := make([]float32, n)
	for i := range c {
		c[i] = v
	}
	return c
}

// With beta = 0.5 and input 0.6 the membrane runs 0.6, 0.9, 1.05: a spike
// every third open step. ARP 3 (L = 4): the spike at t = 2 (position 2 of
// block 0) gates off t = 3 (block 0) and t = 4, 5 (positions 0, 1 of
// block 1); integration restarts at t = 6 and fires at t = 8 (position 0
// of block 2), whose refractory period lies in block 2 only.
func TestRefractoryAcrossBlockBoundary(t *testing.T) {
	cfg := neuron.Config{ARP: 3, Surrogate: neuron.MultiGaussian, DetachSpikeGrad: true}
	got := oneNeuron(t, cfg, 0.5, 0, 1, constant(0.6, 20))
	want := []int{2, 8, 14}
	for m, times := range got {
		if !slices.Equal(times, want) {
			t.Errorf("%v: spikes at %v, want %v", m, times, want)
		}
	}
	// Without the refractory period the neuron fires every third step.
	cfg.ARP = 0
	got = oneNeuron(t, cfg, 0.5, 0, 1, constant(0.6, 12))
	want = []int{2, 5, 8, 11}
	for m, times := range got {
		if !slices.Equal(times, want) {
			t.Errorf("ARP 0, %v: spikes at %v, want %v", m, times, want)
		}
	}
}

// ARP 4 (L = 5), beta 1, input 0.4: the no-reset membrane of block 0 is
// 0.4, 0.8, 1.2, 1.6, 2.0, above threshold from position 2 on; only the
// first candidate, position 2, fires. Block 1 is masked at positions 0, 1
// and integrates 0.4, 0.8, 1.2 at positions 2, 3, 4: the next spike is at
// t = 9, which masks positions 0 … 3 of block 2, and so on.
func TestFirstSpikeOfBlock(t *testing.T) {
	cfg := neuron.Config{ARP: 4, Surrogate: neuron.FastSigmoid, DetachSpikeGrad: true}
	l, err := NewLayer(cfg, Params{Beta: []float32{0.999}, P: []float32{0}, B: []float32{1}})
	if err != nil {
		t.Fatal(err)
	}
	l.Beta[0] = 1 // exact arithmetic for the hand-worked values
	tr, err := Forward(Blocks, l, tensor.Batch{B: 1, T: 10, N: 1, Data: constant(0.4, 10)})
	if err != nil {
		t.Fatal(err)
	}
	vn := tr.V.Data
	for j, want := range []float32{0.4, 0.8, 1.2, 1.6, 2.0} {
		if d := vn[j] - want; d > 1e-6 || d < -1e-6 {
			t.Errorf("Vn[%d] = %v, want %v", j, vn[j], want)
		}
	}
	for j := 5; j < 7; j++ {
		if vn[j] != 0 {
			t.Errorf("masked position t=%d has Vn %v, want 0", j, vn[j])
		}
	}
	sp := tr.Spikes.Dense().Data
	want := []float32{0, 0, 1, 0, 0, 0, 0, 0, 0, 1}
	if !slices.Equal(sp, want) {
		t.Errorf("spikes %v, want %v", sp, want)
	}
}

// Adaptation with p = 0.5, b = 0.5, ARP 1 (L = 2), input 1.2 at t = 0 and
// 3 only, beta 0.5:
//
//	t=0: V 1.2 > θ 1 → spike; a[0] = 1
//	t=1: refractory; a[1] = 0.5                 (block 0 ends: carry a = 0.5)
//	t=2: θ = 1 + 0.5·0.5 = 1.25, V = 0; a = 0.25
//	t=3: θ = 1.125, V = 1.2 > θ → spike; a = 1.125   (block 1 ends: carry 1.125)
//	t=4: refractory, θ = 1.5625; a = 0.5625
//	t=5: θ = 1.28125; a = 0.28125             (block 2 ends, no spike: carry a·p²)
//	t=6: θ = 1.140625
//
// The blocks simulator carries the adaptation across blocks with and
// without a spike and must give the same thresholds at every step, except
// after a neuron's spike inside the same block: its θ[1] leaves out the
// spike at position 0 (DESIGN §3, step 5) and stays 1.
func TestAdaptationCarry(t *testing.T) {
	cfg := neuron.Config{ARP: 1, Adapt: true, Surrogate: neuron.BoxCar, DetachSpikeGrad: true}
	cur := make([]float32, 7)
	cur[0], cur[3] = 1.2, 1.2
	wantTh := []float32{1, 1.5, 1.25, 1.125, 1.5625, 1.28125, 1.140625}
	for _, m := range []Method{Blocks, Standard} {
		l, err := NewLayer(cfg, Params{Beta: []float32{0.5}, P: []float32{0.5}, B: []float32{0.5}})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Forward(m, l, tensor.Batch{B: 1, T: 7, N: 1, Data: slices.Clone(cur)})
		if err != nil {
			t.Fatal(err)
		}
		sp := tr.Spikes.Dense().Data
		if want := []float32{1, 0, 0, 1, 0, 0, 0}; !slices.Equal(sp, want) {
			t.Fatalf("%v: spikes %v, want %v", m, sp, want)
		}
		th := tr.Threshold().Data
		for i, w := range wantTh {
			if m == Blocks && i == 1 {
				w = 1
			}
			if th[i] != w {
				t.Errorf("%v: θ[%d] = %v, want %v", m, i, th[i], w)
			}
		}
	}
}

// The rich neuron's reset potential, V_r = 0.9, with beta 0.5, input 0.6
// and ARP 1 (L = 2): V runs 0.6, 0.9, 1.05 → spike at t = 2 (position 0
// of block 1), reset to 0.9; t = 3 is refractory, V = 0.45 (the carry into
// block 2 is beta^(L-1-j1)·V_r = 0.45); integration resumes from
// beta^(R+1)·V_r: t = 4: 0.225 + 0.6 = 0.825, t = 5: 1.0125 → spike at
// position 1 of block 2 (carry V_r itself, position 0 of block 3 masked):
// t = 6: 0.45, t = 7: 0.825, t = 8: spike, … every third step, where the
// paper's reset to 0 fires every fourth (2, 6, 10).
func TestResetPotential(t *testing.T) {
	cfg := neuron.Config{ARP: 1, Surrogate: neuron.MultiGaussian, DetachSpikeGrad: true, ResetPotential: true}
	prm := Params{Beta: []float32{0.5}, P: []float32{0}, B: []float32{1}, VReset: []float32{0.9}}
	for m, times := range oneNeuronParams(t, cfg, prm, constant(0.6, 12)) {
		if want := []int{2, 5, 8, 11}; !slices.Equal(times, want) {
			t.Errorf("V_r 0.9, %v: spikes at %v, want %v", m, times, want)
		}
	}
	prm.VReset[0] = 0
	for m, times := range oneNeuronParams(t, cfg, prm, constant(0.6, 12)) {
		if want := []int{2, 6, 10}; !slices.Equal(times, want) {
			t.Errorf("V_r 0, %v: spikes at %v, want %v", m, times, want)
		}
	}
}

// Two adaptation scales, p = (0.5, 0.9), b = (0.5, 0.25), beta 0.5, input
// 0.7, ARP 0, θ = 1 + 0.5·a0 + 0.25·a1:
//
//	t=0: V 0.7,     θ 1
//	t=1: V 1.05,    θ 1        → spike; a = (1, 1)
//	t=2: V 0.7,     θ 1.75
//	t=3: V 1.05,    θ 1.475
//	t=4: V 1.225,   θ 1.3275
//	t=5: V 1.3125,  θ 1.24475  → spike; a = (1.0625, 1.6561)
//	t=6…9: V 0.7, 1.05, 1.225, 1.3125 under θ 1.945, 1.638, 1.468, 1.368
//	t=10: V 1.35625, θ 1.3049  → spike
//
// With the first scale alone the second spike would come at t = 4.
func TestAdaptationScales(t *testing.T) {
	cfg := neuron.Config{Adapt: true, Surrogate: neuron.BoxCar, DetachSpikeGrad: true, Scales: 2}
	prm := Params{Beta: []float32{0.5}, P: []float32{0.5, 0.9}, B: []float32{0.5, 0.25}}
	for m, times := range oneNeuronParams(t, cfg, prm, constant(0.7, 11)) {
		if want := []int{1, 5, 10}; !slices.Equal(times, want) {
			t.Errorf("%v: spikes at %v, want %v", m, times, want)
		}
	}
	cfg.Scales = 1
	for m, times := range oneNeuron(t, cfg, 0.5, 0.5, 0.5, constant(0.7, 5)) {
		if want := []int{1, 4}; !slices.Equal(times, want) {
			t.Errorf("one scale, %v: spikes at %v, want %v", m, times, want)
		}
	}
}
