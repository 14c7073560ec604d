package model

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
)

// The fuzz targets of the model package: every reader of outside data
// (.npy arrays, .npz model files, the config JSON) must return an error
// or a consistent result, never panic or allocate more than the input
// can hold. Seeds are added here; regressions live in
// testdata/fuzz/<FuzzName>/ and run with plain `go test`.

// FuzzReadNpy decodes arbitrary bytes as an .npy array. On success the
// array re-saved as float32 reads back identically.
func FuzzReadNpy(f *testing.F) {
	f.Add(npyBytes("<f4", "(2, 3)", false, make([]byte, 24)))
	f.Add(npyBytes("<f8", "(2, 2)", true, f64(1, 2, 3, 4)))
	f.Add(npyBytes(">f8", "(1,)", false, []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}))
	f.Add(npyBytes("<U3", "(1,)", false, utf32le("abc")))
	f.Add(npyBytes("|S2", "()", false, []byte("hi")))
	f.Add(npyBytes("<f4", "(1000000, 1000000)", false, nil))
	f.Add(npyBytes("<f4", "(0, 7)", false, nil))
	if b, err := os.ReadFile("testdata/bigendian.npy"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := readNpy(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if n := lenOf(d.data); n < 0 {
			t.Fatalf("decoded %T", d.data)
		}
		a, err := toArray(d)
		if err != nil {
			return
		}
		if err := a.check(); err != nil {
			t.Fatalf("read an inconsistent array: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteArray(&buf, a); err != nil {
			t.Fatalf("re-writing: %v", err)
		}
		d2, err := readNpy(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-reading: %v", err)
		}
		a2, err := toArray(d2)
		if err != nil {
			t.Fatalf("re-reading: %v", err)
		}
		if !slices.Equal(a.Shape, a2.Shape) || !sameBits(a.Data, a2.Data) && len(a.Data) > 0 {
			t.Fatalf("round trip changed the array: %v %v → %v %v", a.Shape, a.Data, a2.Shape, a2.Data)
		}
	})
}

// FuzzModelRead decodes arbitrary bytes as a model file (.npz). On
// success the network validates, and writing it and reading it back gives
// the same network.
func FuzzModelRead(f *testing.F) {
	for _, c := range []struct {
		rec, readout bool
		sur          neuron.Surrogate
	}{{true, true, neuron.MultiGaussian}, {false, false, neuron.FastSigmoid}} {
		var buf bytes.Buffer
		if err := Write(&buf, fuzzSeedNet(f, c.rec, c.readout, c.sur)); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	if b, err := os.ReadFile("testdata/reference.npz"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		net, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if err := net.Validate(); err != nil {
			t.Fatalf("Read returned an invalid network: %v", err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, net); err != nil {
			t.Fatalf("re-writing: %v", err)
		}
		net2, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-reading: %v", err)
		}
		if d := sameNet(net, net2); d != "" {
			t.Fatalf("round trip changed the network: %s", d)
		}
	})
}

// fuzzSeedNet returns a small network of two layers for seeding.
func fuzzSeedNet(f *testing.F, recurrent, readout bool, sur neuron.Surrogate) *network.Network {
	cfg := network.Config{
		Inputs: 3, DT: 1, TauMem: 20, TauAdapt: 150, TauOut: 20, Seed: 3,
		Layers: []network.LayerConfig{
			{Size: 4, Recurrent: recurrent, Neuron: neuron.Config{ARP: 2, Adapt: true, Surrogate: sur, DetachSpikeGrad: true}},
			{Size: 2, Recurrent: !recurrent, Neuron: neuron.Config{ARP: 0, Surrogate: sur}},
		},
	}
	if readout {
		cfg.Outputs = 3
	}
	net, err := network.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	return net
}

// FuzzParseConfig parses arbitrary text as the "config" key's JSON. On
// success every layer's neuron config is valid, and the config of a
// network built from it encodes and parses back to the same layers.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"layers": [{"arp": 5, "recurrent": true, "adapt": true, "surrogate": "mg", "detach_spike_grad": true}], "readout": true}`,
		`{"layers": [{"arp": 0}, {"arp": 2, "surrogate": "box_car", "adapt": null}]}`,
		`{"layers": [{"arp": 1e400}]}`,
		`{"layers": [{"arp": -1}]}`,
		`{"layers": []}`,
		`{"layers": null}`,
		`[1, 2]`,
		`{"layers": [{"arp": 3, "bogus": 1}], "extra": {}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pc, err := parseConfig(s)
		if err != nil {
			return
		}
		if len(pc.layers) == 0 || len(pc.layers) != len(pc.recurrent) {
			t.Fatalf("%d layers, %d recurrent flags", len(pc.layers), len(pc.recurrent))
		}
		c := fileConfig{}
		for i, l := range pc.layers {
			if err := l.Validate(); err != nil {
				t.Fatalf("layer %d: invalid config accepted: %v", i, err)
			}
			rec := pc.recurrent[i] != nil && *pc.recurrent[i]
			c.Layers = append(c.Layers, layerConfig{ARP: l.ARP, Recurrent: rec, Adapt: l.Adapt, Surrogate: l.Surrogate.String(), DetachSpikeGrad: l.DetachSpikeGrad})
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		pc2, err := parseConfig(string(js))
		if err != nil {
			t.Fatalf("re-parsing %s: %v", js, err)
		}
		if !slices.Equal(pc.layers, pc2.layers) {
			t.Fatalf("round trip changed the layers: %+v → %+v", pc.layers, pc2.layers)
		}
	})
}
