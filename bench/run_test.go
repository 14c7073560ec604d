package bench

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/blocks-snn/blocks/sim"
)

func tinyGrid() Grid {
	return Grid{T: []int{16}, ARP: []int{0, 3}, Batch: []int{2}, Hidden: []int{4}, Layers: []int{1, 2}, Inputs: []int{10}}
}

func TestRunTiny(t *testing.T) {
	var started, done []Job
	rs, err := Run(context.Background(), Options{
		Repeats: 2,
		Start:   func(i, n int, j Job) { started = append(started, j) },
		Done: func(i, n int, r Result) {
			if n != 8 || i != len(done) {
				t.Errorf("Done(%d, %d) after %d results", i, n, len(done))
			}
			done = append(done, Job{r.Config, r.Method})
		},
	}, tinyGrid())
	if err != nil {
		t.Fatal(err)
	}
	jobs := Jobs(tinyGrid())
	if !reflect.DeepEqual(started, jobs) || !reflect.DeepEqual(done, jobs) {
		t.Fatalf("callbacks saw %v / %v, want %v", started, done, jobs)
	}
	for _, r := range rs {
		if r.Repeats != 2 || r.Total <= 0 || r.Forward <= 0 || r.Backward <= 0 || r.PeakMem == 0 || r.MemSource == "" {
			t.Errorf("implausible result %+v", r)
		}
	}
	// The simulators are exact alternatives: the same spikes.
	for i := 0; i < len(rs); i += 2 {
		if rs[i].Spikes != rs[i+1].Spikes {
			t.Errorf("%v: blocks %d spikes, standard %d", rs[i].Config, rs[i].Spikes, rs[i+1].Spikes)
		}
	}
	if su := SpeedUps(rs); len(su) != 4 {
		t.Errorf("%d speed-ups, want 4", len(su))
	}
}

func TestRunErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs, err := Run(ctx, Options{Repeats: 1}, tinyGrid())
	if !errors.Is(err, context.Canceled) || len(rs) != 0 {
		t.Errorf("cancelled: got %d results, %v", len(rs), err)
	}
	bad := tinyGrid()
	bad.Batch = []int{0}
	if _, err := Run(context.Background(), Options{}, bad); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Errorf("bad grid: %v", err)
	}
	if _, err := Run(context.Background(), Options{Repeats: -1}, tinyGrid()); err == nil {
		t.Error("negative repeats accepted")
	}
}

