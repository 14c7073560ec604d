package model

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/neuron"
)

// ParamNames are the reference's names of an adaptive layer's
// parameters, in the order [Params] returns them.
var ParamNames = []string{"_beta", "_p", "_b", "_rf_weight", "_rf_bias", "_rec_weight"}

// The rich neuron's parameters (not in the reference): the reset
// potential, and scales m >= 1 of the adaptation as "_p.<m>", "_b.<m>"
// (scale 0 is "_p", "_b").
const vResetName = "_v_reset"

// ScaleName returns the name of adaptation scale m of parameter "_p" or
// "_b": the name itself for m = 0, else name.<m>.
func ScaleName(name string, m int) string {
	if m == 0 {
		return name
	}
	return name + "." + strconv.Itoa(m)
}

const (
	configKey     = "config"
	readoutWeight = "readout._weight"
	readoutBias   = "readout._bias"
	readoutBeta   = "readout._beta"
)

// LayerKey returns the key of parameter name ("_beta", …) of layer i: "i.name".
func LayerKey(i int, name string) string { return strconv.Itoa(i) + "." + name }

// Params returns l's parameters under their reference names and in the
// reference's shapes; "_rec_weight" only if l is recurrent; for the rich
// neuron then "_p.<m>" and "_b.<m>" for every scale m >= 1 and
// "_v_reset" if it has a reset potential. The arrays share memory with l.
func Params(l *network.Layer) []Entry {
	return layerEntries(l, network.LayerGrads{W: l.W, Bias: l.Bias, Rec: l.Rec, Beta: l.Beta, P: l.P, B: l.B, VReset: l.VReset})
}

// Grads returns the gradients g of l's parameters under the same names and
// in the same shapes as [Params].
func Grads(l *network.Layer, g network.LayerGrads) []Entry {
	return layerEntries(l, g)
}

// layerEntries names the tensors of v, which has the shapes of l's
// parameters (its parameters or their gradients).
func layerEntries(l *network.Layer, v network.LayerGrads) []Entry {
	n := l.NOut
	vec := func(key string, v []float32) Entry { return Entry{key, Array{[]int{n}, v}} }
	e := []Entry{
		vec("_beta", v.Beta), vec("_p", v.P[:n]), vec("_b", v.B[:n]),
		{"_rf_weight", Array{[]int{n, 1, l.NIn, 1}, v.W}},
		vec("_rf_bias", v.Bias),
	}
	if l.Recurrent() {
		e = append(e, Entry{"_rec_weight", Array{[]int{n, n}, v.Rec}})
	}
	for m := 1; m < l.Neuron.AdaptScales(); m++ {
		e = append(e, vec(ScaleName("_p", m), v.P[m*n:(m+1)*n]), vec(ScaleName("_b", m), v.B[m*n:(m+1)*n]))
	}
	if l.Neuron.ResetPotential {
		e = append(e, vec(vResetName, v.VReset))
	}
	return e
}

// Write writes net to w as a model file.
func Write(w io.Writer, net *network.Network) error {
	if err := net.Validate(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return writeNpz(w, modelArrays(net))
}

// WriteWith writes net to w as a model file followed by members of the
// caller's, which extra adds to the archive before it is closed: a file
// that model.Load reads as the network and that carries more (the
// checkpoints of packages train and fit).
func WriteWith(w io.Writer, net *network.Network, extra func(*zip.Writer) error) error {
	var buf bytes.Buffer
	if err := Write(&buf, net); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return err
		}
	}
	if err := extra(zw); err != nil {
		return err
	}
	return zw.Close()
}

// modelArrays returns the arrays of net's model file, in the order they
// are written.
func modelArrays(net *network.Network) []rawArray {
	arrays := []rawArray{stringArray(configKey, encodeConfig(net))}
	for _, e := range NetParams(net) {
		arrays = append(arrays, float32Array(e.Key, e.Array))
	}
	return arrays
}

