package bench

import (
	"fmt"
	"testing"

	"github.com/blocks-snn/blocks/sim"
)

// The configurations of DESIGN §5.1 that have reference timings.
var paperConfigs = []Config{
	{T: 512, ARP: 10, Batch: 32, Hidden: 128, Layers: 1, Inputs: 1000},
	{T: 1024, ARP: 40, Batch: 64, Hidden: 128, Layers: 1, Inputs: 1000},
	{T: 2048, ARP: 100, Batch: 128, Hidden: 128, Layers: 1, Inputs: 1000},
}

// BenchmarkStep times forward + backward (reported as fwd-s and bwd-s too)
// for both simulators:
//
//	go test -run x -bench Step -benchtime 5x ./bench/
func BenchmarkStep(b *testing.B) {
	for _, c := range paperConfigs {
		for _, m := range []sim.Method{sim.Blocks, sim.Standard} {
			b.Run(fmt.Sprintf("%s/T=%d/ARP=%d/batch=%d", m, c.T, c.ARP, c.Batch), func(b *testing.B) {
				net, x, err := Setup(c)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Step(net, x, m); err != nil { // warm-up
					b.Fatal(err)
				}
				var fwd, bwd float64
				for b.Loop() {
					tm, err := Step(net, x, m)
					if err != nil {
						b.Fatal(err)
					}
					fwd += tm.Forward.Seconds()
					bwd += tm.Backward.Seconds()
				}
				b.ReportMetric(fwd/float64(b.N), "fwd-s")
				b.ReportMetric(bwd/float64(b.N), "bwd-s")
			})
		}
	}
}
