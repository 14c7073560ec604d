package train

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/blocks-snn/blocks/dataset"
	"github.com/blocks-snn/blocks/internal/atomicfile"
	"github.com/blocks-snn/blocks/network"
	"github.com/blocks-snn/blocks/sim"
)

var (
	trainColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	testColor  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// WritePlots writes loss.png and accuracy.png (train and test curves over
// the epochs) and raster_layer<i>.png (the spikes of every layer for the
// first test sample) to the output directory.
func (t *Trainer) WritePlots() error {
	for _, f := range []struct {
		name, title, y string
		train, test    func(Metrics) float64
	}{
		{LossPlotFile, "cross-entropy loss", "loss", func(m Metrics) float64 { return m.TrainLoss }, func(m Metrics) float64 { return m.TestLoss }},
		{AccPlotFile, "accuracy", "accuracy", func(m Metrics) float64 { return m.TrainAccuracy }, func(m Metrics) float64 { return m.TestAccuracy }},
	} {
		png, err := PlotCurves(t.State.History, f.title, f.y, f.train, f.test, f.name == AccPlotFile)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(t.Out, f.name), png); err != nil {
			return err
		}
	}
	pngs, err := PlotRasters(t.Net, t.Split.Test, 0, t.method, t.Config.DT)
	if err != nil {
		return err
	}
	for l, png := range pngs {
		if err := atomicfile.WriteFile(filepath.Join(t.Out, RasterFile(l)), png); err != nil {
			return err
		}
	}
	return nil
}

// PlotCurves returns a PNG of a training and a test curve over the
// epochs. For an accuracy (a fraction that grows) the y axis spans 0–1
// and the legend sits at the bottom, otherwise at the top.
func PlotCurves(history []Metrics, title, yLabel string, train, test func(Metrics) float64, accuracy bool) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	for _, c := range []struct {
		name  string
		f     func(Metrics) float64
		color color.Color
	}{{"train", train, trainColor}, {"test", test, testColor}} {
		xys := make(plotter.XYs, len(history))
		for i, m := range history {
			xys[i] = plotter.XY{X: float64(m.Epoch), Y: c.f(m)}
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		l.Color, s.Color = c.color, c.color
		s.Radius = vg.Points(2)
		p.Add(l, s)
		p.Legend.Add(c.name, l, s)
	}
	p.Legend.Top = !accuracy
	if accuracy {
		p.Y.Min, p.Y.Max = 0, 1
	}
	p.X.Tick.Marker = epochTicks{}
	return render(p, 5*vg.Inch, 3.5*vg.Inch)
}

// PlotRasters runs net on sample i of d and returns one PNG per layer:
// the layer's spikes, time (ms, steps of dt) on x and neuron on y.
func PlotRasters(net *network.Network, d dataset.Dataset, i int, m sim.Method, dt float64) ([][]byte, error) {
	x, labels, err := dataset.Batch(d, []int{i})
	if err != nil {
		return nil, err
	}
	p, err := net.ForwardSparse(x, m)
	if err != nil {
		return nil, err
	}
	defer p.Release()
	pred := -1
	if p.Logits != nil {
		pred = argmax(p.Logits)
	}
	var pngs [][]byte
	for l, layer := range net.Layers {
		s := p.SpikeEvents(l)
		var xys plotter.XYs
		for t := range s.T {
			for _, n := range s.RowIdx[s.RowPtr[t]:s.RowPtr[t+1]] {
				xys = append(xys, plotter.XY{X: float64(t) * dt, Y: float64(n)})
			}
		}
		pl := plot.New()
		pl.Title.Text = fmt.Sprintf("layer %d, %s sample %d (label %d, predicted %d): %d spikes", l, d.Name(), i, labels[0], pred, len(xys))
		pl.X.Label.Text = "time (ms)"
		pl.Y.Label.Text = "neuron"
		pl.X.Min, pl.X.Max = 0, float64(s.T)*dt
		pl.Y.Min, pl.Y.Max = -0.5, float64(layer.NOut)-0.5
		if len(xys) > 0 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(1.2), Shape: draw.BoxGlyph{}}
			pl.Add(sc)
		}
		png, err := render(pl, 7*vg.Inch, 4.5*vg.Inch)
		if err != nil {
			return nil, err
		}
		pngs = append(pngs, png)
	}
	return pngs, nil
}

// epochTicks marks whole epochs, at most about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	step := max(1, (last-first+9)/10)
	var ts []plot.Tick
	for e := first; e <= last; e += step {
		ts = append(ts, plot.Tick{Value: float64(e), Label: strconv.Itoa(e)})
	}
	return ts
}

func render(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
