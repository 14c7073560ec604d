package model

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/neuron"
)

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

func openFile(path string) (*Archive, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return OpenArchive(bytes.NewReader(b), int64(len(b)))
}

// archiveOf zips the members uncompressed, as np.savez does.
func archiveOf(t *testing.T, members map[string][]byte) *Archive {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z, err := OpenArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// f64 encodes values as '<f8' data.
func f64(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// edit is a change to a valid model file's arrays.
type edit func([]rawArray) []rawArray

func drop(key string) edit {
	return func(a []rawArray) []rawArray {
		var out []rawArray
		for _, r := range a {
			if r.key != key {
				out = append(out, r)
			}
		}
		return out
	}
}

func set(r rawArray) edit {
	return func(a []rawArray) []rawArray { return append(drop(r.key)(a), r) }
}

func floats(key string, shape []int, v ...float32) edit {
	return set(float32Array(key, Array{shape, v}))
}

func config(json string) edit { return set(stringArray("config", json)) }

// setValue changes one value of an existing float32 array.
func setValue(key string, i int, v float32) edit {
	return func(a []rawArray) []rawArray {
		for _, r := range a {
			if r.key == key {
				r.data = bytes.Clone(r.data)
				binary.LittleEndian.PutUint32(r.data[4*i:], math.Float32bits(v))
				return append(drop(key)(a), r)
			}
		}
		panic("no key " + key)
	}
}

const layer0 = `{"arp": 2, "recurrent": true, "adapt": true, "surrogate": "mg", "detach_spike_grad": true}`
const layer1 = `{"arp": 0, "recurrent": false}`

func TestLoadErrors(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		name string
		edit edit
		want string // "" for a file that must load
	}{
		{"valid", func(a []rawArray) []rawArray { return a }, ""},
		{"reference buffers and unknown keys ignored", func(a []rawArray) []rawArray {
			return append(a, stringArray("0._block.x", "?"), float32Array("5._p_exp", Array{[]int{1}, []float32{1}}),
				float32Array("0._p_ident_base", Array{[]int{2}, []float32{1, nan}}), float32Array("extra", Array{nil, []float32{1}}))
		}, ""},
		{"defaults", config(`{"layers": [{"arp": 2, "recurrent": true}, {"arp": 0}]}`), ""},
		{"nulls are defaults", config(`{"layers": [{"arp": 2, "recurrent": true, "adapt": null}, {"arp": 0, "recurrent": null}], "readout": null}`), ""},
		{"unused recurrent weights of a feed-forward layer", floats("1._rec_weight", []int{2, 2}, 1, 2, 3, 4), ""},
		{"float64 parameter", set(rawArray{"0._b", "<f8", []int{4}, f64(1, 2, 3, 4)}), ""},

		{"missing config", drop("config"), "missing key config"},
		{"missing parameter", drop("0._beta"), "missing key 0._beta"},
		{"missing weight", drop("1._rf_weight"), "missing key 1._rf_weight"},
		{"missing readout bias", drop("readout._bias"), "missing key readout._bias"},
		{"wrong vector shape", floats("0._beta", []int{5}, 1, 1, 1, 1, 1), "key 0._beta: shape (5,), want (4,)"},
		{"vector as matrix", floats("1._p", []int{2, 1}, 1, 1), "key 1._p: shape (2, 1), want (2,)"},
		{"2-D weight", floats("0._rf_weight", []int{4, 3}, make([]float32, 12)...), "key 0._rf_weight: shape (4, 3), want (n_out, 1, n_in, 1)"},
		{"weight chain", floats("1._rf_weight", []int{2, 1, 3, 1}, make([]float32, 6)...), "key 1._rf_weight: shape (2, 1, 3, 1), want (n_out, 1, 4, 1): layer 0 has 4 neurons"},
		{"recurrent shape", floats("0._rec_weight", []int{4, 3}, make([]float32, 12)...), "key 0._rec_weight: shape (4, 3), want (4, 4)"},
		{"readout shape", floats("readout._weight", []int{3, 5}, make([]float32, 15)...), "key readout._weight: shape (3, 5), want (n_out, 2)"},
		{"NaN", setValue("0._p", 2, nan), "key 0._p: value at index (2,) is NaN"},
		{"Inf in weight", setValue("0._rf_weight", 7, float32(math.Inf(1))), "key 0._rf_weight: value at index (2, 0, 1, 0) is +Inf"},
		{"Inf in readout", setValue("readout._beta", 1, float32(math.Inf(-1))), "key readout._beta: value at index (1,) is -Inf"},
		{"float64 overflow", set(rawArray{"0._b", "<f8", []int{4}, f64(1, 1e300, 3, 4)}), "key 0._b: value 1e+300 at index (1,) is too large for float32"},
		{"integer dtype", set(rawArray{"0._b", "<i8", []int{4}, make([]byte, 32)}), "key 0._b: dtype <i8, want float32 or float64"},
		{"not npy", set(rawArray{key: "0._b", data: []byte("PK not numpy")}), "key 0._b: not a .npy array"},
		{"config not a string", floats("config", []int{1}, 1), "key config: dtype <f4, want a string array"},
		{"config two strings", set(rawArray{"config", "<U1", []int{2}, utf32le("ab")}), "key config: shape (2,) holds 2 strings, want one"},
		{"config not JSON", config(`{"layers": [`), "key config: not valid JSON: unexpected end of JSON input"},
		{"config not an object", config(`[1, 2]`), `key config: want a JSON object {"layers": […]}, got [1, 2]`},
		{"no layers", config(`{"readout": true}`), `key config: no "layers" list`},
		{"layers not a list", config(`{"layers": {"arp": 1}}`), `key config: "layers" must be a list of objects`},
		{"empty layers", config(`{"layers": []}`), `key config: "layers" is empty`},
		{"too many layers", config(`{"layers": [` + layer0 + `, ` + layer1 + `, ` + layer1 + `]}`), "key config: lists 3 layers, but the file has parameters for 2 (keys 0.* … 1.*)"},
		{"too few layers", config(`{"layers": [` + layer0 + `]}`), "key config: lists 1 layer, but the file has parameters for 2"},
		{"unknown surrogate", config(`{"layers": [{"arp": 2, "surrogate": "relu"}, ` + layer1 + `]}`), `key config: layers[0].surrogate: unknown surrogate "relu" (want mg, fast_sigmoid or box_car)`},
		{"surrogate not a string", config(`{"layers": [` + layer0 + `, {"arp": 0, "surrogate": 2}]}`), "key config: layers[1].surrogate: want mg, fast_sigmoid or box_car, got 2"},
		{"no arp", config(`{"layers": [{"adapt": true}, ` + layer1 + `]}`), `key config: layers[0]: no "arp"`},
		{"negative arp", config(`{"layers": [{"arp": -1}, ` + layer1 + `]}`), "key config: layers[0].arp: want a whole number of steps >= 0, got -1"},
		{"fractional arp", config(`{"layers": [{"arp": 2.5}, ` + layer1 + `]}`), "key config: layers[0].arp: want a whole number of steps >= 0, got 2.5"},
		{"huge arp", config(`{"layers": [{"arp": 100000}, ` + layer1 + `]}`), "key config: layers[0].arp: neuron: refractory period 100000 steps is too long"},
		{"bool as string", config(`{"layers": [{"arp": 2, "adapt": "yes"}, ` + layer1 + `]}`), `key config: layers[0].adapt: want true or false, got "yes"`},
		{"unknown field", config(`{"layers": [` + layer0 + `, {"arp": 0, "surogate": "mg"}]}`), `key config: layers[1]: unknown field "surogate"`},
		{"readout not bool", config(`{"layers": [` + layer0 + `, ` + layer1 + `], "readout": 1}`), "key config: readout: want true or false, got 1"},
		{"recurrent without weights", config(`{"layers": [` + layer0 + `, {"arp": 0, "recurrent": true}]}`), "missing key 1._rec_weight (config layers[1].recurrent is true)"},
		{"recurrent unsaid", config(`{"layers": [{"arp": 2}, ` + layer1 + `]}`), `key 0._rec_weight: present, but config layers[0] does not say whether the layer is recurrent (add "recurrent": true or false)`},
		{"readout without weights", func(a []rawArray) []rawArray {
			return drop("readout._weight")(config(`{"layers": [` + layer0 + `, ` + layer1 + `], "readout": true}`)(a))
		}, "missing key readout._weight (config readout is true)"},
		{"readout weights but false", config(`{"layers": [` + layer0 + `, ` + layer1 + `], "readout": false}`), "key readout._weight: present, but config readout is false"},
		{"truncated array", set(rawArray{"0._beta", "<f4", []int{400}, make([]byte, 16)}), "key 0._beta: shape (400,) of dtype <f4 needs more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			net := testNet(t, true, true, neuron.MultiGaussian, 1)
			b := zipArrays(t, c.edit(modelArrays(net)))
			got, err := Read(bytes.NewReader(b), int64(len(b)))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Layers) != 2 || !got.Layers[0].Recurrent() || got.Layers[1].Recurrent() || got.Readout == nil {
					t.Errorf("loaded %d layers, recurrent %v %v, readout %v", len(got.Layers), got.Layers[0].Recurrent(), got.Layers[1].Recurrent(), got.Readout != nil)
				}
				return
			}
			wantErr(t, err, c.want)
			if err != nil && !strings.HasPrefix(err.Error(), "model: ") {
				t.Errorf("error %q does not start with \"model: \"", err)
			}
		})
	}
}

