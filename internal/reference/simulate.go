package reference

import "math"

var inf = math.Inf(1)

func abs(x float64) float64 { return math.Abs(x) }

// variant selects alternative gradient paths for detach_spike_grad = false.
// The zero value is the contract (DESIGN §4 and the package's brief); the
// alternatives exist only so that the tests can show which choices the
// design vectors pin down. None of them changes a forward value.
type variant struct {
	// blocksGateGrad: the blocks v0 "did not fire" gate carries the previous
	// block's spike gradients, v0 = V_prev_end · (1 - Σ_j s_prev[j]).
	blocksGateGrad bool
	// blocksCarryDetached: the blocks adaptation carry uses detached spikes
	// (the Detach formula) even without Detach.
	blocksCarryDetached bool
	// recDetached: the recurrent input uses detached spikes even without
	// Detach (both simulators).
	recDetached bool
	// standardResetDetached: the standard reset uses detached spikes even
	// without Detach.
	standardResetDetached bool
}

// layerRun is one layer with its effective (clamped) parameters, ready to
// simulate one sample.
type layerRun struct {
	lay  *Layer
	prm  *dualParams
	sur  Surrogate
	v    variant
	beta []Dual // beta_eff = clamp(beta, 0.001, 0.999)      (DESIGN §1)
	p    []Dual // p_eff    = clamp(|p|, 0, 0.999)           (DESIGN §1)
	b    []Dual // b_eff    = clamp(|b|, 0.001, 1)           (DESIGN §1)
}

func newLayerRun(lay *Layer, prm *dualParams, sur Surrogate, v variant) *layerRun {
	r := &layerRun{lay: lay, prm: prm, sur: sur, v: v}
	for n := range lay.NOut {
		r.beta = append(r.beta, Clamp(prm.Beta[n], 0.001, 0.999))
		r.p = append(r.p, Clamp(Abs(prm.P[n]), 0, 0.999))
		r.b = append(r.b, Clamp(Abs(prm.B[n]), 0.001, 1))
	}
	return r
}

// current returns the input current of every neuron at one step (DESIGN §1):
//
//	I = W_in · x[t] + bias + W_rec · sRec
//
// where sRec is s[t-L] (already detached or not by the caller), or nil for
// t < L or a feed-forward layer.
func (r *layerRun) current(xt, sRec []Dual) []Dual {
	lay := r.lay
	I := make([]Dual, lay.NOut)
	for n := range lay.NOut {
		acc := r.prm.Bias[n]
		for i := range lay.NIn {
			acc = acc.Add(r.prm.W[n*lay.NIn+i].Mul(xt[i]))
		}
		if r.prm.Rec != nil && sRec != nil {
			for m := range lay.NOut {
				acc = acc.Add(r.prm.Rec[n*lay.NOut+m].Mul(sRec[m]))
			}
		}
		I[n] = acc
	}
	return I
}

// detachIf returns StopGrad of every element when detach, else s itself.
func detachIf(detach bool, s []Dual) []Dual {
	if !detach {
		return s
	}
	d := make([]Dual, len(s))
	for i, x := range s {
		d[i] = StopGrad(x)
	}
	return d
}

func newGrid[E any](T, N int) [][]E {
	g := make([][]E, T)
	for t := range g {
		g[t] = make([]E, N)
	}
	return g
}

// standard is the standard simulator (DESIGN §2): the equations of §1 step by
// step, with the gradient paths of §4:
//
//	I[t] = W_in·x[t] + bias + W_rec·s_rec[t-L]   s_rec = stopgrad(s) if Detach, else s
//	V[t] = beta·U[t-1] + g[t]·I[t]               g: refractory gate, no gradient
//	θ[t] = 1 + b·a[t-1]                          (θ ≡ 1 without adaptation)
//	s[t] = H(V[t] - θ[t])
//	U[t] = V[t]·(1 - s_used[t])                  s_used = stopgrad(s) if Detach, else s
//	a[t] = p·a[t-1] + s[t]                       always the non-detached spike
func (r *layerRun) standard(x [][]Dual) layerOut {
	lay := r.lay
	T, N, L := len(x), lay.NOut, lay.ARP+1
	out := layerOut{s: newGrid[Dual](T, N), pre: newGrid[Dual](T, N), decisive: newGrid[bool](T, N)}
	U := make([]Dual, N)         // U[t-1], U[-1] = 0
	a := make([]Dual, N)         // a[t-1], a[-1] = 0
	refractory := make([]int, N) // steps of input gating left
	for t := range T {
		var sRec []Dual
		if t >= L {
			sRec = detachIf(lay.Detach || r.v.recDetached, out.s[t-L])
		}
		I := r.current(x[t], sRec)
		for n := range N {
			g := 1.0
			if refractory[n] > 0 { // after a spike at t0: gated for t0+1 … t0+R
				g = 0
				refractory[n]--
			}
			V := r.beta[n].Mul(U[n]).Add(I[n].Scale(g))
			theta := Const(1)
			if lay.Adapt {
				theta = Const(1).Add(r.b[n].Mul(a[n]))
			}
			pre := V.Sub(theta)
			s := Heaviside(pre, r.sur) // strictly greater
			sUsed := s
			if lay.Detach || r.v.standardResetDetached {
				sUsed = StopGrad(s)
			}
			U[n] = V.Mul(Const(1).Sub(sUsed))
			if lay.Adapt {
				a[n] = r.p[n].Mul(a[n]).Add(s)
			}
			if s.V == 1 {
				refractory[n] = lay.ARP
			}
			out.s[t][n], out.pre[t][n], out.decisive[t][n] = s, pre, true
		}
	}
	return out
}