// NetParams returns every parameter of net under its model-file key
// ("0._beta", …, "0._rf_weight", "0._rec_weight", then the readout's
// "readout._weight", "readout._bias", "readout._beta"), in the order a
// model file holds them. The arrays share memory with net.
func NetParams(net *network.Network) []Entry {
	var ps []Entry
	for i, l := range net.Layers {
		for _, e := range Params(l) {
			ps = append(ps, Entry{LayerKey(i, e.Key), e.Array})
		}
	}
	if r := net.Readout; r != nil {
		ps = append(ps, readoutEntries(r, network.ReadoutGrads{W: r.W, Bias: r.Bias, Beta: r.Beta})...)
	}
	return ps
}

// NetGrads returns the gradients g of net's parameters under the same
// keys, in the same order and shapes as [NetParams].
func NetGrads(net *network.Network, g *network.Grads) ([]Entry, error) {
	if len(g.Layers) != len(net.Layers) || (net.Readout != nil) != (g.Readout != nil) {
		return nil, fmt.Errorf("model: gradients of %d layers (readout %v) for a network of %d (readout %v)",
			len(g.Layers), g.Readout != nil, len(net.Layers), net.Readout != nil)
	}
	var gs []Entry
	for i, l := range net.Layers {
		for _, e := range Grads(l, g.Layers[i]) {
			gs = append(gs, Entry{LayerKey(i, e.Key), e.Array})
		}
	}
	if r := net.Readout; r != nil {
		gs = append(gs, readoutEntries(r, *g.Readout)...)
	}
	return gs, nil
}

// readoutEntries names the readout's tensors in v (its parameters or
// their gradients).
func readoutEntries(r *network.Readout, v network.ReadoutGrads) []Entry {
	k := r.NOut
	return []Entry{
		{readoutWeight, Array{[]int{k, r.NIn}, v.W}},
		{readoutBias, Array{[]int{k}, v.Bias}},
		{readoutBeta, Array{[]int{k}, v.Beta}},
	}
}

// Save writes net to path as a model file, atomically: path is either
// left as it was or holds the whole new file.
func Save(path string, net *network.Network) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, net) })
}

