package dataset

import (
	"slices"
	"testing"
)

func small() RandmanConfig {
	c := DefaultRandman()
	c.Classes, c.Units, c.SamplesPerClass, c.Steps = 4, 30, 50, 40
	return c
}

func sameData(a, b Dataset) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		ea, _ := a.Sample(i)
		eb, _ := b.Sample(i)
		if a.Label(i) != b.Label(i) || !slices.Equal(ea.Ptr, eb.Ptr) || !slices.Equal(ea.Idx, eb.Idx) {
			return false
		}
	}
	return true
}

func TestRandmanDeterministic(t *testing.T) {
	c := small()
	c.Seed = 7
	a, err := GenerateRandman(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateRandman(c)
	if !sameData(a.Train, b.Train) || !sameData(a.Test, b.Test) {
		t.Error("same seed, different data")
	}
	c.Seed = 8
	d, _ := GenerateRandman(c)
	if sameData(a.Train, d.Train) {
		t.Error("different seeds, same data")
	}
	c.Dim, c.Alpha = 2, 1.5
	if _, err := GenerateRandman(c); err != nil {
		t.Error(err)
	}
	c.StepFrac = 0
	if _, err := GenerateRandman(c); err == nil {
		t.Error("step fraction 0: no error")
	}
}

func TestRandmanStatistics(t *testing.T) {
	c := small()
	s, err := GenerateRandman(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 4*40 || s.Test.Len() != 4*10 || s.Train.Channels() != 30 || s.Train.Steps() != 40 || s.Train.Classes() != 4 {
		t.Fatalf("%d and %d samples", s.Train.Len(), s.Test.Len())
	}
	span := int(c.StepFrac * float64(c.Steps))
	lo := map[[2]int]int{}
	hi := map[[2]int]int{}
	for _, d := range []Dataset{s.Train, s.Test} {
		perClass := map[int]int{}
		for i := range d.Len() {
			ev := check(t, d, i)
			l := d.Label(i)
			perClass[l]++
			if len(ev.Idx) != c.Units {
				t.Fatalf("%s sample %d: %d spikes, want one per unit", d.Name(), i, len(ev.Idx))
			}
			seen := make([]bool, c.Units)
			for _, p := range pairs(ev) {
				if seen[p[1]] || p[0] >= span {
					t.Fatalf("%s sample %d: spike %v (span %d)", d.Name(), i, p, span)
				}
				seen[p[1]] = true
				k := [2]int{l, p[1]}
				if v, ok := lo[k]; !ok || p[0] < v {
					lo[k] = p[0]
				}
				hi[k] = max(hi[k], p[0])
			}
		}
		for k, n := range perClass {
			if n != d.Len()/4 {
				t.Errorf("%s: class %d has %d samples", d.Name(), k, n)
			}
		}
	}
	// Over both splits, each unit's times in each class span [0, span).
	for k := range lo {
		if lo[k] != 0 || hi[k] != span-1 {
			t.Errorf("class %d unit %d: times in [%d, %d], want [0, %d)", k[0], k[1], lo[k], hi[k], span)
		}
	}
	// Classes differ: mean spike time per unit is not the same.
	mean := func(label int) []float64 {
		m := make([]float64, c.Units)
		for i := range s.Train.Len() {
			if s.Train.Label(i) == label {
				for _, p := range pairs(check(t, s.Train, i)) {
					m[p[1]] += float64(p[0])
				}
			}
		}
		return m
	}
	if slices.Equal(mean(0), mean(1)) {
		t.Error("classes 0 and 1 have the same mean spike times")
	}
}

func TestRandmanLoad(t *testing.T) {
	s, err := Load("randman", "", Options{Limit: 100, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 100 || s.Test.Len() != 100 || s.Train.Channels() != 100 || s.Train.Steps() != 100 ||
		s.Train.Classes() != 10 || s.Train.Name() != "randman/train" || DT(s.Train) != 1 {
		t.Fatalf("%s: %d samples, %d channels, %d steps", s.Train.Name(), s.Train.Len(), s.Train.Channels(), s.Train.Steps())
	}
	full, err := Load("randman", "", Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if full.Train.Len() != 8000 || full.Test.Len() != 2000 || ChanceLevel(full.Test) != 0.1 {
		t.Errorf("default randman: %d and %d samples, chance %v", full.Train.Len(), full.Test.Len(), ChanceLevel(full.Test))
	}
	for k, i := range subset(8000, 100) {
		a, _ := s.Train.Sample(k)
		b, _ := full.Train.Sample(i)
		if !slices.Equal(a.Idx, b.Idx) || s.Train.Label(k) != full.Train.Label(i) {
			t.Fatalf("limited sample %d is not sample %d", k, i)
		}
	}
	if _, _, err := Batch(s.Train, []int{0, 5, 99}); err != nil {
		t.Error(err)
	}
}

func TestLatency(t *testing.T) {
	for _, c := range []struct {
		p    byte
		dt   float64
		want int
	}{
		{0, 1, -1}, {51, 1, -1}, {52, 1, 79}, {255, 1, 4}, {128, 1, 10}, {255, 2, 2}, {255, 0.5, 8},
	} {
		if got := latencyStep(c.p, c.dt); got != c.want {
			t.Errorf("latencyStep(%d, %v) = %d, want %d", c.p, c.dt, got, c.want)
		}
	}
	// Brighter pixels fire no later.
	for p := 53; p < 256; p++ {
		if latencyStep(byte(p), 1) > latencyStep(byte(p-1), 1) {
			t.Fatalf("pixel %d fires after pixel %d", p, p-1)
		}
	}
}

func TestMNIST(t *testing.T) {
	s, err := Load("mnist", "", Options{Limit: 6})
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Train
	if tr.Len() != 6 || s.Test.Len() != 6 || tr.Channels() != 784 || tr.Steps() != 100 || tr.Classes() != 10 || DT(tr) != 1 {
		t.Fatalf("%d and %d samples, %d channels, %d steps", tr.Len(), s.Test.Len(), tr.Channels(), tr.Steps())
	}
	// The first training images are 5, 0, 4, 1, 9, 2, …; Limit 6 takes
	// every 10000th.
	if tr.Label(0) != 5 || s.Test.Label(0) != 7 {
		t.Errorf("first labels %d and %d, want 5 and 7", tr.Label(0), s.Test.Label(0))
	}
	ev := check(t, tr, 0)
	// Image 0 of the training set is a 5 with 166 non-zero pixels.
	n := len(ev.Idx)
	if n < 100 || n > 166 {
		t.Errorf("image 0: %d spikes", n)
	}
	for _, p := range pairs(ev) {
		if p[0] < 4 || p[0] > 79 {
			t.Errorf("spike at step %d, want in [4, 79]", p[0])
		}
		r, c := p[1]/28, p[1]%28
		if r < 3 || r > 26 || c < 2 || c > 25 {
			t.Errorf("spike at pixel (%d, %d), off the digit", r, c)
		}
	}
	// Fewer steps drop the late spikes; DT 2 halves the steps.
	s2, err := Load("mnist", "", Options{Limit: 6, Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	ev2 := check(t, s2.Train, 0)
	if len(ev2.Idx) >= n || len(ev2.Idx) == 0 {
		t.Errorf("10 steps: %d spikes of %d", len(ev2.Idx), n)
	}
	s3, err := Load("mnist", "", Options{Limit: 1, DT: 2})
	if err != nil || s3.Train.Steps() != 50 || len(check(t, s3.Train, 0).Idx) != n {
		t.Errorf("DT 2: %v", err)
	}
	if _, _, err := Batch(tr, []int{0, 1, 2, 3, 4, 5}); err != nil {
		t.Error(err)
	}
}

func TestMNISTFull(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s, err := LoadMNIST(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 60000 || s.Test.Len() != 10000 {
		t.Fatalf("%d and %d images", s.Train.Len(), s.Test.Len())
	}
	// The most frequent digit is 1: 6742 of 60000 and 1135 of 10000.
	if got := ChanceLevel(s.Train); got != 6742.0/60000 {
		t.Errorf("train chance %v", got)
	}
	if got := ChanceLevel(s.Test); got != 1135.0/10000 {
		t.Errorf("test chance %v", got)
	}
	m := s.Train.(*memDataset)
	if per := float64(m.EventCount()) / 60000; per < 100 || per > 160 {
		t.Errorf("%.1f spikes per image", per)
	}
	if len(m.st.data) > 12<<20 {
		t.Errorf("%d bytes for the training events", len(m.st.data))
	}
}
