package bench

import (
	"slices"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/sim"
)

func TestParseInts(t *testing.T) {
	got, err := ParseInts("--t", " 512, 1024,512 ,2048", 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{512, 1024, 2048}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v (repeats dropped, order kept)", got, want)
	}
	if got, err := ParseInts("--arp", "0", 0); err != nil || !slices.Equal(got, []int{0}) {
		t.Errorf("ARP 0: got %v, %v", got, err)
	}
	for _, tc := range []struct {
		s    string
		min  int
		want string
	}{
		{"0", 1, `--x: 0 is not positive`},
		{"512,-3", 1, `--x: -3 is not positive`},
		{"-1", 0, `--x: -1 is negative`},
		{"1,,2", 1, `--x: "" is not an integer`},
		{"ten", 1, `--x: "ten" is not an integer`},
		{"1.5", 1, `--x: "1.5" is not an integer`},
		{"", 1, `--x: empty list`},
		{" ", 1, `--x: empty list`},
	} {
		_, err := ParseInts("--x", tc.s, tc.min)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseInts(%q, min %d): got error %v, want %q", tc.s, tc.min, err, tc.want)
		}
	}
}

func TestParseMethodsAndSeeds(t *testing.T) {
	ms, err := ParseMethods("--method", "standard,blocks,standard")
	if err != nil || !slices.Equal(ms, []sim.Method{sim.Standard, sim.Blocks}) {
		t.Errorf("got %v, %v", ms, err)
	}
	if _, err := ParseMethods("--method", "blocks,exact"); err == nil || !strings.Contains(err.Error(), `--method: unknown method "exact"`) {
		t.Errorf("bad method: got %v", err)
	}
	if _, err := ParseMethods("--method", ""); err == nil {
		t.Error("empty method list accepted")
	}
	seeds, err := ParseSeeds("--seed", "3,0,3")
	if err != nil || !slices.Equal(seeds, []uint64{3, 0}) {
		t.Errorf("got %v, %v", seeds, err)
	}
	if _, err := ParseSeeds("--seed", "-1"); err == nil || !strings.Contains(err.Error(), `--seed: "-1"`) {
		t.Errorf("negative seed: got %v", err)
	}
}

func TestGridValidate(t *testing.T) {
	ok := Grid{T: []int{8}, ARP: []int{0}, Batch: []int{1}, Hidden: []int{2}, Layers: []int{1}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Grid)
		want string
	}{
		{func(g *Grid) { g.T = nil }, "t: empty list"},
		{func(g *Grid) { g.ARP = []int{-1} }, "arp: -1 is negative"},
		{func(g *Grid) { g.Batch = []int{0} }, "batch: 0 is not positive"},
		{func(g *Grid) { g.Hidden = []int{4, -2} }, "hidden: -2 is not positive"},
		{func(g *Grid) { g.Layers = []int{0} }, "layers: 0 is not positive"},
		{func(g *Grid) { g.Inputs = []int{0} }, "inputs: 0 is not positive"},
		{func(g *Grid) { g.Methods = []sim.Method{7} }, "method: unknown method"},
	} {
		g := ok
		tc.edit(&g)
		if err := g.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
}

func TestJobsOrder(t *testing.T) {
	g := Grid{T: []int{64, 32}, ARP: []int{5}, Batch: []int{1, 2}, Hidden: []int{4}, Layers: []int{1},
		Inputs: []int{10}, Methods: []sim.Method{sim.Standard, sim.Blocks}}
	jobs := Jobs(g)
	var got []string
	for _, j := range jobs {
		got = append(got, j.String())
	}
	want := []string{
		"T=64 ARP=5 10→4×1 batch 1 standard", "T=64 ARP=5 10→4×1 batch 1 blocks",
		"T=64 ARP=5 10→4×1 batch 2 standard", "T=64 ARP=5 10→4×1 batch 2 blocks",
		"T=32 ARP=5 10→4×1 batch 1 standard", "T=32 ARP=5 10→4×1 batch 1 blocks",
		"T=32 ARP=5 10→4×1 batch 2 standard", "T=32 ARP=5 10→4×1 batch 2 blocks",
	}
	if !slices.Equal(got, want) {
		t.Errorf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(Jobs(g), jobs) {
		t.Error("Jobs is not deterministic")
	}
	// Defaults: 1000 inputs, seed 1, both methods with blocks first.
	d := Jobs(Grid{T: []int{8}, ARP: []int{0}, Batch: []int{1}, Hidden: []int{2}, Layers: []int{1}})
	if len(d) != 2 || d[0].Method != sim.Blocks || d[1].Method != sim.Standard || d[0].Config.Inputs != 1000 || d[0].Config.Seed != 1 {
		t.Errorf("defaults: %+v", d)
	}
}

func TestPaperGrids(t *testing.T) {
	jobs := Jobs(PaperGrids([]sim.Method{sim.Blocks, sim.Standard}, []uint64{1})...)
	// 3 T × 10 ARP × 3 batch, plus 3 hidden × 5 layers less the shared
	// T=1024, ARP=40, batch 64, 1 layer of 128; two methods each.
	if want := 2 * (90 + 15 - 1); len(jobs) != want {
		t.Errorf("%d jobs, want %d", len(jobs), want)
	}
	for _, r := range References {
		c := Config{T: r.T, ARP: r.ARP, Batch: r.Batch, Hidden: r.Hidden, Layers: r.Layers, Inputs: r.Inputs, Seed: 1}
		if !slices.Contains(jobs, Job{c, sim.Blocks}) {
			t.Errorf("the paper grids lack the reference configuration %v", c)
		}
	}
	for _, g := range PaperGrids(nil, nil) {
		if err := g.Validate(); err != nil {
			t.Error(err)
		}
	}
}
