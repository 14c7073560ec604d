package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blocks-snn/blocks/bench"
)

func TestBenchTiny(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	var stdout bytes.Buffer
	err := runBench([]string{"--t", "32", "--arp", "0,4", "--batch", "2", "--hidden", "8", "--inputs", "20",
		"--repeats", "1", "--out", dir}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// Intro, header, 2 configurations × 2 methods, summary, files.
	if len(lines) != 8 || !strings.HasPrefix(lines[1], "config") || !strings.Contains(lines[2], "T=32 ARP=0 20→8×1 batch 2") ||
		!strings.Contains(lines[2], "blocks") || !strings.Contains(lines[3], "standard") ||
		!strings.HasPrefix(lines[6], "blocks over standard: median") || !strings.Contains(lines[7], filepath.Join(dir, "results.csv")) {
		t.Fatalf("unexpected output:\n%s", out)
	}

	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := bench.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 || rs[0].Config.T != 32 || rs[0].Config.Inputs != 20 || rs[1].Config.ARP != 0 || rs[2].Config.ARP != 4 || rs[0].Repeats != 1 {
		t.Errorf("results.csv: %+v", rs)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if first, _, _ := strings.Cut(string(raw), "\n"); first != strings.Join(bench.CSVHeader, ",") {
		t.Errorf("header %q", first)
	}
	for _, name := range []string{bench.ARPFigureFile, bench.LayersFigureFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--t", "0"}, `--t: 0 is not positive`},
		{[]string{"--t", "512,abc"}, `--t: "abc" is not an integer`},
		{[]string{"--arp", "-5"}, `--arp: -5 is negative`},
		{[]string{"--batch", "32,,64"}, `--batch: "" is not an integer`},
		{[]string{"--hidden", "-1"}, `--hidden: -1 is not positive`},
		{[]string{"--layers", ""}, `--layers: empty list`},
		{[]string{"--inputs", "0"}, `--inputs: 0 is not positive`},
		{[]string{"--method", "blocks,exact"}, `--method: unknown method "exact"`},
		{[]string{"--seed", "x"}, `--seed: "x" is not a non-negative integer`},
		{[]string{"--repeats", "0"}, `--repeats: 0 is not positive`},
		{[]string{"--repeats", "x"}, `invalid value "x" for flag -repeats`},
		{[]string{"--out", filepath.Join(file, "sub")}, `--out:`},
		{[]string{"--paper", "--t", "512"}, `--t cannot be combined with --paper`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		out := filepath.Join(tmp, "never")
		args := append([]string{"--out", out}, tc.args...)
		var stdout bytes.Buffer
		err := runBench(args, &stdout)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got error %v, want %q", tc.args, err, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: work started:\n%s", tc.args, stdout.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: created %s before failing", tc.args, out)
		}
	}
}
