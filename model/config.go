package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
)

// fileConfig is the JSON held by the "config" key, as written:
//
//	{"layers": [{"arp": 5, "recurrent": true, "adapt": true,
//	             "surrogate": "mg", "detach_spike_grad": true}, …],
//	 "readout": true}
//
// "readout" is written only for a network with a readout.
type fileConfig struct {
	Layers  []layerConfig `json:"layers"`
	Readout bool          `json:"readout,omitempty"`
}

type layerConfig struct {
	ARP             int    `json:"arp"`
	Recurrent       bool   `json:"recurrent"`
	Adapt           bool   `json:"adapt"`
	Surrogate       string `json:"surrogate"`
	DetachSpikeGrad bool   `json:"detach_spike_grad"`
}

// encodeConfig returns the config JSON of net.
func encodeConfig(net *network.Network) string {
	c := fileConfig{Readout: net.Readout != nil}
	for _, l := range net.Layers {
		n := l.Neuron
		c.Layers = append(c.Layers, layerConfig{
			ARP: n.ARP, Recurrent: l.Recurrent(), Adapt: n.Adapt,
			Surrogate: n.Surrogate.String(), DetachSpikeGrad: n.DetachSpikeGrad,
		})
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain structs of ints, bools and strings always marshal
	}
	return string(b)
}

// parsedConfig is the config as read. recurrent and readout are nil
// where the file leaves them out: they are then inferred from the keys.
type parsedConfig struct {
	layers    []neuron.Config
	recurrent []*bool
	readout   *bool
}

var layerFields = []string{"arp", "recurrent", "adapt", "surrogate", "detach_spike_grad"}

// parseConfig reads the config JSON. Missing fields take the defaults
// documented at [Load]; fields present with a wrong type or value are errors naming
// the field.
func parseConfig(s string) (parsedConfig, error) {
	var pc parsedConfig
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid([]byte(s)) {
			return pc, fmt.Errorf("key config: not valid JSON: %v", err)
		}
		return pc, fmt.Errorf(`key config: want a JSON object {"layers": […]}, got %.40s`, s)
	}
	raw, ok := top["layers"]
	if !ok || isNull(raw) {
		return pc, fmt.Errorf(`key config: no "layers" list`)
	}
	var layers []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &layers); err != nil {
		return pc, fmt.Errorf(`key config: "layers" must be a list of objects, got %s`, raw)
	}
	if len(layers) == 0 {
		return pc, fmt.Errorf(`key config: "layers" is empty`)
	}
	for i, m := range layers {
		cfg, rec, err := parseLayer(m, fmt.Sprintf("key config: layers[%d]", i))
		if err != nil {
			return pc, err
		}
		pc.layers = append(pc.layers, cfg)
		pc.recurrent = append(pc.recurrent, rec)
	}
	var err error
	pc.readout, err = optBool(top, "readout", "key config: readout")
	return pc, err
}

// parseLayer reads one layer's object; where names it in errors.
func parseLayer(m map[string]json.RawMessage, where string) (neuron.Config, *bool, error) {
	cfg := neuron.DefaultConfig(0)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(layerFields, k) {
			return cfg, nil, fmt.Errorf("%s: unknown field %q (want %s)", where, k, strings.Join(layerFields, ", "))
		}
	}
	raw, ok := m["arp"]
	if !ok || isNull(raw) {
		return cfg, nil, fmt.Errorf(`%s: no "arp" (the refractory period in steps is required)`, where)
	}
	if err := json.Unmarshal(raw, &cfg.ARP); err != nil || cfg.ARP < 0 {
		return cfg, nil, fmt.Errorf("%s.arp: want a whole number of steps >= 0, got %s", where, raw)
	}
	rec, err := optBool(m, "recurrent", where+".recurrent")
	if err != nil {
		return cfg, nil, err
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"adapt", &cfg.Adapt}, {"detach_spike_grad", &cfg.DetachSpikeGrad}} {
		v, err := optBool(m, f.name, where+"."+f.name)
		if err != nil {
			return cfg, nil, err
		}
		if v != nil {
			*f.dst = *v
		}
	}
	if raw, ok := m["surrogate"]; ok && !isNull(raw) {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return cfg, nil, fmt.Errorf("%s.surrogate: want mg, fast_sigmoid or box_car, got %s", where, raw)
		}
		if cfg.Surrogate, err = neuron.ParseSurrogate(name); err != nil {
			return cfg, nil, fmt.Errorf("%s.surrogate: unknown surrogate %q (want mg, fast_sigmoid or box_car)", where, name)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, nil, fmt.Errorf("%s.arp: %w", where, err)
	}
	return cfg, rec, nil
}

// optBool returns m[name] as a bool, or nil if it is absent or null;
// label names the field in errors.
func optBool(m map[string]json.RawMessage, name, label string) (*bool, error) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s: want true or false, got %s", label, raw)
	}
	return &v, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
