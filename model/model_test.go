package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/internal/npytest"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
)

// testNet returns a two-layer network (3 → 4 → 2) with random raw
// parameters, some outside the clamp ranges, and a few special floats.
func testNet(t *testing.T, recurrent, readout bool, sur neuron.Surrogate, seed uint64) *network.Network {
	t.Helper()
	cfg := network.Config{
		Inputs: 3, DT: 1, TauMem: 20, TauAdapt: 150, TauOut: 20, Seed: seed,
		Layers: []network.LayerConfig{
			{Size: 4, Recurrent: recurrent, Neuron: neuron.Config{ARP: 2, Adapt: true, Surrogate: sur, DetachSpikeGrad: true}},
			{Size: 2, Recurrent: !recurrent, Neuron: neuron.Config{ARP: 0, Adapt: false, Surrogate: sur, DetachSpikeGrad: false}},
		},
	}
	if readout {
		cfg.Outputs = 3
	}
	net, err := network.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	randomize := func(v []float32) {
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
	}
	for _, l := range net.Layers {
		for _, v := range [][]float32{l.W, l.Bias, l.Rec, l.Beta, l.P, l.B} {
			randomize(v)
		}
	}
	net.Layers[0].Bias[0] = float32(math.Copysign(0, -1))
	net.Layers[0].Bias[1] = math.SmallestNonzeroFloat32
	if r := net.Readout; r != nil {
		randomize(r.W)
		randomize(r.Bias)
		randomize(r.Beta)
	}
	return net
}

func sameBits(a, b []float32) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// sameNet reports the first difference between two networks, or "".
func sameNet(a, b *network.Network) string {
	if len(a.Layers) != len(b.Layers) {
		return fmt.Sprintf("%d layers, want %d", len(b.Layers), len(a.Layers))
	}
	for i, la := range a.Layers {
		lb := b.Layers[i]
		if la.NIn != lb.NIn || la.NOut != lb.NOut || la.Neuron != lb.Neuron {
			return fmt.Sprintf("layer %d: %d→%d %+v, want %d→%d %+v", i, lb.NIn, lb.NOut, lb.Neuron, la.NIn, la.NOut, la.Neuron)
		}
		for _, p := range []struct {
			name string
			x, y []float32
		}{{"W", la.W, lb.W}, {"Bias", la.Bias, lb.Bias}, {"Rec", la.Rec, lb.Rec}, {"Beta", la.Beta, lb.Beta}, {"P", la.P, lb.P}, {"B", la.B, lb.B}, {"VReset", la.VReset, lb.VReset}} {
			if !sameBits(p.x, p.y) {
				return fmt.Sprintf("layer %d: %s = %v, want %v", i, p.name, p.y, p.x)
			}
		}
	}
	ra, rb := a.Readout, b.Readout
	switch {
	case (ra == nil) != (rb == nil):
		return fmt.Sprintf("readout %v, want %v", rb, ra)
	case ra != nil && (ra.NIn != rb.NIn || ra.NOut != rb.NOut || !sameBits(ra.W, rb.W) || !sameBits(ra.Bias, rb.Bias) || !sameBits(ra.Beta, rb.Beta)):
		return fmt.Sprintf("readout %+v, want %+v", *rb, *ra)
	}
	return ""
}

// richNet is testNet with the rich neuron: layer 0 with three adaptation
// scales and a reset potential, layer 1 with a reset potential only.
func richNet(t *testing.T, seed uint64) *network.Network {
	t.Helper()
	net := testNet(t, true, true, neuron.MultiGaussian, seed)
	rng := rand.New(rand.NewPCG(seed, 8))
	for i, l := range net.Layers {
		if i == 0 {
			l.Neuron.Scales = 3
			for range 2 * l.NOut {
				l.P = append(l.P, float32(rng.NormFloat64()))
				l.B = append(l.B, float32(rng.NormFloat64()))
			}
		}
		l.Neuron.ResetPotential = true
		for range l.NOut {
			l.VReset = append(l.VReset, float32(rng.NormFloat64()))
		}
	}
	return net
}