func TestMemProbe(t *testing.T) {
	for _, p := range []memProbe{newMemProbe(), &heapProbe{}} {
		quiesce()
		p.start()
		buf := make([]byte, 64<<20)
		for i := range buf {
			buf[i] = 1
		}
		peak := p.stop()
		runtime.KeepAlive(buf)
		if peak < 64<<20 {
			t.Errorf("%s: peak %d bytes after touching 64 MiB", p.source(), peak)
		}
		buf = nil
		quiesce()
		p.start()
		if again := p.stop(); again >= peak {
			t.Errorf("%s: not reset: %d then %d bytes", p.source(), peak, again)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{{nil, 0}, {[]time.Duration{5}, 5}, {[]time.Duration{9, 1, 5}, 5}, {[]time.Duration{4, 1, 2, 9}, 3}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// sample is a result set with both methods, references and a lower bound.
func sample() []Result {
	mk := func(c Config, m sim.Method, total time.Duration) Result {
		return Result{Config: c, Method: m, Repeats: 3, Forward: total / 3, Backward: total - total/3, Total: total,
			Spikes: 1234, PeakMem: 300 << 20, MemSource: MemRSS}
	}
	a := Config{T: 1024, ARP: 40, Batch: 64, Hidden: 128, Layers: 1, Inputs: 1000, Seed: 1}
	b := Config{T: 2048, ARP: 100, Batch: 128, Hidden: 128, Layers: 1, Inputs: 1000, Seed: 1}
	c := Config{T: 512, ARP: 20, Batch: 32, Hidden: 256, Layers: 3, Inputs: 1000, Seed: 7}
	return []Result{
		mk(a, sim.Blocks, 1500*time.Millisecond), mk(a, sim.Standard, 3*time.Second+123456789),
		mk(b, sim.Blocks, 2*time.Second), mk(b, sim.Standard, 3*time.Second),
		mk(c, sim.Standard, 777*time.Microsecond),
	}
}

func TestCSVRoundTrip(t *testing.T) {
	rs := sample()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != strings.Join(CSVHeader, ",") || len(lines) != 1+len(rs) {
		t.Fatalf("CSV:\n%s", buf.String())
	}
	for i, want := range []string{
		"1024,40,64,128,1,1000,1,blocks,3,0.500000000,1.000000000,1.500000000,1234,314572800,rss,2.0823,3,false,2.0000",
		"1024,40,64,128,1,1000,1,standard,3,1.041152263,2.082304526,3.123456789,1234,314572800,rss,2.0823,51.6,false,16.5202",
		"2048,100,128,128,1,1000,1,standard,3,1.000000000,2.000000000,3.000000000,1234,314572800,rss,1.5000,600,true,200.0000",
		"512,20,32,256,3,1000,7,standard,3,0.000259000,0.000518000,0.000777000,1234,314572800,rss,,,,",
	} {
		if j := []int{1, 2, 4, 5}[i]; lines[j] != want {
			t.Errorf("line %d:\n got %s\nwant %s", j+1, lines[j], want)
		}
	}
	back, err := ReadCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rs) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, rs)
	}
	if _, err := ReadCSV(strings.NewReader("t,arp\n1,2\n")); err == nil {
		t.Error("CSV without the measured columns accepted")
	}
	bad := strings.Replace(buf.String(), "standard", "exact", 1)
	if _, err := ReadCSV(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 3, column method") {
		t.Errorf("bad method: %v", err)
	}
}

func TestReferences(t *testing.T) {
	rs := sample()
	ref, x, ok := rs[3].VsReference() // T=2048 standard: "> 10 min"
	if !ok || !ref.AtLeast || ref.String() != "> 600 s" || x.String() != "> 200×" {
		t.Errorf("lower bound: %v %v %v", ref, x, ok)
	}
	ref, x, ok = rs[0].VsReference()
	if !ok || ref.String() != "3.00 s" || x.String() != "2.00×" {
		t.Errorf("blocks: %v %v %v", ref, x, ok)
	}
	if _, _, ok := rs[4].VsReference(); ok {
		t.Error("reference for a configuration without one")
	}
	c := rs[0].Config
	c.Seed = 99
	if _, ok := ReferenceFor(c, sim.Standard); !ok {
		t.Error("the reference should not depend on the seed")
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "config") || !strings.Contains(lines[0], "peak RSS") {
		t.Fatalf("table:\n%s", out)
	}
	for _, want := range []string{"> 600 s", "> 200×", "2.08×", "300 MiB", "seed 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	// Aligned: every row's "total s" ends at the header's column.
	end := func(l string) int { return len([]rune(l[:strings.Index(l, "MiB")])) }
	for _, l := range lines[2:] {
		if end(l) != end(lines[1]) {
			t.Errorf("misaligned row %q", l)
		}
	}
}

func TestFigures(t *testing.T) {
	rs := sample()
	for name, set := range map[string][]Result{
		"all":          rs,
		"single point": rs[:2],
		"one method":   rs[4:],
		"empty":        nil,
	} {
		for fig, plot := range map[string]func([]Result) ([]byte, error){"arp": PlotARP, "layers": PlotLayers} {
			b, err := plot(set)
			if err != nil {
				t.Errorf("%s %s: %v", name, fig, err)
				continue
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil || img.Bounds().Dx() < 100 {
				t.Errorf("%s %s: not a PNG: %v", name, fig, err)
			}
		}
	}
	dir := t.TempDir()
	paths, err := WriteFigures(dir, rs)
	if err != nil || len(paths) != 2 {
		t.Fatalf("WriteFigures: %v %v", paths, err)
	}
}
