package fit

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/recording"
)

// CheckpointFile is the name the blocks command gives a fit's checkpoint
// in its output directory.
const CheckpointFile = "checkpoint.npz"

// A checkpoint is an .npz archive: first exactly the arrays of the model
// file model.Write writes for the neuron's current parameters (so model.Load
// and `blocks run` read a checkpoint as a model, and every parameter
// tensor the model format has is carried), then the member
//
//	fit.state.json   checkpointState as JSON: the configuration, a SHA-256
//	                 digest of the training recordings, the epochs run, the
//	                 learning-rate schedule, the loss history, the best
//	                 epoch's parameters, Adam's moments and step
//
// JSON numbers are written in the shortest form that reads back to the
// same float, so a resumed fit continues bit for bit.
const (
	stateMember       = "fit.state.json"
	checkpointVersion = 1
	maxStateBytes     = 64 << 20 // a forged member is not read beyond this
)

// checkpointState is the JSON of stateMember.
type checkpointState struct {
	Version int             `json:"version"`
	Config  json.RawMessage `json:"config"`
	Data    string          `json:"data_sha256"`
	Stimuli []string        `json:"stimuli"`
	Epoch   int             `json:"epoch"` // epochs run
	Done    bool            `json:"done"`
	Plateau int             `json:"plateau"`
	LR      float64         `json:"lr"`
	// LastBest is the loss the plateau counter compares with.
	LastBest  float64     `json:"last_best"`
	Loss      []float64   `json:"loss"`
	Gamma     gammas      `json:"training_gamma"`
	Best      float64     `json:"best_loss"`
	BestEpoch int         `json:"best_epoch"`
	Seconds   float64     `json:"seconds"`
	BestParam [][]float32 `json:"best_params"` // in the order of the fit's parameter list
	AdamM     []float64   `json:"adam_m"`
	AdamV     []float64   `json:"adam_v"`
	AdamStep  int         `json:"adam_step"`
}

// gammas are the training Γ of every epoch. JSON has no NaN: an undefined
// Γ (recording.Gamma) is written as null and read back as NaN.
type gammas []float64

func (g gammas) MarshalJSON() ([]byte, error) {
	v := make([]*float64, len(g))
	for i := range g {
		if !math.IsNaN(g[i]) {
			v[i] = &g[i]
		}
	}
	return json.Marshal(v)
}

func (g *gammas) UnmarshalJSON(b []byte) error {
	var v []*float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*g = make(gammas, len(v))
	for i, p := range v {
		(*g)[i] = math.NaN()
		if p != nil {
			(*g)[i] = *p
		}
	}
	return nil
}

// checkpointer writes and reads the checkpoints of one Run.
type checkpointer struct {
	path       string
	every      int
	resumeFrom bool
	epochs     int
	config     json.RawMessage
	configErr  error
	data       string
	stimuli    []string
	saved      int // the epoch of the checkpoint last written or read, -1 for none
	savedDone  bool
	start      time.Time
}

func newCheckpointer(opt Options, cfg Config, recs []*recording.Recording) *checkpointer {
	c := &checkpointer{path: opt.Checkpoint, every: max(opt.Every, 1), resumeFrom: opt.Resume, epochs: cfg.Epochs, saved: -1, start: time.Now()}
	if c.path == "" {
		return c
	}
	c.config, c.configErr = json.Marshal(cfg)
	c.data = dataDigest(recs)
	for _, r := range recs {
		c.stimuli = append(c.stimuli, r.Name)
	}
	return c
}