// TestRichRoundTrip saves and loads networks of the rich neuron: the
// extra scales and the reset potential travel under their own keys, and a
// file without them is the paper's neuron.
func TestRichRoundTrip(t *testing.T) {
	net := richNet(t, 3)
	var buf bytes.Buffer
	if err := Write(&buf, net); err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if d := sameNet(net, got); d != "" {
		t.Fatal(d)
	}
	var keys []string
	for i, l := range got.Layers {
		for _, e := range Params(l) {
			keys = append(keys, LayerKey(i, e.Key))
		}
	}
	want := []string{"0._beta", "0._p", "0._b", "0._rf_weight", "0._rf_bias", "0._rec_weight", "0._p.1", "0._b.1", "0._p.2", "0._b.2", "0._v_reset",
		"1._beta", "1._p", "1._b", "1._rf_weight", "1._rf_bias", "1._v_reset"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	plain := zipArrays(t, drop("1._v_reset")(modelArrays(net)))
	got, err = Read(bytes.NewReader(plain), int64(len(plain)))
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Layers[1].Neuron; c.ResetPotential || got.Layers[1].VReset != nil || c.Rich() {
		t.Errorf("layer without _v_reset loads as %+v with V_r %v, want the paper's neuron", c, got.Layers[1].VReset)
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	seed := uint64(0)
	for _, sur := range []neuron.Surrogate{neuron.MultiGaussian, neuron.FastSigmoid, neuron.BoxCar} {
		for _, rec := range []bool{false, true} {
			for _, readout := range []bool{false, true} {
				seed++
				name := fmt.Sprintf("%s/recurrent=%v/readout=%v", sur, rec, readout)
				t.Run(name, func(t *testing.T) {
					net := testNet(t, rec, readout, sur, seed)
					path := filepath.Join(dir, fmt.Sprintf("m%d.npz", seed))
					if err := Save(path, net); err != nil {
						t.Fatal(err)
					}
					got, err := Load(path)
					if err != nil {
						t.Fatal(err)
					}
					if d := sameNet(net, got); d != "" {
						t.Fatal(d)
					}
					// The same network always gives the same bytes.
					var b1, b2 bytes.Buffer
					if err := Write(&b1, net); err != nil {
						t.Fatal(err)
					}
					if err := Write(&b2, got); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
						t.Fatal("writing the loaded network gives different bytes")
					}
				})
			}
		}
	}
}

// TestWrittenLayout checks what numpy will see: the keys, dtypes and
// shapes, the 64-byte aligned headers and the '<U' config.
func TestWrittenLayout(t *testing.T) {
	net := testNet(t, true, true, neuron.FastSigmoid, 1)
	var buf bytes.Buffer
	if err := Write(&buf, net); err != nil {
		t.Fatal(err)
	}
	z, err := OpenArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"0._beta": {4}, "0._p": {4}, "0._b": {4}, "0._rf_weight": {4, 1, 3, 1}, "0._rf_bias": {4}, "0._rec_weight": {4, 4},
		"1._beta": {2}, "1._p": {2}, "1._b": {2}, "1._rf_weight": {2, 1, 4, 1}, "1._rf_bias": {2},
		"readout._weight": {3, 2}, "readout._bias": {3}, "readout._beta": {3},
	}
	if len(z.files) != len(want)+1 {
		t.Errorf("%d keys, want %d", len(z.files), len(want)+1)
	}
	for key, shape := range want {
		d, err := z.read(key)
		if err != nil {
			t.Fatal(err)
		}
		if d.dtype != "<f4" || !slices.Equal(d.shape, shape) {
			t.Errorf("%s: dtype %s shape %v, want <f4 %v", key, d.dtype, d.shape, shape)
		}
	}
	rc, err := z.files["config"].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var raw bytes.Buffer
	raw.ReadFrom(rc)
	cfg := `{"layers":[{"arp":2,"recurrent":true,"adapt":true,"surrogate":"fast_sigmoid","detach_spike_grad":true},` +
		`{"arp":0,"recurrent":false,"adapt":false,"surrogate":"fast_sigmoid","detach_spike_grad":false}],"readout":true}`
	hdr := fmt.Sprintf("{'descr': '<U%d', 'fortran_order': False, 'shape': (1,), }", len(cfg))
	b := raw.Bytes()
	if !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) || !bytes.Contains(b[:128], []byte(hdr)) {
		t.Fatalf("config header %q, want %q", b[:128], hdr)
	}
	hlen := 10 + int(b[8]) + int(b[9])<<8
	if hlen%64 != 0 || b[hlen-1] != '\n' {
		t.Errorf("header of %d bytes, want a multiple of 64 ending in a newline", hlen)
	}
	if got := b[hlen:]; len(got) != 4*len(cfg) || got[0] != '{' || got[1] != 0 || got[4] != '"' {
		t.Errorf("config data is not UTF-32LE of the JSON: % x…", got[:8])
	}
	if s, err := z.Text("config"); err != nil || s != cfg {
		t.Errorf("config reads back as %q, %v", s, err)
	}
}