// blocks is the blocks simulator (DESIGN §3), the seven steps literally, per
// block k of L = ARP+1 steps (the tail block padded with zero input), with
// the gradient paths of §4.
func (r *layerRun) blocks(x [][]Dual) layerOut {
	lay := r.lay
	T, N, L := len(x), lay.NOut, lay.ARP+1
	out := layerOut{s: newGrid[Dual](T, N), pre: newGrid[Dual](T, N), decisive: newGrid[bool](T, N)}
	nBlocks := (T + L - 1) / L

	// State carried from block k-1 to block k, per neuron.
	prevS := newGrid[Dual](L, N)  // block k-1's spikes s[j] (all L positions)
	prevFired := make([]bool, N)  // did the neuron fire in block k-1 (value only)
	prevJ1 := make([]int, N)      // where
	prevVEnd := make([]Dual, N)   // V_prev_end = Vn[L-1] of block k-1 (no reset)
	A := make([]Dual, N)          // A_k, A_0 = 0
	blockS := newGrid[Dual](L, N) // this block's spikes

	// Per-block scratch, reused.
	c := newGrid[Dual](L, N)
	Vn, theta, f, pre := make([]Dual, L), make([]Dual, L), make([]Dual, L), make([]Dual, L)

	for k := range nBlocks {
		// Step 1: input c[j] = I[kL+j]; the recurrent part comes from the
		// previous block's spikes s[(k-1)L+j] = s[kL+j-L]. Padded positions
		// (kL+j >= T) get zero input.
		for j := range L {
			t := k*L + j
			if t >= T {
				clear(c[j])
				continue
			}
			var sRec []Dual
			if k > 0 {
				sRec = detachIf(lay.Detach || r.v.recDetached, prevS[j])
			}
			copy(c[j], r.current(x[t], sRec))
		}
		for n := range N {
			// Step 2: refractory carry-over (no gradient): after a spike at
			// j1 of block k-1, positions 0 … j1-1 of block k get no input.
			if k > 0 && prevFired[n] {
				for j := 0; j < prevJ1[n]; j++ {
					c[j][n] = Const(0)
				}
			}
			// Step 3: v0 = V_prev_end if the neuron did not fire in block
			// k-1, else 0; the "did not fire" indicator is a value-only gate.
			v0 := Const(0)
			if k > 0 {
				if r.v.blocksGateGrad {
					notFired := Const(1)
					for j := range L {
						notFired = notFired.Sub(prevS[j][n])
					}
					v0 = prevVEnd[n].Mul(notFired)
				} else if !prevFired[n] {
					v0 = prevVEnd[n]
				}
			}
			// Step 4: no-reset membrane as the literal power sum
			//   Vn[j] = Σ_{i<=j} beta^(j-i)·c[i] + beta^(j+1)·v0.
			bp := Powers(r.beta[n], L)
			for j := range L {
				acc := bp[j+1].Mul(v0)
				for i := 0; i <= j; i++ {
					acc = acc.Add(bp[j-i].Mul(c[i][n]))
				}
				Vn[j] = acc
			}
			// Step 5: θ[j] = 1 + b·A_k·p^(j+1) (θ ≡ 1 without adaptation).
			pp := Powers(r.p[n], L)
			for j := range L {
				theta[j] = Const(1)
				if lay.Adapt {
					theta[j] = Const(1).Add(r.b[n].Mul(A[n]).Mul(pp[j+1]))
				}
			}
			// Step 6: candidates f[j] = H(Vn[j] - θ[j]);
			//   z[j] = Σ_{i<=j} (j-i+1)·f[i];
			//   s[j] = z[j] - stopgrad(z[j]·[z[j] != 1]).
			for j := range L {
				pre[j] = Vn[j].Sub(theta[j])
				f[j] = Heaviside(pre[j], r.sur)
			}
			fired, j1 := false, 0
			for j := range L {
				z := Const(0)
				for i := 0; i <= j; i++ {
					z = z.Add(f[i].Scale(float64(j - i + 1)))
				}
				notOne := 0.0
				if z.V != 1 {
					notOne = 1
				}
				blockS[j][n] = z.Sub(StopGrad(z.Scale(notOne)))
				if blockS[j][n].V == 1 && !fired {
					fired, j1 = true, j
				}
			}
			for j := range L {
				if t := k*L + j; t < T {
					out.s[t][n] = blockS[j][n]
					out.pre[t][n] = pre[j]
					// Positions after the first candidate cannot change s.
					out.decisive[t][n] = !fired || j <= j1
				}
			}
			// Step 7: adaptation carry to block k+1. (With p_eff = 0, 1/p is
			// +Inf and the thresholds become NaN, as in the formula itself.)
			if lay.Adapt {
				if lay.Detach || r.v.blocksCarryDetached {
					// Spikes detached: only the (value-only) spike position
					// j1 enters; p and A_k stay differentiable.
					if fired {
						A[n] = A[n].Mul(pp[j1+1]).Add(Const(1).Div(r.p[n])).Mul(pp[L-1-j1])
					} else {
						A[n] = A[n].Mul(pp[L])
					}
				} else {
					// Spikes keep their tangents:
					//   A_{k+1} = A_k·p^L + Σ_j s[j]·p^(L-1-j)/p.
					acc := A[n].Mul(pp[L])
					for j := range L {
						acc = acc.Add(blockS[j][n].Mul(pp[L-1-j]).Div(r.p[n]))
					}
					A[n] = acc
				}
			}
			prevFired[n], prevJ1[n], prevVEnd[n] = fired, j1, Vn[L-1]
		}
		prevS, blockS = blockS, prevS
	}
	return out
}