// Load reads the model file at path. Errors name the file, the key and
// what was expected.
//
// A model file is an .npz archive (a zip of .npy arrays, as np.savez writes). Per
// adaptive layer i = 0, 1, …, the reference's state_dict() keys of
// torch.nn.Sequential module i, raw values before the clamps:
//
//	i._beta        [n_out]              membrane decay
//	i._p           [n_out]              adaptation decay
//	i._b           [n_out]              adaptation strength
//	i._rf_weight   [n_out, 1, n_in, 1]  input weights (row-major, as Layer.W)
//	i._rf_bias     [n_out]              input bias
//	i._rec_weight  [n_out, n_out]       recurrent weights, recurrent layers only
//
// and, for the rich neuron (docs/equations.md; not in the reference):
//
//	i._p.<m>, i._b.<m>  [n_out]  adaptation scale m = 1 … K-1 (scale 0 is _p, _b)
//	i._v_reset          [n_out]  reset potential
//
// A layer without them is the paper's neuron (one scale, reset to 0).
// and, for a network with a leaky-integrator readout (not part of the
// reference), readout._weight [n_out, n_in], readout._bias [n_out] and
// readout._beta [n_out]. Arrays are written as float32 ('<f4'); float32
// and float64, in C or Fortran order and either byte order, are read.
// Every value must be finite.
//
// The key "config" is a numpy unicode string array of one element
// (np.array([json_string]), dtype '<U{n}', shape (1,); a 0-d array is
// read too) holding
//
//	{"layers": [{"arp": R, "recurrent": bool, "adapt": bool,
//	             "surrogate": "mg"|"fast_sigmoid"|"box_car",
//	             "detach_spike_grad": bool}, …],
//	 "readout": bool}
//
// with one object per layer, in order. When reading, "arp" is required;
// the other fields may be missing (or null), with these defaults:
// "adapt" true, "surrogate" "mg", "detach_spike_grad" true, "readout"
// true exactly when readout._weight is present, and "recurrent" false
// when i._rec_weight is absent. "recurrent" is required where
// i._rec_weight is present, because the reference may keep an unused
// _rec_weight in a feed-forward layer: with "recurrent": false that key
// is ignored. A field present with a wrong value, an unknown field inside
// a layer, or a value that contradicts the keys ("recurrent": true
// without i._rec_weight, "readout": true without readout._weight or false
// with it) is an error. Top-level fields other than "layers" and
// "readout" are ignored. Saving always writes every layer field, a
// _rec_weight only for recurrent layers, and "readout" only when there is
// one.
//
// Keys that are not listed here are ignored, in particular the
// reference's non-parameter buffers i._block.*, i._p_exp and
// i._p_ident_base.
func Load(path string) (*network.Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	net, err := decode(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	return net, nil
}

// Read reads a model file of the given size from r.
func Read(r io.ReaderAt, size int64) (*network.Network, error) {
	net, err := decode(r, size)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return net, nil
}

func decode(r io.ReaderAt, size int64) (*network.Network, error) {
	z, err := OpenArchive(r, size)
	if err != nil {
		return nil, err
	}
	s, err := z.Text(configKey)
	if err != nil {
		return nil, err
	}
	pc, err := parseConfig(s)
	if err != nil {
		return nil, err
	}
	if n := z.layerCount(); n != len(pc.layers) {
		keys := "none"
		if n > 0 {
			keys = fmt.Sprintf("keys 0.* … %d.*", n-1)
		}
		return nil, fmt.Errorf("key config: lists %s, but the file has parameters for %d (%s)", plural(len(pc.layers), "layer"), n, keys)
	}
	net := &network.Network{}
	nIn := 0
	for i, cfg := range pc.layers {
		l, err := readLayer(z, i, nIn, cfg, pc.recurrent[i])
		if err != nil {
			return nil, err
		}
		net.Layers = append(net.Layers, l)
		nIn = l.NOut
	}
	if net.Readout, err = readReadout(z, nIn, pc.readout); err != nil {
		return nil, err
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// layerCount returns 1 + the largest i of a key "i.<parameter>".
func (z *Archive) layerCount() int {
	n := 0
	for key := range z.files {
		i, name, ok := strings.Cut(key, ".")
		k, err := strconv.Atoi(i)
		if ok && err == nil && k >= 0 && slices.Contains(ParamNames, name) {
			n = max(n, k+1)
		}
	}
	return n
}

// readLayer reads layer i; nIn is the previous layer's size (0 for the
// first layer, whose input size comes from its weights).
func readLayer(z *Archive, i, nIn int, cfg neuron.Config, recurrent *bool) (*network.Layer, error) {
	wKey := LayerKey(i, "_rf_weight")
	w, err := z.Array(wKey)
	if err != nil {
		return nil, err
	}
	sh := w.Shape
	if len(sh) != 4 || sh[0] < 1 || sh[1] != 1 || sh[2] < 1 || sh[3] != 1 {
		return nil, fmt.Errorf("key %s: shape %s, want (n_out, 1, n_in, 1)", wKey, FormatShape(sh))
	}
	if i > 0 && sh[2] != nIn {
		return nil, fmt.Errorf("key %s: shape %s, want (n_out, 1, %d, 1): layer %d has %d neurons", wKey, FormatShape(sh), nIn, i-1, nIn)
	}
	n := sh[0]
	l := &network.Layer{NIn: sh[2], NOut: n, Neuron: cfg, W: w.Data}
	for _, p := range []struct {
		name string
		dst  *[]float32
	}{{"_beta", &l.Beta}, {"_p", &l.P}, {"_b", &l.B}, {"_rf_bias", &l.Bias}} {
		if *p.dst, err = z.shaped(LayerKey(i, p.name), n); err != nil {
			return nil, err
		}
	}
	if err := readRich(z, i, l); err != nil {
		return nil, err
	}
	recKey := LayerKey(i, "_rec_weight")
	has := z.Has(recKey)
	switch {
	case recurrent == nil && has:
		return nil, fmt.Errorf("key %s: present, but config layers[%d] does not say whether the layer is recurrent (add \"recurrent\": true or false)", recKey, i)
	case recurrent != nil && *recurrent && !has:
		return nil, fmt.Errorf("missing key %s (config layers[%d].recurrent is true)", recKey, i)
	case recurrent != nil && *recurrent:
		l.Rec, err = z.shaped(recKey, n, n)
	}
	return l, err
}

// readRich reads layer i's rich-neuron parameters into l, if the file has
// them: scales 1 … K-1 of the adaptation ("i._p.<m>" and "i._b.<m>", both,
// for consecutive m) and the reset potential "i._v_reset".
func readRich(z *Archive, i int, l *network.Layer) error {
	n := l.NOut
	scales := 1
	for _, name := range []string{"_p", "_b"} {
		prefix := LayerKey(i, name) + "."
		for key := range z.files {
			if m, err := strconv.Atoi(strings.TrimPrefix(key, prefix)); err == nil && strings.HasPrefix(key, prefix) && m >= 1 {
				if m >= neuron.MaxScales {
					return fmt.Errorf("key %s: adaptation scale %d, at most %d scales are supported", key, m, neuron.MaxScales)
				}
				scales = max(scales, m+1)
			}
		}
	}
	for m := 1; m < scales; m++ {
		for _, p := range []struct {
			name string
			dst  *[]float32
		}{{"_p", &l.P}, {"_b", &l.B}} {
			key := LayerKey(i, ScaleName(p.name, m))
			if !z.Has(key) {
				return fmt.Errorf("missing key %s (the file has adaptation scales up to %d)", key, scales-1)
			}
			v, err := z.shaped(key, n)
			if err != nil {
				return err
			}
			*p.dst = append(*p.dst, v...)
		}
	}
	if scales > 1 {
		l.Neuron.Scales = scales
	}
	if key := LayerKey(i, vResetName); z.Has(key) {
		v, err := z.shaped(key, n)
		if err != nil {
			return err
		}
		l.VReset, l.Neuron.ResetPotential = v, true
	}
	return nil
}

// readReadout reads the readout, if the file has one; nIn is the last
// layer's size and want the config's "readout" (nil if absent).
func readReadout(z *Archive, nIn int, want *bool) (*network.Readout, error) {
	has := z.Has(readoutWeight)
	switch {
	case want == nil && !has:
		return nil, nil
	case want != nil && !*want:
		if has {
			return nil, fmt.Errorf("key %s: present, but config readout is false", readoutWeight)
		}
		return nil, nil
	case !has:
		return nil, fmt.Errorf("missing key %s (config readout is true)", readoutWeight)
	}
	w, err := z.Array(readoutWeight)
	if err != nil {
		return nil, err
	}
	if sh := w.Shape; len(sh) != 2 || sh[0] < 1 || sh[1] != nIn {
		return nil, fmt.Errorf("key %s: shape %s, want (n_out, %d): the last layer has %d neurons", readoutWeight, FormatShape(sh), nIn, nIn)
	}
	r := &network.Readout{NIn: nIn, NOut: w.Shape[0], W: w.Data}
	if r.Bias, err = z.shaped(readoutBias, r.NOut); err != nil {
		return nil, err
	}
	if r.Beta, err = z.shaped(readoutBeta, r.NOut); err != nil {
		return nil, err
	}
	return r, nil
}

// shaped reads the float array key and checks its shape.
func (z *Archive) shaped(key string, shape ...int) ([]float32, error) {
	a, err := z.Array(key)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(a.Shape, shape) {
		return nil, fmt.Errorf("key %s: shape %s, want %s", key, FormatShape(a.Shape), FormatShape(shape))
	}
	return a.Data, nil
}