// TestReferenceFixture loads a file written by numpy the way a reference
// model is brought over (testdata/make_fixtures.py): float64 arrays, the
// reference's buffers, a Fortran-order recurrent weight and a config with
// fields left to their defaults.
func TestReferenceFixture(t *testing.T) {
	net, err := Load("testdata/reference.npz")
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Layers) != 2 || net.Readout != nil {
		t.Fatalf("%d layers, readout %v; want 2 layers, no readout", len(net.Layers), net.Readout)
	}
	wantCfg := []neuron.Config{
		{ARP: 2, Adapt: true, Surrogate: neuron.FastSigmoid, DetachSpikeGrad: true},
		{ARP: 0, Adapt: false, Surrogate: neuron.BoxCar, DetachSpikeGrad: false},
	}
	for i, l := range net.Layers {
		if l.Neuron != wantCfg[i] {
			t.Errorf("layer %d: %+v, want %+v", i, l.Neuron, wantCfg[i])
		}
		if l.Recurrent() != (i == 0) {
			t.Errorf("layer %d: recurrent %v", i, l.Recurrent())
		}
		n := l.NOut
		want := map[string][]float32{}
		for o := range n {
			fo := float64(o)
			want["_beta"] = append(want["_beta"], float32(0.9-float64(0.01*fo)))
			want["_p"] = append(want["_p"], float32(0.95+float64(0.001*fo)))
			want["_b"] = append(want["_b"], float32(1.8-float64(0.1*fo)))
			want["_rf_bias"] = append(want["_rf_bias"], float32(0.01*fo))
			for j := range l.NIn {
				want["_rf_weight"] = append(want["_rf_weight"], float32(float64(o*10+j)/100))
			}
			if l.Recurrent() {
				for m := range n {
					want["_rec_weight"] = append(want["_rec_weight"], float32(float64(o*n+m)/50))
				}
			}
		}
		for _, e := range Params(l) {
			if !sameBits(e.Data, want[e.Key]) {
				t.Errorf("layer %d %s = %v, want %v", i, e.Key, e.Data, want[e.Key])
			}
		}
	}
	if net.Layers[0].NIn != 3 || net.Layers[0].NOut != 4 || net.Layers[1].NOut != 2 {
		t.Errorf("sizes %d→%d→%d, want 3→4→2", net.Layers[0].NIn, net.Layers[0].NOut, net.Layers[1].NOut)
	}
}

// npyBytes builds a .npy file the way numpy 1.x/2.x writes one (format
// 1.0, the header padded to a multiple of 64 bytes), independently of the
// package's encoder.
func npyBytes(descr, shape string, fortran bool, data []byte) []byte {
	return append(npytest.Header(descr, shape, fortran), data...)
}

func utf32le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

// TestNumpyStrings reads config strings in every form numpy writes one:
// np.array([s]) ('<U', shape (1,)), np.array(s) (shape ()), wider
// elements padded with zeros, and bytes ('|S').
func TestNumpyStrings(t *testing.T) {
	const s = `{"note": "τ = 20 ms, ☃", "layers": []}`
	n := len([]rune(s))
	for _, c := range []struct {
		name string
		npy  []byte
	}{
		{"U shape (1,)", npyBytes(fmt.Sprintf("<U%d", n), "(1,)", false, utf32le(s))},
		{"U shape ()", npyBytes(fmt.Sprintf("<U%d", n), "()", false, utf32le(s))},
		{"U padded", npyBytes(fmt.Sprintf("<U%d", n+5), "(1,)", false, append(utf32le(s), make([]byte, 20)...))},
		{"S shape (1,)", npyBytes(fmt.Sprintf("|S%d", len(s)), "(1,)", false, []byte(s))},
	} {
		t.Run(c.name, func(t *testing.T) {
			z := archiveOf(t, map[string][]byte{"config.npy": c.npy})
			got, err := z.Text("config")
			if err != nil || got != s {
				t.Errorf("got %q, %v; want %q", got, err, s)
			}
		})
	}
}

