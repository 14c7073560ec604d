package bench

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/sim"
)

// File names of the figures WriteFigures writes.
const (
	ARPFigureFile    = "speedup_arp.png"
	LayersFigureFile = "speedup_layers.png"
)

// WriteFigures writes the two figures of the paper's Figure 3 as PNGs in
// dir (see PlotARP and PlotLayers), each atomically, and returns their
// paths.
func WriteFigures(dir string, rs []Result) ([]string, error) {
	var paths []string
	for _, f := range []struct {
		name string
		plot func([]Result) ([]byte, error)
	}{{ARPFigureFile, PlotARP}, {LayersFigureFile, PlotLayers}} {
		png, err := f.plot(rs)
		if err != nil {
			return paths, err
		}
		path := filepath.Join(dir, f.name)
		if err := atomicfile.WriteFile(path, png); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// figValues is what the figures plot: the blocks-over-standard speed-up
// per configuration where some configuration was timed with both
// simulators, otherwise the total seconds of the one simulator run.
// Values are averaged over seeds (the returned keys have Seed 0).
type figValues struct {
	v       map[Config]float64
	order   []Config // keys in the order of first appearance in the results
	label   string
	speedup bool
}

func figureValues(rs []Result) figValues {
	fv := figValues{v: map[Config]float64{}}
	raw := SpeedUps(rs)
	fv.speedup = len(raw) > 0
	fv.label = "speed-up (standard / blocks)"
	if !fv.speedup {
		m := sim.Blocks
		if len(rs) > 0 {
			m = rs[0].Method
		}
		for _, r := range rs {
			if r.Method == m {
				raw[r.Config] = r.Total.Seconds()
			}
		}
		fv.label = m.String() + " forward + backward (s)"
	}
	n := map[Config]int{}
	for _, r := range rs {
		v, ok := raw[r.Config]
		if !ok {
			continue
		}
		delete(raw, r.Config) // count each configuration once
		k := r.Config
		k.Seed = 0
		if n[k] == 0 {
			fv.order = append(fv.order, k)
		}
		fv.v[k] += v
		n[k]++
	}
	for k := range fv.v {
		fv.v[k] /= float64(n[k])
	}
	return fv
}

// mostPoints groups the keys by key(c) and returns the group with the most
// distinct points (point(c)); ties go to a group for which prefer is true,
// then to the group seen first.
func mostPoints[K, P comparable](cs []Config, key func(Config) K, point func(Config) P, prefer func(K) bool) []Config {
	groups := map[K][]Config{}
	points := map[K]map[P]bool{}
	var order []K
	for _, c := range cs {
		k := key(c)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			points[k] = map[P]bool{}
		}
		groups[k] = append(groups[k], c)
		points[k][point(c)] = true
	}
	var best K
	bestN := -1
	for _, k := range order {
		n := len(points[k])
		if n > bestN || n == bestN && prefer(k) && !prefer(best) {
			best, bestN = k, n
		}
	}
	return groups[best]
}

// yMax returns the top of the y axis: headroom above the largest value
// (and above 1, the parity line, for speed-ups) for the legend.
func (fv figValues) yMax(cs []Config) float64 {
	top := 0.0
	for _, c := range cs {
		top = max(top, fv.v[c])
	}
	if fv.speedup {
		top = max(top, 1)
	}
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		top = 1
	}
	return top * 1.35
}

