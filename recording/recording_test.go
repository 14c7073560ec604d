package recording

import (
	"bytes"
	"compress/gzip"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const dataDir = "../testdata/qsnmc2007-challenge-a"

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestGammaHandMade(t *testing.T) {
	const n, dt = 10000, 0.2 // 2 s
	data := []int{100, 1000, 2000, 5000}
	if g := Gamma(data, data, n, dt, Window); !near(g, 1, 1e-12) {
		t.Errorf("identical trains: Γ = %g, want 1", g)
	}
	// Every spike shifted by 2 ms (10 samples) still coincides, by 2.2 ms not.
	shift := func(s []int, d int) []int {
		o := make([]int, len(s))
		for i, v := range s {
			o[i] = v + d
		}
		return o
	}
	if g := Gamma(data, shift(data, 10), n, dt, Window); !near(g, 1, 1e-12) {
		t.Errorf("shift of 2 ms: Γ = %g, want 1", g)
	}
	// No coincidences: N_coinc = 0, ν = 4/2000 per ms, E = 2·ν·2·4 = 0.032,
	// Γ = (0 − 0.032)/4 / (1 − 0.008).
	want := (0 - 2*(4.0/2000)*2*4) / 4 / (1 - 2*(4.0/2000)*2)
	if g := Gamma(data, shift(data, 11), n, dt, Window); !near(g, want, 1e-12) {
		t.Errorf("shift of 2.2 ms: Γ = %g, want %g", g, want)
	}
	// Half the spikes predicted, no extra: N_coinc = 2, N_model = 2.
	model := []int{100, 2000}
	nu := 2.0 / 2000
	want = (2 - 2*nu*2*4) / (0.5 * 6) / (1 - 2*nu*2)
	if g := Gamma(data, model, n, dt, Window); !near(g, want, 1e-12) {
		t.Errorf("half predicted: Γ = %g, want %g", g, want)
	}
	// One to one: two model spikes near one data spike count once.
	if c := Coincidences([]int{100}, []int{98, 102}, 10); c != 1 {
		t.Errorf("coincidences %d, want 1", c)
	}
	if c := Coincidences([]int{95, 100}, []int{98}, 10); c != 1 {
		t.Errorf("coincidences %d, want 1", c)
	}
	if g := Gamma(nil, nil, n, dt, Window); g != 0 {
		t.Errorf("empty trains: Γ = %g", g)
	}
	// A model at 250 Hz or faster (2νΔ >= 1): undefined. Every 4th sample
	// (0.8 ms) is 1250 Hz; 500 spikes in 2 s are exactly 250 Hz, 499 just
	// below, where the formula still holds.
	every := func(k, count int) []int {
		var s []int
		for i := range count {
			s = append(s, i*k)
		}
		return s
	}
	for _, c := range []struct {
		model   []int
		defined bool
	}{{every(4, 2500), false}, {every(20, 500), false}, {every(20, 499), true}} {
		g := Gamma(data, c.model, n, dt, Window)
		if math.IsNaN(g) == c.defined {
			t.Errorf("%d model spikes in 2 s: Γ = %g, want defined %v", len(c.model), g, c.defined)
		}
	}
}

func TestExplainedVariance(t *testing.T) {
	reps := [][]int{{100, 500, 900}, {100, 500, 900}, {100, 500, 900}}
	ev, own := ExplainedVariance(reps, []int{100, 500, 900}, 1000, 0.2, Sigma)
	if !near(ev, 1, 1e-12) || !near(own, 1, 1e-12) {
		t.Errorf("identical trains: EV %g, own %g, want 1, 1", ev, own)
	}
	ev, _ = ExplainedVariance(reps, nil, 1000, 0.2, Sigma)
	if ev > 0.01 {
		t.Errorf("silent model: EV %g, want <= about 0", ev)
	}
}

func TestResample(t *testing.T) {
	r := &Recording{Name: "x", DT: 0.2, Current: []float64{1, 3, 5, 7, 9}, Reps: [][]int{{0, 1, 4}}}
	c, err := r.Resample(2)
	if err != nil {
		t.Fatal(err)
	}
	if c.DT != 0.4 || len(c.Current) != 3 || c.Current[0] != 2 || c.Current[1] != 6 || c.Current[2] != 9 {
		t.Errorf("resampled %+v", c)
	}
	if got := c.Reps[0]; len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Errorf("resampled spikes %v, want [0 2]", got)
	}
}

// TestRealRecordings checks the spike counts and reliabilities stated in
// the data's README.
func TestRealRecordings(t *testing.T) {
	recs, err := ReadDir(dataDir, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name  string
		count float64
		rel   float64
	}{{"00", 905, 0.85}, {"04", 629, 0.72}, {"05", 43, 0.85}, {"06", 538, 0.28}, {"08", 82, 0.13}, {"09", 522, 0.06}}
	if len(recs) != len(want) {
		t.Fatalf("%d stimuli, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Name != w.name || len(r.Reps) != 4 || r.Len() != 34000 {
			t.Errorf("stimulus %d: %s, %d reps, %d samples", i, r.Name, len(r.Reps), r.Len())
		}
		if c := r.MeanCount(); math.Abs(c-w.count) > 0.5 {
			t.Errorf("%s: mean count %g, want %g", r.Name, c, w.count)
		}
		if rel := Reliability(r.Reps, r.Len(), r.DT, Window); math.Abs(rel-w.rel) > 0.005 {
			t.Errorf("%s: reliability %.4f, want %.2f", r.Name, rel, w.rel)
		}
	}
	s := Evaluate(recs[0], recs[0].Reps[0])
	if s.NormGamma < 0.9 || s.NormGamma > 1.2 || s.CountError > 0.05 {
		t.Errorf("a repetition as prediction: %+v", s)
	}
}

