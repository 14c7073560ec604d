package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// parseReport reads a report.json as merging needs it: the neuron's
// directory, its mean scores and fit time (JSON numbers are finite).
func parseReport(js []byte) (*fitReport, error) {
	var r fitReport
	if err := json.Unmarshal(js, &r); err != nil {
		return nil, err
	}
	switch {
	case r.Dir == "":
		return nil, fmt.Errorf("no \"dir\": not a report of blocks fit")
	case r.Seconds < 0:
		return nil, fmt.Errorf("fit_seconds %v: want a time >= 0", r.Seconds)
	}
	return &r, nil
}

// mergedReport is what "blocks fit merge" writes.
type mergedReport struct {
	Neurons int `json:"neurons"`
	// MeanNormGamma, MedianNormGamma and MeanNormEV summarise the neurons'
	// mean_normalised_gamma and mean_normalised_explained_variance.
	MeanNormGamma   float64      `json:"mean_normalised_gamma"`
	MedianNormGamma float64      `json:"median_normalised_gamma"`
	MeanNormEV      float64      `json:"mean_normalised_explained_variance"`
	FitSeconds      float64      `json:"total_fit_seconds"`
	Reports         []*fitReport `json:"reports"`
}

// runFitMerge joins the report.json files of fits (the shards of a job
// array) into one.
func runFitMerge(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fit merge", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: blocks fit merge --out DIR REPORT_DIR...

Joins the report.json files found in every REPORT_DIR and its immediate
subdirectories (the --out directories of "blocks fit" runs, e.g. the
shards of a Slurm job array) into DIR/merged.json, with the mean and
median normalised Γ over neurons, and prints one line per neuron.

flags:
`)
		fs.PrintDefaults()
	}
	out := fs.String("out", "runs/fit-merged", "output `directory` for merged.json")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("fit merge: give the directories of the reports to merge")
	}
	var paths []string
	for _, d := range pos {
		found, _ := filepath.Glob(filepath.Join(d, "report.json"))
		sub, _ := filepath.Glob(filepath.Join(d, "*", "report.json"))
		if len(found)+len(sub) == 0 {
			return fmt.Errorf("fit merge: %s: no report.json in it or its subdirectories", d)
		}
		paths = append(paths, found...)
		paths = append(paths, sub...)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	m := mergedReport{}
	byDir := map[string]string{}
	var gs []float64
	for _, p := range paths {
		js, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("fit merge: %w", err)
		}
		r, err := parseReport(js)
		if err != nil {
			return fmt.Errorf("fit merge: %s: %w", p, err)
		}
		if prev, ok := byDir[r.Dir]; ok {
			return fmt.Errorf("fit merge: %s and %s both report neuron %s", prev, p, r.Dir)
		}
		byDir[r.Dir] = p
		m.Reports = append(m.Reports, r)
		gs = append(gs, r.MeanNormGamma)
		m.MeanNormGamma += r.MeanNormGamma
		m.MeanNormEV += r.MeanNormEV
		m.FitSeconds += r.Seconds
		fmt.Fprintf(stdout, "%s: normalised Γ %.3f, explained variance %.3f, fit %.2f s (%s)\n", r.Dir, r.MeanNormGamma, r.MeanNormEV, r.Seconds, p)
	}
	m.Neurons = len(m.Reports)
	m.MeanNormGamma /= float64(m.Neurons)
	m.MeanNormEV /= float64(m.Neurons)
	slices.Sort(gs)
	if n := len(gs); n%2 == 1 {
		m.MedianNormGamma = gs[n/2]
	} else {
		m.MedianNormGamma = (gs[n/2-1] + gs[n/2]) / 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("fit merge: --out: %w", err)
	}
	if err := writeJSON(filepath.Join(*out, "merged.json"), m); err != nil {
		return fmt.Errorf("fit merge: %w", err)
	}
	fmt.Fprintf(stdout, "%d neurons: mean normalised Γ %.3f, median %.3f; wrote %s\n", m.Neurons, m.MeanNormGamma, m.MedianNormGamma, filepath.Join(*out, "merged.json"))
	return nil
}
