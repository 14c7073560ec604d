package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/sim"
	"github.com/blocks-snn/blocks/tensor"
)

// runJob is a validated "blocks run": the model's adaptive layers (no
// readout: the outputs and --out-grad concern the last layer's spikes),
// the input and the optional gradient in the simulator's layout.
type runJob struct {
	net    *network.Network
	method sim.Method
	x      tensor.Batch  // [B][T][n_in]
	gOut   *tensor.Batch // [B][T][n_out of the last layer], nil without --out-grad
	out    string
}

// runRun runs a model file on an input in the reference's layout
// [batch, n_in, T] and writes every layer's spikes [batch, n_out, T] as
// spikes.<layer>; with --out-grad (dL/d last layer's spikes, [batch,
// n_out, T]) also grad.<layer>.<name> for every parameter, in the
// parameter's reference shape, and grad.input [batch, n_in, T].
func runRun(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	modelPath := fs.String("model", "", "model file (.npz): reference state_dict keys and a JSON config (required)")
	inputPath := fs.String("input", "", "input (.npy, float32 or float64), shape [batch, n_in, T] (required)")
	method := fs.String("method", "blocks", "simulator: blocks or standard")
	outPath := fs.String("out", "", "output file (.npz) for spikes.<layer> [batch, n_out, T] and gradients (required)")
	gradPath := fs.String("out-grad", "", "optional gradient of a loss w.r.t. the last layer's spikes (.npy), [batch, n_out, T];\nadds grad.<layer>.<name> for every parameter and grad.input")
	threads := threadsFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	restore, err := useThreads("run", *threads)
	if err != nil {
		return err
	}
	defer restore()
	job, err := prepareRun(*modelPath, *inputPath, *method, *outPath, *gradPath)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	entries, err := job.run()
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := model.SaveArrays(job.out, entries); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d layers, %s simulator, batch %d, %d steps; wrote %d arrays to %s\n",
		*modelPath, len(job.net.Layers), job.method, job.x.B, job.x.T, len(entries), job.out)
	return nil
}

// prepareRun checks every flag and file before any work starts. Errors
// name the flag and the file.
func prepareRun(modelPath, inputPath, method, outPath, gradPath string) (*runJob, error) {
	for _, f := range []struct{ flag, val string }{{"--model", modelPath}, {"--input", inputPath}, {"--out", outPath}} {
		if f.val == "" {
			return nil, fmt.Errorf("%s is required", f.flag)
		}
	}
	m, err := sim.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("--method: %w", err)
	}
	if st, err := os.Stat(filepath.Dir(outPath)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--out: %s: the directory %s does not exist", outPath, filepath.Dir(outPath))
	}
	net, err := model.Load(modelPath)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	job := &runJob{net: &network.Network{Layers: net.Layers}, method: m, out: outPath}
	last := net.Layers[len(net.Layers)-1]
	x, err := loadChannelMajor("--input", inputPath, -1, net.Inputs(), -1)
	if err != nil {
		return nil, err
	}
	job.x = x
	if gradPath != "" {
		g, err := loadChannelMajor("--out-grad", gradPath, x.B, last.NOut, x.T)
		if err != nil {
			return nil, err
		}
		job.gOut = &g
	}
	return job, nil
}

// loadChannelMajor reads a [batch, channels, T] array and returns it as
// [B][T][channels]. Dimensions given as -1 may take any positive size.
func loadChannelMajor(flagName, path string, batch, channels, steps int) (tensor.Batch, error) {
	a, err := model.LoadArray(path)
	if err != nil {
		return tensor.Batch{}, fmt.Errorf("%s: %w", flagName, err)
	}
	want := []int{batch, channels, steps}
	ok := len(a.Shape) == 3
	for i := 0; ok && i < 3; i++ {
		ok = a.Shape[i] > 0 && (want[i] < 0 || a.Shape[i] == want[i])
	}
	if !ok {
		return tensor.Batch{}, fmt.Errorf("%s: %s: shape %s, want %s", flagName, path, model.FormatShape(a.Shape), wantShape(want))
	}
	return fromChannelMajor(a), nil
}

// wantShape formats an expected [batch, channels, T] shape, naming the
// dimensions that may take any size.
func wantShape(want []int) string {
	dims := []string{"batch", "channels", "T"}
	for i, d := range want {
		if d >= 0 {
			dims[i] = strconv.Itoa(d)
		}
	}
	return "(" + strings.Join(dims, ", ") + ")"
}

// run simulates the job and returns the arrays to write.
func (j *runJob) run() ([]model.Entry, error) {
	p, err := j.net.Forward(j.x, j.method)
	if err != nil {
		return nil, err
	}
	var out []model.Entry
	for l := range j.net.Layers {
		out = append(out, model.Entry{Key: fmt.Sprintf("spikes.%d", l), Array: toChannelMajor(p.Spikes(l))})
	}
	if j.gOut == nil {
		return out, nil
	}
	g, err := p.Backward(*j.gOut, true)
	if err != nil {
		return nil, err
	}
	for l, layer := range j.net.Layers {
		for _, e := range model.Grads(layer, g.Layers[l]) {
			e.Key = "grad." + model.LayerKey(l, e.Key)
			out = append(out, e)
		}
	}
	return append(out, model.Entry{Key: "grad.input", Array: toChannelMajor(g.Input)}), nil
}

// fromChannelMajor converts a [batch, channels, T] array (the reference's
// layout) to [B][T][channels].
func fromChannelMajor(a model.Array) tensor.Batch {
	nb, c, nt := a.Shape[0], a.Shape[1], a.Shape[2]
	x := tensor.New(nb, nt, c)
	for b := range nb {
		for i := range c {
			src := a.Data[(b*c+i)*nt : (b*c+i+1)*nt]
			for t, v := range src {
				x.Data[(b*nt+t)*c+i] = v
			}
		}
	}
	return x
}

// toChannelMajor converts [B][T][N] to a [batch, N, T] array.
func toChannelMajor(x tensor.Batch) model.Array {
	a := model.Array{Shape: []int{x.B, x.N, x.T}, Data: make([]float32, len(x.Data))}
	for b := range x.B {
		for t := range x.T {
			for i, v := range x.Row(b, t) {
				a.Data[(b*x.N+i)*x.T+t] = v
			}
		}
	}
	return a
}
