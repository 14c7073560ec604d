package train

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzCheckpoint decodes arbitrary bytes as a checkpoint (an .npz of a
// model, Adam's state and the JSON keys train.config and train.state).
// On success, resuming from it either fails with an error or gives a
// trainer, and writing the checkpoint and reading it back gives the same
// state. Seeds are real checkpoints, one at an epoch's end and one
// interrupted mid-epoch.
func FuzzCheckpoint(f *testing.F) {
	tr, err := NewTrainer(toyConfig(1), toySplit(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := tr.Run(); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCheckpoint(&buf, tr.checkpoint()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	ck := tr.checkpoint()
	ck.State.Step, ck.State.Partial = 1, &Partial{LossSum: 3.5, Correct: 4, Seen: 16, Seconds: 0.25}
	buf.Reset()
	if err := WriteCheckpoint(&buf, ck); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	split := toySplit()
	f.Fuzz(func(t *testing.T, b []byte) {
		ck, err := decodeCheckpoint(b)
		if err != nil {
			return
		}
		if _, err := ResumeTrainer(ck, split, Options{}); err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteCheckpoint(&buf, ck); err != nil {
			return // e.g. a history whose numbers JSON cannot hold
		}
		back, err := decodeCheckpoint(buf.Bytes())
		if err != nil {
			t.Fatalf("re-reading a checkpoint just written: %v", err)
		}
		if d := stateDiff(&Trainer{Net: ck.Net, Adam: ck.Adam, State: ck.State}, &Trainer{Net: back.Net, Adam: back.Adam, State: back.State}); d != "" {
			t.Fatalf("round trip changed %s", d)
		}
		if !reflect.DeepEqual(ck.Config, back.Config) {
			t.Fatalf("round trip changed the config %+v → %+v", ck.Config, back.Config)
		}
	})
}

// FuzzCheckpointJSON parses arbitrary text as the JSON of train.config
// and train.state, as a checkpoint is read: never a panic; a config that
// validates, and any state, survive a JSON round trip unchanged.
func FuzzCheckpointJSON(f *testing.F) {
	cfg, _ := json.Marshal(DefaultConfig())
	paper, _ := Preset("paper")
	pj, _ := json.Marshal(paper)
	st, _ := json.Marshal(savedState{State: State{Epoch: 2, BestAccuracy: 0.5, BestEpoch: 1, History: []Metrics{{Epoch: 1, TrainLoss: 1.5}},
		Step: 3, Partial: &Partial{LossSum: 2, Correct: 1, Seen: 8}}, Adam: adamScalars{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5, Step: 7}})
	for _, s := range []string{string(cfg), string(pj), string(st), `{"hidden": [1e400]}`, `{"epochs": -1, "milestones": [3, 2]}`, `{"dt_ms": "x"}`, `null`, `{"history": [{"epoch": 1e309}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c Config
		if err := json.NewDecoder(strings.NewReader(s)).Decode(&c); err == nil && c.Validate() == nil {
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("a valid config does not marshal: %v", err)
			}
			var c2 Config
			if err := json.Unmarshal(b, &c2); err != nil || !reflect.DeepEqual(c, c2) {
				t.Fatalf("round trip changed the config %+v → %+v (%v)", c, c2, err)
			}
		}
		var ss savedState
		if err := json.NewDecoder(strings.NewReader(s)).Decode(&ss); err == nil {
			b, err := json.Marshal(ss)
			if err != nil {
				return // NaN cannot come from JSON; nothing else fails
			}
			var ss2 savedState
			if err := json.Unmarshal(b, &ss2); err != nil || !reflect.DeepEqual(ss, ss2) {
				t.Fatalf("round trip changed the state %+v → %+v (%v)", ss, ss2, err)
			}
		}
	})
}

// FuzzMetrics reads arbitrary bytes as metrics.jsonl: an error naming the
// line, or metrics that write and read back unchanged.
func FuzzMetrics(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"train_loss":2.5,"train_accuracy":0.25,"test_loss":2.4,"test_accuracy":0.3,"lr":0.001,"epoch_seconds":1.5,"samples_per_second":100,"eval_seconds":0.5}` + "\n\n" + `{"epoch":2}`))
	f.Add([]byte("{\"epoch\": 1}\n{\"epoch\": \"two\"}\n"))
	dir := f.TempDir()
	path, out := filepath.Join(dir, "m.jsonl"), filepath.Join(dir, "out.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ms, err := ReadMetrics(path)
		if err != nil {
			return
		}
		if err := WriteMetrics(out, ms); err != nil {
			t.Fatalf("re-writing: %v", err)
		}
		back, err := ReadMetrics(out)
		if err != nil || !reflect.DeepEqual(ms, back) && len(ms) > 0 {
			t.Fatalf("round trip changed the metrics %+v → %+v (%v)", ms, back, err)
		}
	})
}