// dataDigest returns the SHA-256 digest of what a fit reads from the
// recordings: names, time steps, currents and spike trains.
func dataDigest(recs []*recording.Recording) string {
	h := sha256.New()
	var b [8]byte
	put := func(u uint64) {
		binary.LittleEndian.PutUint64(b[:], u)
		h.Write(b[:])
	}
	for _, r := range recs {
		put(uint64(len(r.Name)))
		h.Write([]byte(r.Name))
		put(math.Float64bits(r.DT))
		put(uint64(len(r.Current)))
		for _, v := range r.Current {
			put(math.Float64bits(v))
		}
		put(uint64(len(r.Reps)))
		for _, s := range r.Reps {
			put(uint64(len(s)))
			for _, i := range s {
				put(uint64(i))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// elapsed returns the seconds since the fit started or resumed.
func (c *checkpointer) elapsed() float64 { return time.Since(c.start).Seconds() }

// resume loads the checkpoint into s if resuming was asked for and the
// file exists. Errors name the file.
func (c *checkpointer) resume(s *state) error {
	if c.path == "" || !c.resumeFrom {
		return nil
	}
	raw, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = c.decode(raw, s)
	}
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", c.path, err)
	}
	c.saved, c.savedDone = s.epoch, s.done
	s.res.Resumed = s.epoch
	c.start = time.Now()
	return nil
}

// epochStart is called before every epoch: it writes a checkpoint every
// c.every epochs, and when ctx is done, writes one and returns an error
// wrapping ctx's.
func (c *checkpointer) epochStart(ctx context.Context, s *state) error {
	if err := ctx.Err(); err != nil {
		if serr := c.save(s); serr != nil {
			return fmt.Errorf("stopped after epoch %d of %d (%w), and the checkpoint could not be written: %v", s.epoch, c.epochs, err, serr)
		}
		if c.path == "" || s.epoch == 0 {
			return fmt.Errorf("stopped after epoch %d of %d, no checkpoint written (%w)", s.epoch, c.epochs, err)
		}
		return fmt.Errorf("stopped after epoch %d of %d; %s holds the fit's state (%w)", s.epoch, c.epochs, c.path, err)
	}
	if s.epoch%c.every == 0 {
		return c.save(s)
	}
	return nil
}

// diverged returns the error that stops a fit whose epoch s.epoch went
// non-finite (err says what did), naming the checkpoint that holds the
// last good state, if any. No checkpoint is written after it.
func (c *checkpointer) diverged(s *state, err error) error {
	err = fmt.Errorf("epoch %d: %w (the fit diverged)", s.epoch, err)
	if c.path == "" || c.saved < 1 {
		return err
	}
	return fmt.Errorf("%w; stopped: %s holds the last good state (epoch %d)", err, c.path, c.saved)
}

// save writes s to the checkpoint file atomically, unless there is no
// file to write, no epoch was run or the file already holds s.
func (c *checkpointer) save(s *state) error {
	if c.path == "" || s.epoch == 0 || (s.epoch == c.saved && s.done == c.savedDone) {
		return nil
	}
	if err := atomicfile.Write(c.path, func(w io.Writer) error { return c.encode(w, s) }); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	c.saved, c.savedDone = s.epoch, s.done
	return nil
}

// zipTime is the state member's modification time, fixed so that the same
// state always gives the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// encode writes s as a checkpoint archive.
func (c *checkpointer) encode(w io.Writer, s *state) error {
	if c.configErr != nil {
		return fmt.Errorf("configuration: %w", c.configErr)
	}
	st := checkpointState{
		Version: checkpointVersion, Config: c.config, Data: c.data, Stimuli: c.stimuli,
		Epoch: s.epoch, Done: s.done, Plateau: s.plateau, LR: s.lr, LastBest: s.lastBest,
		Loss: s.res.Loss, Gamma: gammas(s.res.Gamma), Best: s.res.Best, BestEpoch: s.res.BestEpoch, Seconds: s.res.Seconds + c.elapsed(),
		BestParam: s.best, AdamM: s.adam.m, AdamV: s.adam.v, AdamStep: s.adam.step,
	}
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("%s: %w", stateMember, err)
	}
	return model.WriteWith(w, s.net, func(zw *zip.Writer) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: stateMember, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return err
		}
		_, err = f.Write(js)
		return err
	})
}

// decode reads a checkpoint into s, refusing one of another configuration
// or other recordings, or one whose state does not fit the fit's.
func (c *checkpointer) decode(raw []byte, s *state) error {
	st, err := readState(raw)
	if err != nil {
		return err
	}
	if st.Version != checkpointVersion {
		return fmt.Errorf("version %d, want %d", st.Version, checkpointVersion)
	}
	if d := configDiff(st.Config, c.config); d != "" {
		return fmt.Errorf("it is of a fit with another configuration (%s): resume with the settings of that fit, or start afresh", d)
	}
	if st.Data != c.data {
		return fmt.Errorf("it is of a fit on other recordings (stimuli %s there, %s here, or their contents differ): resume with those recordings, or start afresh",
			strings.Join(st.Stimuli, ","), strings.Join(c.stimuli, ","))
	}
	if err := st.check(s, c.epochs); err != nil {
		return fmt.Errorf("%s: %w", stateMember, err)
	}
	net, err := model.Read(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return err
	}
	if err := copyParams(s.net, net); err != nil {
		return err
	}
	for i, p := range st.BestParam {
		copy(s.best[i], p)
	}
	copy(s.adam.m, st.AdamM)
	copy(s.adam.v, st.AdamV)
	s.adam.step = st.AdamStep
	s.epoch, s.done, s.plateau, s.lr, s.lastBest = st.Epoch, st.Done, st.Plateau, st.LR, st.LastBest
	s.res.Loss, s.res.Gamma, s.res.Best, s.res.BestEpoch, s.res.Seconds = st.Loss, []float64(st.Gamma), st.Best, st.BestEpoch, st.Seconds
	return nil
}

