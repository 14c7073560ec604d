package fit

import (
	"bytes"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/blocks-snn/blocks/recording"
)

var (
	recColor   = color.Black
	modelColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	threshCol  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
)

// PlotFigure returns a PNG in the style of the paper's Figure 5b for the
// window [from, from+length) ms of a recording: the injected current, the
// recorded spikes of every repetition and the predicted spikes as a
// raster, and the model's membrane with its threshold. rec may have no
// repetitions (a current to predict from).
func PlotFigure(rec *recording.Recording, pred *Prediction, from, length float64, title string) ([]byte, error) {
	dt := rec.DT
	lo := max(0, int(from/dt))
	hi := min(rec.Len(), lo+int(length/dt))
	if hi <= lo {
		lo, hi = 0, rec.Len()
	}
	t0, t1 := float64(lo)*dt, float64(hi)*dt
	line := func(p *plot.Plot, y func(i int) float64, c color.Color) error {
		xys := make(plotter.XYs, 0, hi-lo)
		for i := lo; i < hi; i++ {
			xys = append(xys, plotter.XY{X: float64(i) * dt, Y: y(i)})
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color = c
		l.Width = vg.Points(0.7)
		p.Add(l)
		return nil
	}

	cur := plot.New()
	cur.Title.Text = title
	cur.Y.Label.Text = "current (pA)"
	if err := line(cur, func(i int) float64 { return rec.Current[i] }, recColor); err != nil {
		return nil, err
	}

	ras := plot.New()
	ras.Y.Label.Text = "recorded / model"
	rows := len(rec.Reps) + 1
	ras.Y.Min, ras.Y.Max = -0.5, float64(rows)-0.5
	ticks := []plot.Tick{{Value: 0, Label: "model"}}
	if len(rec.Reps) > 0 {
		ticks = append(ticks, plot.Tick{Value: 1, Label: fmt.Sprintf("rep %d", len(rec.Reps)-1)}, plot.Tick{Value: float64(rows - 1), Label: "rep 0"})
	}
	ras.Y.Tick.Marker = plot.ConstantTicks(ticks)
	addTicks := func(s []int, y float64, c color.Color) error {
		var xys plotter.XYs
		for _, i := range s {
			if i >= lo && i < hi {
				xys = append(xys, plotter.XY{X: float64(i) * dt, Y: y})
			}
		}
		if len(xys) == 0 {
			return nil
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: vlineGlyph{}}
		ras.Add(sc)
		return nil
	}
	for r, s := range rec.Reps {
		if err := addTicks(s, float64(rows-1-r), recColor); err != nil {
			return nil, err
		}
	}
	if err := addTicks(pred.Spikes, 0, modelColor); err != nil {
		return nil, err
	}

	mem := plot.New()
	mem.Y.Label.Text = "model membrane"
	mem.X.Label.Text = "time (ms)"
	if err := line(mem, func(i int) float64 { return float64(pred.Membrane[i]) }, modelColor); err != nil {
		return nil, err
	}
	if err := line(mem, func(i int) float64 { return float64(pred.Threshold[i]) }, threshCol); err != nil {
		return nil, err
	}
	for _, p := range []*plot.Plot{cur, ras, mem} {
		p.X.Min, p.X.Max = t0, t1
		p.X.Tick.Marker = shortTicks{}
	}
	for _, p := range []*plot.Plot{cur, ras} {
		p.X.Tick.Label.Color = color.Transparent
	}

	w, h := 8*vg.Inch, 6*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	plots := [][]*plot.Plot{{cur}, {ras}, {mem}}
	tiles := draw.Tiles{Rows: 3, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(2)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// shortTicks are gonum's default ticks labelled without trailing zeros
// ("1250", not "1250.00").
type shortTicks struct{}

func (shortTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ts {
		if strings.Contains(t.Label, ".") && !strings.ContainsAny(t.Label, "eE") {
			ts[i].Label = strings.TrimSuffix(strings.TrimRight(t.Label, "0"), ".")
		}
	}
	return ts
}

// vlineGlyph draws a vertical tick, a raster's spike mark.
type vlineGlyph struct{}

func (vlineGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - sty.Radius})
	p.Line(vg.Point{X: pt.X, Y: pt.Y + sty.Radius})
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(0.8)})
	c.Stroke(p)
}

// PlotSweep returns a PNG of scores (one line per name, sorted by name)
// against x on a logarithmic axis, the paper's Figure 5e/f.
func PlotSweep(x []float64, ys map[string][]float64, xLabel, title string) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = "score"
	p.X.Scale = plot.LogScale{}
	ticks := make([]plot.Tick, len(x))
	for i, v := range x {
		ticks[i] = plot.Tick{Value: v, Label: fmt.Sprint(v)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	keys := make([]string, 0, len(ys))
	for k := range ys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	colors := []color.Color{modelColor, threshCol, recColor}
	for i, k := range keys {
		xys := make(plotter.XYs, len(x))
		for j := range x {
			xys[j] = plotter.XY{X: x[j], Y: ys[k][j]}
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		l.Color, s.Color = colors[i%len(colors)], colors[i%len(colors)]
		p.Add(l, s)
		p.Legend.Add(k, l, s)
	}
	p.Legend.Top = false
	p.Y.Min = min(0, p.Y.Min)
	p.Y.Max = max(1, p.Y.Max)
	img := vgimg.NewWith(vgimg.UseWH(5*vg.Inch, 3.5*vg.Inch), vgimg.UseDPI(110))
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