// TestDesignVectorMeta reads the 'meta' string array that numpy wrote
// into the design vectors (a 0-d '<U' array).
func TestDesignVectorMeta(t *testing.T) {
	files, _ := filepath.Glob("../testdata/design-vectors/*.npz")
	if len(files) == 0 {
		t.Skip("no design vectors")
	}
	for _, f := range files {
		z, err := openFile(f)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := z.Text("meta")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix([]byte(meta), []byte(`{"method": `)) {
			t.Errorf("%s: meta = %.40q…", f, meta)
		}
		if _, err := z.Array("param.0._rf_weight"); err != nil {
			t.Error(err)
		}
	}
}

func TestLoadArray(t *testing.T) {
	a, err := LoadArray("testdata/bigendian.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Data, []float32{0, 0.25, 0.5, 0.75, 1, 1.25}) {
		t.Errorf("big-endian float64: %v", a)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name, want string
		npy        []byte
		shape      []int
		data       []float32
	}{
		{"fortran", "", npyBytes("<f8", "(2, 3)", true, f64(1, 4, 2, 5, 3, 6)), []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"scalar", "", npyBytes("<f4", "()", false, []byte{0, 0, 0x80, 0x3f}), nil, []float32{1}},
		{"nan", "nan.npy: value at index (1, 0) is NaN", npyBytes("<f8", "(2, 1)", false, f64(0, math.NaN())), nil, nil},
		{"inf", "inf.npy: value at index (0, 1, 0) is -Inf", npyBytes("<f8", "(1, 2, 1)", false, f64(0, math.Inf(-1))), nil, nil},
		{"big", "big.npy: value 1e+300 at index (0,) is too large for float32", npyBytes("<f8", "(1,)", false, f64(1e300)), nil, nil},
		{"int", "int.npy: dtype <i8, want float32 or float64", npyBytes("<i8", "(1,)", false, make([]byte, 8)), nil, nil},
		{"half", "half.npy: dtype <f2, want float32 or float64", npyBytes("<f2", "(1,)", false, make([]byte, 2)), nil, nil},
		{"object", "object.npy: dtype |O, want float32 or float64", npyBytes("|O", "(1,)", false, make([]byte, 8)), nil, nil},
		{"short", "short.npy: shape (1000,) of dtype <f4 needs more than", npyBytes("<f4", "(1000,)", false, make([]byte, 8)), nil, nil},
		{"garbage", "garbage.npy: not a .npy array", []byte("hello"), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".npy")
			if err := writeFile(path, c.npy); err != nil {
				t.Fatal(err)
			}
			a, err := LoadArray(path)
			if c.want != "" {
				wantErr(t, err, c.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Shape, c.shape) && !(len(a.Shape) == 0 && len(c.shape) == 0) || !slices.Equal(a.Data, c.data) {
				t.Errorf("got %v, want %v %v", a, c.shape, c.data)
			}
		})
	}
}

func TestSaveArrays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.npz")
	in := []Entry{
		{"spikes.0", Array{[]int{2, 3, 4}, make([]float32, 24)}},
		{"grad.input", Array{[]int{1, 2}, []float32{1.5, -2}}},
		{"scalar", Array{nil, []float32{7}}},
	}
	if err := SaveArrays(path, in); err != nil {
		t.Fatal(err)
	}
	z, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range in {
		a, err := z.Array(e.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Shape, e.Shape) && len(e.Shape) > 0 || !slices.Equal(a.Data, e.Data) {
			t.Errorf("%s: got %v, want %v", e.Key, a, e.Array)
		}
	}
	err = SaveArrays(path, []Entry{{"bad", Array{[]int{2, 2}, []float32{1}}}})
	wantErr(t, err, "bad: shape (2, 2) needs 4 values, have 1")
	npy := filepath.Join(t.TempDir(), "a.npy")
	if err := SaveArray(npy, Array{[]int{3, 1}, []float32{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if a, err := LoadArray(npy); err != nil || !slices.Equal(a.Shape, []int{3, 1}) || !slices.Equal(a.Data, []float32{1, 2, 3}) {
		t.Errorf("SaveArray/LoadArray: %v, %v", a, err)
	}
}
