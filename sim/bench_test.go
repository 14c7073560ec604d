package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/blocks-snn/blocks/neuron"
	"github.com/blocks-snn/blocks/tensor"
)

// benchLayer is the dynamics of the DESIGN §5.1 layer (128 recurrent
// adaptive neurons, beta = p = 0.9) driven by a random current that makes
// them fire now and then.
func benchLayer(b *testing.B, batch, nt, arp int) (*Layer, tensor.Batch) {
	const n = 128
	rng := rand.New(rand.NewPCG(1, 1))
	beta, p, bb := make([]float32, n), make([]float32, n), make([]float32, n)
	rec := make([]float32, n*n)
	for i := range n {
		beta[i], p[i], bb[i] = 0.9, 0.9, 1
		rec[i*n+i] = 1
	}
	l, err := NewLayer(neuron.DefaultConfig(arp), Params{Beta: beta, P: p, B: bb, Rec: rec})
	if err != nil {
		b.Fatal(err)
	}
	cur := tensor.New(batch, nt, n)
	for i := range cur.Data {
		cur.Data[i] = float32(rng.NormFloat64()*0.3 + 0.1)
	}
	return l, cur
}

// BenchmarkDynamics times the simulators' temporal dynamics alone
// (without input projections): go test -run x -bench Dynamics ./sim/
func BenchmarkDynamics(b *testing.B) {
	for _, m := range []Method{Blocks, Standard} {
		b.Run(fmt.Sprintf("%v/forward", m), func(b *testing.B) {
			l, cur := benchLayer(b, 64, 1024, 40)
			orig := append([]float32(nil), cur.Data...)
			for b.Loop() {
				copy(cur.Data, orig)
				tr, err := Forward(m, l, cur)
				if err != nil {
					b.Fatal(err)
				}
				tensor.Release(tr.V)
			}
		})
		b.Run(fmt.Sprintf("%v/backward", m), func(b *testing.B) {
			l, cur := benchLayer(b, 64, 1024, 40)
			tr, err := Forward(m, l, cur)
			if err != nil {
				b.Fatal(err)
			}
			g := tensor.New(cur.B, cur.T, cur.N)
			for i := range g.Data {
				g.Data[i] = 1
			}
			for b.Loop() {
				gI, _, err := Backward(tr, g)
				if err != nil {
					b.Fatal(err)
				}
				tensor.Release(gI)
			}
		})
	}
}

// BenchmarkBackwardStream times one row of the blocks backward kernel
// (blocksGradRow, 128 neurons) with its three streamed rows (the output
// gradient, the previous membrane and the input-current gradient) cached,
// walked back through 32 MiB tensors as the backward passes do, and walked
// back with prefetchBack's prefetch: the hardware prefetchers do not follow
// rows that go back in time.
//
//	go test -run x -bench BackwardStream ./sim/
func BenchmarkBackwardStream(b *testing.B) {
	const n, rows = 128, 64 * 1024
	rng := rand.New(rand.NewPCG(1, 2))
	var x [17][]float32
	for k := range x {
		x[k] = make([]float32, n)
		for i := range x[k] {
			x[k][i] = rng.Float32()
		}
	}
	mask := make([]int32, n)
	gI, gs, v := make([]float32, rows*n), make([]float32, rows*n), make([]float32, rows*n)
	for i := range gs {
		gs[i], v[i] = 1, 0.5
	}
	for _, mode := range []string{"cached", "streamed", "prefetched"} {
		b.Run(mode, func(b *testing.B) {
			t := rows - 1
			for b.Loop() {
				rI, rs, rv := x[0], x[10], x[13]
				if mode != "cached" {
					rI, rs, rv = gI[t*n:(t+1)*n], gs[t*n:(t+1)*n], v[t*n:(t+1)*n]
				}
				if mode == "prefetched" {
					prefetchBack(t, n, gs, v, gI)
				}
				blocksGradRow(3, rI, x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], rs, x[11], x[12], rv, x[14], x[15], x[16], mask, true)
				if t--; t < 0 {
					t = rows - 1
				}
			}
		})
	}
}