func newPlot(title, xLabel, yLabel string, yMax float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Y.Min, p.Y.Max = 0, yMax
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// parity adds a dashed line at speed-up 1.
func parity(p *plot.Plot) {
	f := plotter.NewFunction(func(float64) float64 { return 1 })
	f.Color = color.Gray{Y: 110}
	f.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(f)
}

// PlotARP renders the left panel of the paper's Figure 3 as a PNG: the
// blocks-over-standard speed-up against the ARP, one panel per T, one line
// per batch size. When the results hold several hidden sizes, layer counts
// or input widths, it shows the combination with the most points (seeds
// are averaged). Without results of both simulators it plots the total
// time of the one run instead.
func PlotARP(rs []Result) ([]byte, error) {
	fv := figureValues(rs)
	type slice struct{ hidden, layers, inputs int }
	type point struct{ t, arp, batch int }
	cs := mostPoints(fv.order,
		func(c Config) slice { return slice{c.Hidden, c.Layers, c.Inputs} },
		func(c Config) point { return point{c.T, c.ARP, c.Batch} },
		func(s slice) bool { return s == slice{128, 1, DefaultInputs} })
	if len(cs) == 0 {
		return render(5*vg.Inch, 3.5*vg.Inch, [][]*plot.Plot{{newPlot("no results", "ARP (steps)", fv.label, 1)}})
	}
	ts := sortedUnique(cs, func(c Config) int { return c.T })
	arps := sortedUnique(cs, func(c Config) int { return c.ARP })
	batches := sortedUnique(cs, func(c Config) int { return c.Batch })
	top := fv.yMax(cs)
	cols := min(len(ts), 3)
	rows := (len(ts) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, t := range ts {
		title := fmt.Sprintf("T = %d  (%d→%d×%d)", t, cs[0].Inputs, cs[0].Hidden, cs[0].Layers)
		p := newPlot(title, "ARP (steps)", fv.label, top)
		if fv.speedup {
			parity(p)
		}
		for j, b := range batches {
			var xys plotter.XYs
			for _, c := range cs {
				if c.T == t && c.Batch == b {
					xys = append(xys, plotter.XY{X: float64(c.ARP), Y: fv.v[c]})
				}
			}
			if len(xys) == 0 {
				continue
			}
			slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
			l, s, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			l.Color = plotutil.Color(j)
			l.Width = vg.Points(1.5)
			s.Color = plotutil.Color(j)
			s.Shape = plotutil.Shape(j)
			p.Add(l, s)
			if i == 0 {
				p.Legend.Add("batch "+strconv.Itoa(b), l, s)
			}
		}
		if len(arps) <= 12 {
			p.X.Tick.Marker = intTicks(arps)
		}
		grid[i/cols][i%cols] = p
	}
	return render(vg.Length(cols)*4.5*vg.Inch, vg.Length(rows)*3.5*vg.Inch, grid)
}

// PlotLayers renders the right panel of the paper's Figure 3 as a PNG: the
// blocks-over-standard speed-up against the number of layers, one bar per
// hidden size. When the results hold several T, ARP, batch sizes or input
// widths, it shows the combination with the most points (preferring the
// paper's T = 1024, ARP = 40, batch 64; seeds are averaged).
func PlotLayers(rs []Result) ([]byte, error) {
	fv := figureValues(rs)
	type slice struct{ t, arp, batch, inputs int }
	type point struct{ layers, hidden int }
	cs := mostPoints(fv.order,
		func(c Config) slice { return slice{c.T, c.ARP, c.Batch, c.Inputs} },
		func(c Config) point { return point{c.Layers, c.Hidden} },
		func(s slice) bool { return s == slice{1024, 40, 64, DefaultInputs} })
	if len(cs) == 0 {
		return render(5*vg.Inch, 3.5*vg.Inch, [][]*plot.Plot{{newPlot("no results", "layers", fv.label, 1)}})
	}
	layers := sortedUnique(cs, func(c Config) int { return c.Layers })
	hiddens := sortedUnique(cs, func(c Config) int { return c.Hidden })
	c0 := cs[0]
	title := fmt.Sprintf("T = %d, ARP = %d, batch %d, %d inputs", c0.T, c0.ARP, c0.Batch, c0.Inputs)
	p := newPlot(title, "layers", fv.label, fv.yMax(cs))
	if fv.speedup {
		parity(p)
	}
	width := max(5*vg.Inch, vg.Length(len(layers)*len(hiddens))*0.4*vg.Inch+1.5*vg.Inch)
	barW := (width - 1.5*vg.Inch) * 0.8 / vg.Length(len(layers)*len(hiddens))
	barW = min(barW, 0.5*vg.Inch)
	val := map[[2]int]float64{}
	for _, c := range cs {
		val[[2]int{c.Layers, c.Hidden}] = fv.v[c]
	}
	for j, h := range hiddens {
		vs := make(plotter.Values, len(layers))
		for i, l := range layers {
			vs[i] = val[[2]int{l, h}]
		}
		b, err := plotter.NewBarChart(vs, barW)
		if err != nil {
			return nil, err
		}
		b.Color = plotutil.Color(j)
		b.LineStyle.Width = 0
		b.Offset = barW * (vg.Length(j) - vg.Length(len(hiddens)-1)/2)
		p.Add(b)
		p.Legend.Add("hidden "+strconv.Itoa(h), b)
	}
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = strconv.Itoa(l)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(layers))-0.5
	return render(width, 3.5*vg.Inch, [][]*plot.Plot{{p}})
}

// intTicks labels exactly the given values.
func intTicks(vs []int) plot.ConstantTicks {
	ts := make(plot.ConstantTicks, len(vs))
	for i, v := range vs {
		ts[i] = plot.Tick{Value: float64(v), Label: strconv.Itoa(v)}
	}
	return ts
}

func sortedUnique(cs []Config, f func(Config) int) []int {
	var vs []int
	for _, c := range cs {
		vs = append(vs, f(c))
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

// render draws a grid of plots (nil cells stay blank) on a white canvas
// and encodes it as PNG.
func render(w, h vg.Length, grid [][]*plot.Plot) ([]byte, error) {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	rows, cols := len(grid), len(grid[0])
	if rows == 1 && cols == 1 {
		grid[0][0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(grid, tiles, dc)
		for j := range grid {
			for i, p := range grid[j] {
				if p != nil {
					p.Draw(canvases[j][i])
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("bench: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}