// TestRichLoadErrors covers the rich neuron's keys (richNet's layer 0 has
// three adaptation scales and a reset potential).
func TestRichLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit edit
		want string
	}{
		{"missing strength of a scale", drop("0._b.1"), "missing key 0._b.1 (the file has adaptation scales up to 2)"},
		{"gap in the scales", drop("0._p.1"), "missing key 0._p.1 (the file has adaptation scales up to 2)"},
		{"too many scales", floats("0._p.40", []int{4}, 1, 1, 1, 1), "key 0._p.40: adaptation scale 40, at most 16 scales are supported"},
		{"reset potential shape", floats("0._v_reset", []int{3}, 0, 0, 0), "key 0._v_reset: shape (3,), want (4,)"},
		{"NaN in a scale", setValue("0._p.2", 1, float32(math.NaN())), "key 0._p.2: value at index (1,) is NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := zipArrays(t, c.edit(modelArrays(richNet(t, 1))))
			_, err := Read(bytes.NewReader(b), int64(len(b)))
			wantErr(t, err, c.want)
		})
	}
}

func TestNotAnArchive(t *testing.T) {
	_, err := Read(strings.NewReader("not a zip file"), 14)
	wantErr(t, err, "model: not an .npz archive")
}

// zipArrays writes the arrays as an .npz archive; an array without a
// dtype is written as its bare data (not a valid .npy).
func zipArrays(t *testing.T, arrays []rawArray) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, a := range arrays {
		w, err := zw.Create(a.key + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		if a.descr == "" {
			_, err = w.Write(a.data)
		} else {
			err = writeNpy(w, a)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadNamesFile checks that Load's errors name the file.
func TestLoadNamesFile(t *testing.T) {
	path := t.TempDir() + "/m.npz"
	var buf bytes.Buffer
	net := testNet(t, false, false, neuron.BoxCar, 3)
	if err := writeNpz(&buf, drop("1._p")(modelArrays(net))); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	wantErr(t, err, "model "+path+": missing key 1._p")
	_, err = Load(path + ".missing")
	wantErr(t, err, "m.npz.missing: no such file")
}

func TestSaveRejectsInvalidNetwork(t *testing.T) {
	net := testNet(t, false, false, neuron.BoxCar, 3)
	net.Layers[1].Beta[0] = float32(math.NaN())
	path := t.TempDir() + "/m.npz"
	wantErr(t, Save(path, net), "layer 1: Beta[0] is NaN")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Save left a file after an error: %v", err)
	}
}
