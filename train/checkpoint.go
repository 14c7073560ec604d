package train

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/model"
	"github.com/blocks-snn/blocks/network"
)

// Keys a checkpoint adds to a model file.
const (
	ConfigKey   = "train.config" // Config as JSON, a numpy string array of shape (1,)
	StateKey    = "train.state"  // State and the optimiser's scalars as JSON, same form
	AdamStepKey = "adam.step"    // the optimiser's step count, float32, shape ()
	adamM       = "adam.m."      // + parameter key: first moments, the parameter's shape
	adamV       = "adam.v."      // + parameter key: second moments
)

// Checkpoint is a training run's full state.
type Checkpoint struct {
	Config Config
	Net    *network.Network
	Adam   *Adam
	State  State
}

// savedState is the JSON under StateKey.
type savedState struct {
	State
	Adam adamScalars `json:"adam"`
}

type adamScalars struct {
	LR    float64 `json:"lr"`
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	Eps   float64 `json:"eps"`
	Step  int     `json:"step"`
}

// maxStep is the largest step count a float32 holds exactly.
const maxStep = 1 << 24

// WriteCheckpoint writes c as an .npz archive: first exactly the arrays of
// the model file model.Write writes (so model.Load, `blocks run` and the
// reference read a checkpoint as a model), then
//
//	adam.m.<key>, adam.v.<key>   Adam's moments for every parameter <key>
//	                             of Params ("0._rf_weight", "readout._bias", …),
//	                             float32, in the parameter's shape
//	adam.step                    the number of optimiser steps, float32, shape ()
//	train.config                 the Config as JSON (numpy '<U' string array, shape (1,))
//	train.state                  the State (finished epochs, best accuracy and
//	                             epoch, metrics history) and Adam's scalars as JSON
func WriteCheckpoint(w io.Writer, c *Checkpoint) error {
	params := model.NetParams(c.Net)
	if len(c.Adam.M) != len(params) || len(c.Adam.V) != len(params) {
		return fmt.Errorf("checkpoint: optimiser state for %d parameters, the network has %d", len(c.Adam.M), len(params))
	}
	if c.Adam.Step >= maxStep {
		return fmt.Errorf("checkpoint: %d optimiser steps do not fit in a float32", c.Adam.Step)
	}
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	st, err := json.Marshal(savedState{State: c.State, Adam: adamScalars{
		LR: c.Adam.LR, Beta1: c.Adam.Beta1, Beta2: c.Adam.Beta2, Eps: c.Adam.Eps, Step: c.Adam.Step}})
	if err != nil {
		return err
	}
	var extra []model.Entry
	for i, p := range params {
		extra = append(extra,
			model.Entry{Key: adamM + p.Key, Array: model.Array{Shape: p.Shape, Data: c.Adam.M[i]}},
			model.Entry{Key: adamV + p.Key, Array: model.Array{Shape: p.Shape, Data: c.Adam.V[i]}})
	}
	extra = append(extra, model.Entry{Key: AdamStepKey, Array: model.Array{Shape: []int{}, Data: []float32{float32(c.Adam.Step)}}})
	return model.WriteWith(w, c.Net, func(zw *zip.Writer) error {
		for _, e := range extra {
			f, err := createMember(zw, e.Key)
			if err != nil {
				return err
			}
			if err := model.WriteArray(f, e.Array); err != nil {
				return fmt.Errorf("%s: %w", e.Key, err)
			}
		}
		for _, s := range []struct{ key, text string }{{ConfigKey, string(cfg)}, {StateKey, string(st)}} {
			f, err := createMember(zw, s.key)
			if err != nil {
				return err
			}
			if err := writeString(f, s.text); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveCheckpoint writes c to path atomically (see WriteCheckpoint).
func SaveCheckpoint(path string, c *Checkpoint) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteCheckpoint(w, c) })
}

// zipTime is every member's modification time, fixed so that the same
// state always gives the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func createMember(zw *zip.Writer, key string) (io.Writer, error) {
	return zw.CreateHeader(&zip.FileHeader{Name: key + ".npy", Method: zip.Deflate, Modified: zipTime})
}

