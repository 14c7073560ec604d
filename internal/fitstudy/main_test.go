package main

import (
	"testing"

	"github.com/blocks-snn/blocks/fit"
	"github.com/blocks-snn/blocks/recording"
)

// TestRichIsTheProductNeuron checks the study's "rich" family against the
// neuron `blocks fit --neuron rich` fits: with the same parameters, on a
// real stimulus, the spike trains agree (the study computes in float64,
// the product in float32, so a spike may move by rounding, hence Γ and not
// equality).
func TestRichIsTheProductNeuron(t *testing.T) {
	recs, err := recording.ReadDir("../../testdata/qsnmc2007-challenge-a", dtMS)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fit.RichConfig()
	arp := cfg.ARPSteps(dtMS)
	q := params{iW: 0.15, iBias: 0.02, iBeta: 0.93, iReset: 0.9, iP0: 0.998, iB0: 0.04, iP1: 0.99, iB1: 0.03}
	rich := families[0]
	if rich.name != "rich" {
		t.Fatalf("families[0] is %q", rich.name)
	}
	for _, rec := range recs[:3] {
		net, err := fit.NewNeuron(cfg, dtMS, [][]float64{rec.Current})
		if err != nil {
			t.Fatal(err)
		}
		l := net.Layers[0]
		l.W[0], l.Bias[0], l.Beta[0], l.VReset[0] = float32(q[iW]), float32(q[iBias]), float32(q[iBeta]), float32(q[iReset])
		l.P[0], l.B[0], l.P[1], l.B[1] = float32(q[iP0]), float32(q[iB0]), float32(q[iP1]), float32(q[iB1])
		pred, err := fit.Predict(net, rec.Current)
		if err != nil {
			t.Fatal(err)
		}
		got := rich.simulate(q, rec.Current, arp)
		g := recording.Gamma(pred.Spikes, got, rec.Len(), dtMS, recording.Window)
		t.Logf("%s: product %d spikes, study %d, Γ %.4f", rec.Name, len(pred.Spikes), len(got), g)
		if len(got) < 10 || g < 0.98 {
			t.Errorf("%s: study's rich neuron fires %d spikes, the product's %d, Γ %.4f; want the same train", rec.Name, len(got), len(pred.Spikes), g)
		}
	}
}

// TestRefractoryAndSearch checks that no family fires twice within ARP
// steps, that the pattern search improves on the best random start, and
// that the search is deterministic.
func TestRefractoryAndSearch(t *testing.T) {
	recs, err := recording.ReadDir("../../testdata/qsnmc2007-challenge-a", dtMS)
	if err != nil {
		t.Fatal(err)
	}
	train := stimuli(recs[2:3]) // 05, the sparse stimulus: quick to score
	const arp = 4
	for _, f := range families {
		start, startObj := f.bestStart(train, arp, 20, 1)
		q, obj := f.refine(start, startObj, train, arp)
		if !(obj > startObj) || obj != f.objective(q, train, arp) {
			t.Errorf("%s: objective %g after the pattern search, %g before", f.name, obj, startObj)
		}
		if again, _ := f.search(train, arp, 20, 1); again != q {
			t.Errorf("%s: the search is not deterministic", f.name)
		}
		s := f.simulate(q, train[0].Current, arp)
		for i := 1; i < len(s); i++ {
			if s[i]-s[i-1] <= arp {
				t.Fatalf("%s: spikes at %d and %d, within the refractory period", f.name, s[i-1], s[i])
			}
		}
		t.Logf("%s on 05: objective %.3f → %.3f, %d spikes vs %.0f", f.name, startObj, obj, len(s), train[0].MeanCount())
	}
}