// readState returns the state member of a checkpoint archive.
func readState(raw []byte) (*checkpointState, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, fmt.Errorf("not an .npz archive: %w", err)
	}
	i := slices.IndexFunc(zr.File, func(f *zip.File) bool { return f.Name == stateMember })
	if i < 0 {
		return nil, fmt.Errorf("no %s: not a checkpoint of blocks fit", stateMember)
	}
	rc, err := zr.File[i].Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stateMember, err)
	}
	defer rc.Close()
	js, err := io.ReadAll(io.LimitReader(rc, maxStateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stateMember, err)
	}
	if len(js) > maxStateBytes {
		return nil, fmt.Errorf("%s: more than %d bytes", stateMember, maxStateBytes)
	}
	var st checkpointState
	if err := json.Unmarshal(js, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", stateMember, err)
	}
	return &st, nil
}

// configDiff lists the settings that differ between two configurations
// as JSON objects, "" if none does.
func configDiff(there, here json.RawMessage) string {
	var a, b map[string]any
	if json.Unmarshal(there, &a) != nil || json.Unmarshal(here, &b) != nil {
		return "unreadable configuration"
	}
	var diffs []string
	for k, v := range b {
		if w, ok := a[k]; !ok || fmt.Sprint(w) != fmt.Sprint(v) {
			diffs = append(diffs, fmt.Sprintf("%s %v there, %v here", k, w, v))
		}
	}
	for k, w := range a {
		if _, ok := b[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s %v there, not set here", k, w))
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}

// check reports a state that cannot continue the fit of s, which runs at
// most epochs epochs.
func (st *checkpointState) check(s *state, epochs int) error {
	switch {
	case st.Epoch < 1 || st.Epoch > epochs:
		return fmt.Errorf("%d epochs run, want 1…%d", st.Epoch, epochs)
	case len(st.Loss) != st.Epoch || len(st.Gamma) != st.Epoch:
		return fmt.Errorf("%d losses and %d training Γ for %d epochs", len(st.Loss), len(st.Gamma), st.Epoch)
	case st.BestEpoch < 1 || st.BestEpoch > st.Epoch || st.Loss[st.BestEpoch-1] != st.Best:
		return fmt.Errorf("best epoch %d with loss %g does not match the loss history", st.BestEpoch, st.Best)
	case !(st.LR > 0), st.Plateau < 0, st.AdamStep < 0 || st.AdamStep > st.Epoch:
		return fmt.Errorf("learning rate %g, plateau %d or Adam step %d out of range", st.LR, st.Plateau, st.AdamStep)
	case len(st.AdamM) != len(s.adam.m) || len(st.AdamV) != len(s.adam.v):
		return fmt.Errorf("Adam moments for %d and %d parameters, the fit has %d", len(st.AdamM), len(st.AdamV), len(s.adam.m))
	case len(st.BestParam) != len(s.best):
		return fmt.Errorf("%d best parameter tensors, the fit has %d", len(st.BestParam), len(s.best))
	}
	for i, p := range st.BestParam {
		if len(p) != len(s.best[i]) {
			return fmt.Errorf("best parameter tensor %d has %d values, want %d", i, len(p), len(s.best[i]))
		}
	}
	return nil
}

// copyParams copies every parameter of src into dst, which must have the
// same tensors in the same shapes.
func copyParams(dst, src *network.Network) error {
	d, s := model.NetParams(dst), model.NetParams(src)
	if len(d) != len(s) || (dst.Readout == nil) != (src.Readout == nil) {
		return fmt.Errorf("the neuron has %d parameter tensors, the fit's has %d", len(s), len(d))
	}
	for i, e := range d {
		if e.Key != s[i].Key || model.FormatShape(e.Shape) != model.FormatShape(s[i].Shape) {
			return fmt.Errorf("parameter %s %s, the fit's is %s %s", s[i].Key, model.FormatShape(s[i].Shape), e.Key, model.FormatShape(e.Shape))
		}
		copy(e.Data, s[i].Data)
	}
	return nil
}