// writeString writes s as numpy writes np.array([s]): dtype '<U{n}',
// shape (1,), UTF-32LE code units.
func writeString(w io.Writer, s string) error {
	r := []rune(s)
	if len(r) == 0 {
		r = []rune{0}
	}
	dict := fmt.Sprintf("{'descr': '<U%d', 'fortran_order': False, 'shape': (1,), }", len(r))
	const prefix = 10 // magic, version, header length
	dict += strings.Repeat(" ", (64-(prefix+len(dict)+1)%64)%64) + "\n"
	h := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(h[8:], uint16(len(dict)))
	b := make([]byte, 4*len(r))
	for i, c := range r {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(c))
	}
	if len(dict) > math.MaxUint16 {
		return fmt.Errorf("string header too long")
	}
	_, err := w.Write(append(append(h, dict...), b...))
	return err
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint. Errors name
// the file and the key.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	c, err := loadCheckpoint(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return c, nil
}

func loadCheckpoint(path string) (*Checkpoint, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(raw)
}

// decodeCheckpoint reads a checkpoint from its bytes.
func decodeCheckpoint(raw []byte) (*Checkpoint, error) {
	net, err := model.Read(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, err
	}
	z, err := model.OpenArchive(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Net: net}
	if err := decodeJSON(z, ConfigKey, &c.Config); err != nil {
		return nil, err
	}
	var st savedState
	if err := decodeJSON(z, StateKey, &st); err != nil {
		return nil, err
	}
	c.State = st.State
	c.Adam = &Adam{LR: st.Adam.LR, Beta1: st.Adam.Beta1, Beta2: st.Adam.Beta2, Eps: st.Adam.Eps}
	step, err := floats(z, AdamStepKey, []int{})
	if err != nil {
		return nil, err
	}
	if s := step[0]; s < 0 || s >= maxStep || s != float32(math.Trunc(float64(s))) {
		return nil, fmt.Errorf("key %s: %v is not a step count", AdamStepKey, s)
	}
	c.Adam.Step = int(step[0])
	if c.Adam.Step != st.Adam.Step {
		return nil, fmt.Errorf("key %s: %d steps, but %s says %d", AdamStepKey, c.Adam.Step, StateKey, st.Adam.Step)
	}
	for _, p := range model.NetParams(net) {
		m, err := floats(z, adamM+p.Key, p.Shape)
		if err != nil {
			return nil, err
		}
		v, err := floats(z, adamV+p.Key, p.Shape)
		if err != nil {
			return nil, err
		}
		c.Adam.M = append(c.Adam.M, m)
		c.Adam.V = append(c.Adam.V, v)
	}
	return c, nil
}

// ReadConfig returns the training configuration stored in a checkpoint
// or best model, and false if the file has none (a plain model file).
func ReadConfig(path string) (Config, bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, false, err
	}
	z, err := model.OpenArchive(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return Config{}, false, fmt.Errorf("%s: %w", path, err)
	}
	if !z.Has(ConfigKey) {
		return Config{}, false, nil
	}
	var c Config
	if err := decodeJSON(z, ConfigKey, &c); err != nil {
		return Config{}, false, fmt.Errorf("%s: %w", path, err)
	}
	return c, true, nil
}

// decodeJSON decodes member key, a string array of one element, as JSON
// into v.
func decodeJSON(z *model.Archive, key string, v any) error {
	s, err := z.Text(key)
	if err != nil {
		return err
	}
	if err := json.NewDecoder(strings.NewReader(s)).Decode(v); err != nil {
		return fmt.Errorf("key %s: %w", key, err)
	}
	return nil
}

// floats reads member key as a float array of the given shape.
func floats(z *model.Archive, key string, shape []int) ([]float32, error) {
	a, err := z.Array(key)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(a.Shape, shape) {
		return nil, fmt.Errorf("key %s: shape %s, want %s", key, model.FormatShape(a.Shape), model.FormatShape(shape))
	}
	return a.Data, nil
}
