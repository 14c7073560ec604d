package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/blocks-snn/blocks/sim"
)

// Grid is the product of lists of values: every combination of one T, one
// ARP, one batch size, one hidden size, one layer count, one input count
// and one seed is a Config, and each Config is run with every method.
type Grid struct {
	T, ARP, Batch, Hidden, Layers []int
	// Inputs is the input width; an empty list means DESIGN §5.1's 1000.
	Inputs []int
	// Seeds seed the network weights and the Poisson input; an empty list
	// means seed 1.
	Seeds []uint64
	// Methods are the simulators to time; an empty list means both,
	// blocks first.
	Methods []sim.Method
}

// DefaultInputs is the input width of DESIGN §5.1.
const DefaultInputs = 1000

// PaperGrids returns the two grids of DESIGN §5.1 (the paper's Figure 3):
// T ∈ {512, 1024, 2048} × ARP ∈ {10, 20, …, 100} × batch ∈ {32, 64, 128}
// with one layer of 128; and T = 1024, ARP = 40, batch 64 with 1 to 5
// layers of 128, 256 or 512. Inputs are 1000 in both.
func PaperGrids(methods []sim.Method, seeds []uint64) []Grid {
	arps := make([]int, 0, 10)
	for a := 10; a <= 100; a += 10 {
		arps = append(arps, a)
	}
	return []Grid{
		{T: []int{512, 1024, 2048}, ARP: arps, Batch: []int{32, 64, 128}, Hidden: []int{128}, Layers: []int{1},
			Inputs: []int{DefaultInputs}, Seeds: seeds, Methods: methods},
		{T: []int{1024}, ARP: []int{40}, Batch: []int{64}, Hidden: []int{128, 256, 512}, Layers: []int{1, 2, 3, 4, 5},
			Inputs: []int{DefaultInputs}, Seeds: seeds, Methods: methods},
	}
}

func (g Grid) inputs() []int {
	if len(g.Inputs) == 0 {
		return []int{DefaultInputs}
	}
	return g.Inputs
}

func (g Grid) seeds() []uint64 {
	if len(g.Seeds) == 0 {
		return []uint64{1}
	}
	return g.Seeds
}

func (g Grid) methods() []sim.Method {
	if len(g.Methods) == 0 {
		return []sim.Method{sim.Blocks, sim.Standard}
	}
	return g.Methods
}

// Validate reports an empty list or an impossible value, naming the list
// (t, arp, batch, hidden, layers, inputs, method) and the value.
func (g Grid) Validate() error {
	for _, l := range []struct {
		name     string
		vs       []int
		min      int
		optional bool
	}{
		{"t", g.T, 1, false}, {"arp", g.ARP, 0, false}, {"batch", g.Batch, 1, false},
		{"hidden", g.Hidden, 1, false}, {"layers", g.Layers, 1, false}, {"inputs", g.Inputs, 1, true},
	} {
		if len(l.vs) == 0 && !l.optional {
			return fmt.Errorf("bench: %s: empty list", l.name)
		}
		for _, v := range l.vs {
			if err := checkMin(v, l.min); err != nil {
				return fmt.Errorf("bench: %s: %w", l.name, err)
			}
		}
	}
	for _, m := range g.Methods {
		if m != sim.Blocks && m != sim.Standard {
			return fmt.Errorf("bench: method: unknown method %v", m)
		}
	}
	return nil
}

func checkMin(v, min int) error {
	if v < min {
		switch min {
		case 1:
			return fmt.Errorf("%d is not positive", v)
		case 0:
			return fmt.Errorf("%d is negative", v)
		}
		return fmt.Errorf("%d is below %d", v, min)
	}
	return nil
}

// Job is one configuration to be timed with one method.
type Job struct {
	Config Config
	Method sim.Method
}

func (j Job) String() string { return j.Config.String() + " " + j.Method.String() }

// Jobs expands grids into the jobs to run, in a deterministic order: grid
// by grid, then by inputs, layers, hidden, T, batch, ARP and seed (the
// last varying fastest), and each configuration's methods in the order
// given. A job that an earlier grid already holds is left out.
func Jobs(grids ...Grid) []Job {
	var jobs []Job
	seen := map[Job]bool{}
	for _, g := range grids {
		for _, in := range g.inputs() {
			for _, l := range g.Layers {
				for _, h := range g.Hidden {
					for _, t := range g.T {
						for _, b := range g.Batch {
							for _, a := range g.ARP {
								for _, s := range g.seeds() {
									c := Config{T: t, ARP: a, Batch: b, Hidden: h, Layers: l, Inputs: in, Seed: s}
									for _, m := range g.methods() {
										j := Job{c, m}
										if !seen[j] {
											seen[j] = true
											jobs = append(jobs, j)
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return jobs
}

// ParseInts parses a comma-separated list of integers no smaller than
// min, dropping repeats. name is used in error messages.
func ParseInts(name, s string, min int) ([]int, error) {
	return parseList(name, s, func(f string) (int, error) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", f)
		}
		return v, checkMin(v, min)
	})
}

// ParseSeeds parses a comma-separated list of unsigned integers.
func ParseSeeds(name, s string) ([]uint64, error) {
	return parseList(name, s, func(f string) (uint64, error) {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a non-negative integer", f)
		}
		return v, nil
	})
}

// ParseMethods parses a comma-separated list of simulator names.
func ParseMethods(name, s string) ([]sim.Method, error) {
	return parseList(name, s, func(f string) (sim.Method, error) {
		m, err := sim.ParseMethod(f)
		if err != nil {
			return 0, fmt.Errorf("unknown method %q (want blocks or standard)", f)
		}
		return m, nil
	})
}

// parseList parses the comma-separated items of s with parse, drops
// repeats (keeping the first), and names the flag in every error.
func parseList[T comparable](name, s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	seen := map[T]bool{}
	for _, f := range splitList(s) {
		v, err := parse(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty list", name)
	}
	return out, nil
}

// splitList splits on commas and trims spaces. An empty item (as in
// "1,,2") is returned as "" so that the parsers reject it.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	fs := strings.Split(s, ",")
	for i := range fs {
		fs[i] = strings.TrimSpace(fs[i])
	}
	return fs
}
