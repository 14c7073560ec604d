package main

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/blocks-snn/blocks/recording"
)

// FuzzReport parses arbitrary bytes as a report.json of `blocks fit`, as
// `blocks fit merge` reads them: never a panic; an error, or a report that
// writes and reads back the same.
func FuzzReport(f *testing.F) {
	trainGamma := 0.7
	rep := fitReport{
		Dir: "cells/a", Train: []string{"04", "05"}, Method: "blocks", Neuron: "rich", Scales: 2, DT: 0.2,
		Trained: []string{"04"}, Select: "gamma", BestEpoch: 3, Loss: 0.09, TrainGamma: &trainGamma, Seconds: 2.5,
		Params: map[string]any{"beta": 0.9}, MeanNormGamma: 0.8, MeanNormEV: 0.6,
		Scores: []recording.Score{{Stimulus: "00", Gamma: 0.6, Spikes: 900}},
	}
	js, _ := json.Marshal(rep)
	f.Add(js)
	f.Add([]byte(`{"dir": "x", "fit_seconds": -1}`))
	f.Add([]byte(`{"heldout_scores": [{"gamma": null}]}`))
	f.Add([]byte(`{"dir": "x", "best_pooled_train_gamma": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReport(b)
		if err != nil {
			return
		}
		if r.Dir == "" || r.Seconds < 0 {
			t.Fatalf("accepted a report of dir %q, %v s", r.Dir, r.Seconds)
		}
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("an accepted report does not write: %v", err)
		}
		back, err := parseReport(js)
		if err != nil {
			t.Fatalf("a report written does not read back: %v", err)
		}
		js2, _ := json.Marshal(back)
		if !reflect.DeepEqual(js, js2) {
			t.Fatalf("round trip changed the report:\n%s\n%s", js, js2)
		}
	})
}