func writeGz(t *testing.T, path, text string) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadFiles(t *testing.T) {
	volt := "0 1.0 -60\n1 2.0 -60\n2 3.0 -60\n"
	for _, c := range []struct {
		name, volt, spk, want string
	}{
		{"missing column", "0 1.0 -60\n1\n", "0\n", "s-0.voltage:2: 1 columns"},
		{"non-numeric", "0 1.0 -60\n1 x -60\n", "0\n", `s-0.voltage:2: current "x" is not a finite number`},
		{"bad index", "0 1.0 -60\n2 1.0 -60\n", "0\n", "s-0.voltage:2: sample index 2, want 1"},
		{"no spikes", volt, "\n", "s-0.spiketimes:2: no spikes"},
		{"spike past end", volt, "0\n7\n", "s-0.spiketimes:2: spike at sample 7"},
		{"non-numeric spike", volt, "0\nabc 3\n", `s-0.spiketimes:2: spike time "abc"`},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "s-0.voltage"), []byte(c.volt), 0o644)
		os.WriteFile(filepath.Join(dir, "s-0.spiketimes"), []byte(c.spk), 0o644)
		_, err := ReadDir(dir, 0.2)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// Unequal lengths of two repetitions, gzip-compressed.
	dir := t.TempDir()
	writeGz(t, filepath.Join(dir, "s-0.voltage.gz"), volt)
	writeGz(t, filepath.Join(dir, "s-0.spiketimes.gz"), "1\n")
	writeGz(t, filepath.Join(dir, "s-1.voltage.gz"), "0 1 -60\n1 1 -60\n")
	writeGz(t, filepath.Join(dir, "s-1.spiketimes.gz"), "1\n")
	_, err := ReadDir(dir, 0.2)
	if err == nil || !strings.Contains(err.Error(), "s-1.voltage.gz:2: 2 samples") {
		t.Errorf("unequal lengths: error %v", err)
	}
	// CSV: wrong field count, bad spike flag.
	for _, c := range []struct{ text, want string }{
		{"# dt_ms=0.2\ncurrent,rep0\n1,0\n2\n", "x.csv:4: 1 fields, want 2"},
		{"1,0\n2,x\n", `x.csv:2: repetition 0: "x"`},
		{"1,0\n2,0\n", "repetition 0 (column 2) has no spikes"},
	} {
		p := filepath.Join(t.TempDir(), "x.csv")
		os.WriteFile(p, []byte(c.text), 0o644)
		_, err := ReadFile(p, 0.2)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("csv %q: error %v, want %q", c.text, err, c.want)
		}
	}
}

func TestFormatsAgree(t *testing.T) {
	dir := t.TempDir()
	csv := "# dt_ms=0.5\ncurrent_pA,rep0,rep1\n1.5,0,1\n2.5,1,0\n-3,0,1\n"
	p := filepath.Join(dir, "a.csv")
	os.WriteFile(p, []byte(csv), 0o644)
	r, err := ReadFile(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "a" || r.DT != 0.5 || len(r.Current) != 3 || len(r.Reps) != 2 || r.Reps[1][1] != 2 {
		t.Fatalf("csv read as %+v", r)
	}
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, r); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(dir, "a.npz")
	os.WriteFile(q, buf.Bytes(), 0o644)
	r2, err := ReadFile(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r2.DT != 0.5 || len(r2.Current) != 3 || r2.Current[2] != -3 || len(r2.Reps) != 2 || r2.Reps[0][0] != 1 {
		t.Fatalf("npz read as %+v", r2)
	}
	if _, err := ReadFile(q, 0.2); err == nil || !strings.Contains(err.Error(), "a.npz: time step 0.5 ms") {
		t.Errorf("dt mismatch: %v", err)
	}
	// A competition voltage file as a current to predict from.
	r3, err := ReadFile(filepath.Join(dataDir, "05-0.voltage.gz"), 0.2)
	if err != nil || r3.Name != "05-0" || r3.Len() != 34000 {
		t.Fatalf("voltage file: %v %v", r3, err)
	}
}

// TestGammaPaddedTrain is the finding behind Γ's undefined range: a
// recorded repetition of stimulus 00 (133 Hz) padded with random spikes
// scores less the more it is padded, until the formula's divisor
// 1 − 2νΔ turns negative near twice the count, where it used to score a
// normalised Γ above 1; there Γ is now NaN.
func TestGammaPaddedTrain(t *testing.T) {
	recs, err := ReadDir(dataDir, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	n, dt := rec.Len(), rec.DT
	rel := Reliability(rec.Reps, n, dt, Window)
	prev := math.Inf(1)
	for _, f := range []float64{1, 1.3, 1.7, 2} {
		rng := rand.New(rand.NewPCG(1, 1))
		m := slices.Clone(rec.Reps[0])
		for range int(float64(len(m)) * (f - 1)) {
			m = append(m, rng.IntN(n))
		}
		slices.Sort(m)
		m = slices.Compact(m)
		g := MeanGamma(rec.Reps[1:], m, n, dt, Window) / rel
		t.Logf("×%.1f (%.0f Hz): normalised Γ %.3f", f, float64(len(m))/(float64(n)*dt)*1000, g)
		if 2*float64(len(m))/(float64(n)*dt)*Window >= 1 {
			if !math.IsNaN(g) {
				t.Errorf("×%.1f: normalised Γ %g at 2νΔ >= 1, want NaN", f, g)
			}
			continue
		}
		if !(g < prev) {
			t.Errorf("×%.1f: normalised Γ %g, not below %g of less padding", f, g, prev)
		}
		prev = g
	}
}
