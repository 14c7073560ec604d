package sim

import "github.com/blocks-snn/blocks/internal/vec"

// standardForward steps sample b through t = 0 … T-1 (DESIGN §2):
//
//	V[t] = beta·U[t-1] + g[t]·I[t]
//	θ[t] = 1 + b·a[t-1]
//	s[t] = V[t] > θ[t]
//	U[t] = V[t]·(1 - s[t])
//	a[t] = p·a[t-1] + s[t]
//
// (for the rich neuron U[t] = V_r after a spike, θ[t] = 1 + Σ_m b_m·a_m[t-1]
// and every a_m steps with its own p_m),
// with the recurrent input W_rec·s[t-L] added to I[t] at the start of step t.
func (tr *Trace) standardForward(b int, ev *sampleEvents) {
	l := tr.Layer
	n, nt, kn := l.N, tr.Current.T, l.K*l.N
	cur, vOut := tr.Current.Sample(b), tr.V.Sample(b)
	cfg := l.Neuron
	delay := cfg.BlockLen()
	u := make([]float32, n)
	a := make([]float32, kn)
	th := make([]float32, n) // rich neuron: thresholds
	refr := make([]int32, n) // steps of refractoriness left
	beta, p, bb := l.Beta[:n], l.P[:kn], l.B[:kn]
	for t := range nt {
		row := cur[t*n : (t+1)*n]
		if l.RecT != nil && t >= delay {
			vec.GatherAdd(row, l.RecT, n, ev.at(t-delay))
		}
		if l.rich() {
			ev.idx = standardForwardRowRich(row, vOut[t*n:(t+1)*n], u, a, th, beta, p, bb, l.VReset, refr, int32(cfg.ARP), cfg.Adapt, ev.idx)
		} else {
			ev.idx = standardForwardRow(row, vOut[t*n:(t+1)*n], u, a, beta, p, bb, refr, int32(cfg.ARP), cfg.Adapt, ev.idx)
		}
		ev.endStep(t)
	}
}
