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
	// block's spike gradients, v0 = V_prev_end · (1 - Σ_j s_prev[j]); with
	// a reset potential the fired part is added the same way,
	//   v0 = V_prev_end·(1 - Σ_j s_prev[j]) + Σ_j s_prev[j]·beta^(L-1-j)·V_r,
	// whose value is the contract's and which for ARP 0 is exactly the
	// standard reset U = V·(1 - s) + V_r·s with undetached s.
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
	// zeroSurrogate: every surrogate derivative is 0, i.e. the true
	// derivative of the Heaviside step away from 0. The dual numbers then
	// give the exact derivative of the piecewise-smooth forward pass, which
	// finite differences can check on every path (tests only).
	zeroSurrogate bool
}

// layerRun is one layer with its effective (clamped) parameters, ready to
// simulate one sample.
type layerRun struct {
	lay  *Layer
	prm  *dualParams
	sur  Surrogate
	v    variant
	K    int    // number of adaptation scales, max(Scales, 1)
	beta []Dual // [N] beta_eff = clamp(beta, 0.001, 0.999)        (DESIGN §1)
	p    []Dual // [K*N] p_eff = clamp(|p|, 0, 0.999), [m*N+n]     (DESIGN §1)
	b    []Dual // [K*N] b_eff = clamp(|b|, 0.001, 1), [m*N+n]     (DESIGN §1)
	vr   []Dual // [N] V_r = clamp(V_r, -1, 0.999); nil: reset to 0, no parameter
}

func newLayerRun(lay *Layer, prm *dualParams, sur Surrogate, v variant) *layerRun {
	r := &layerRun{lay: lay, prm: prm, sur: sur, v: v, K: lay.scales()}
	for n := range lay.NOut {
		r.beta = append(r.beta, Clamp(prm.Beta[n], 0.001, 0.999))
	}
	for i := range r.K * lay.NOut {
		r.p = append(r.p, Clamp(Abs(prm.P[i]), 0, 0.999))
		r.b = append(r.b, Clamp(Abs(prm.B[i]), 0.001, 1))
	}
	if prm.VReset != nil {
		for n := range lay.NOut {
			r.vr = append(r.vr, Clamp(prm.VReset[n], -1, 0.999))
		}
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

// standard is the standard simulator (DESIGN §2): the equations of §1 (with
// the reset potential and K adaptation scales of the package comment) step
// by step, with the gradient paths of §4:
//
//	I[t]   = W_in·x[t] + bias + W_rec·s_rec[t-L]     s_rec = stopgrad(s) if Detach, else s
//	V[t]   = beta·U[t-1] + g[t]·I[t]                 g: refractory gate, no gradient
//	θ[t]   = 1 + Σ_m b_m·a_m[t-1]                    θ ≡ 1 without adaptation; sum in order m = 0, 1, …
//	s[t]   = H(V[t] - θ[t])
//	U[t]   = V[t]·(1 - s_used[t]) + V_r·s_used[t]    s_used = stopgrad(s) if Detach, else s;
//	                                                 no V_r term at all when VReset is nil
//	a_m[t] = p_m·a_m[t-1] + s[t]                     always the non-detached spike
//
// During the ARP (g = 0) the membrane decays from V_r: V = beta·U, and it
// stays below 1 <= θ (V_r <= 0.999, beta <= 0.999, b_m, a_m >= 0), so
// it cannot spike.
func (r *layerRun) standard(x [][]Dual) layerOut {
	lay := r.lay
	T, N, L := len(x), lay.NOut, lay.ARP+1
	out := layerOut{s: newGrid[Dual](T, N), pre: newGrid[Dual](T, N), decisive: newGrid[bool](T, N)}
	U := make([]Dual, N)         // U[t-1], U[-1] = 0
	a := make([]Dual, r.K*N)     // a_m[t-1] at [m*N+n], a_m[-1] = 0
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
				for m := range r.K {
					theta = theta.Add(r.b[m*N+n].Mul(a[m*N+n]))
				}
			}
			pre := V.Sub(theta)
			s := Heaviside(pre, r.sur) // strictly greater
			sUsed := s
			if lay.Detach || r.v.standardResetDetached {
				sUsed = StopGrad(s)
			}
			U[n] = V.Mul(Const(1).Sub(sUsed))
			if r.vr != nil {
				U[n] = U[n].Add(r.vr[n].Mul(sUsed))
			}
			if lay.Adapt {
				for m := range r.K {
					a[m*N+n] = r.p[m*N+n].Mul(a[m*N+n]).Add(s)
				}
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
// the gradient paths of §4, extended to the reset potential (step 3: after
// a spike at j1 of block k-1, v0 = beta^(L-1-j1)·V_r, the membrane of the
// standard simulator decayed from V_r over the L-1-j1 steps of block k-1
// after the spike) and to K adaptation scales (steps 5 and 7 per scale,
// each with its own carry A_{m,k} = a_m[end of block k-1]/p_m).
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
	A := make([]Dual, r.K*N)      // A_{m,k} at [m*N+n], A_{m,0} = 0
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
			// k-1, else beta^(L-1-j1)·V_r after a spike at j1 (0 when VReset
			// is nil); the "did not fire" indicator and j1 are value-only,
			// V_r and beta are differentiable.
			bp := Powers(r.beta[n], L)
			v0 := Const(0)
			if k > 0 {
				switch {
				case r.v.blocksGateGrad:
					notFired := Const(1)
					for j := range L {
						notFired = notFired.Sub(prevS[j][n])
					}
					v0 = prevVEnd[n].Mul(notFired)
					if r.vr != nil {
						for j := range L {
							v0 = v0.Add(prevS[j][n].Mul(bp[L-1-j].Mul(r.vr[n])))
						}
					}
				case !prevFired[n]:
					v0 = prevVEnd[n]
				case r.vr != nil:
					v0 = bp[L-1-prevJ1[n]].Mul(r.vr[n])
				}
			}
			// Step 4: no-reset membrane as the literal power sum
			//   Vn[j] = Σ_{i<=j} beta^(j-i)·c[i] + beta^(j+1)·v0.
			for j := range L {
				acc := bp[j+1].Mul(v0)
				for i := 0; i <= j; i++ {
					acc = acc.Add(bp[j-i].Mul(c[i][n]))
				}
				Vn[j] = acc
			}
			// Step 5: θ[j] = 1 + Σ_m b_m·A_{m,k}·p_m^(j+1) (θ ≡ 1 without
			// adaptation; sum in order m = 0, 1, …).
			pp := make([][]Dual, r.K) // pp[m][i] = p_m^i
			for m := range r.K {
				pp[m] = Powers(r.p[m*N+n], L)
			}
			for j := range L {
				theta[j] = Const(1)
				if lay.Adapt {
					for m := range r.K {
						theta[j] = theta[j].Add(r.b[m*N+n].Mul(A[m*N+n]).Mul(pp[m][j+1]))
					}
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
			// Step 7: adaptation carry to block k+1, per scale m with p =
			// p_m, A_k = A_{m,k}. (With p_eff = 0, 1/p is +Inf and the
			// thresholds become NaN, as in the formula itself.)
			for m := 0; lay.Adapt && m < r.K; m++ {
				i, p, pm := m*N+n, r.p[m*N+n], pp[m]
				if lay.Detach || r.v.blocksCarryDetached {
					// Spikes detached: only the (value-only) spike position
					// j1 enters; p and A_k stay differentiable.
					if fired {
						A[i] = A[i].Mul(pm[j1+1]).Add(Const(1).Div(p)).Mul(pm[L-1-j1])
					} else {
						A[i] = A[i].Mul(pm[L])
					}
				} else {
					// Spikes keep their tangents:
					//   A_{k+1} = A_k·p^L + Σ_j s[j]·p^(L-1-j)/p.
					acc := A[i].Mul(pm[L])
					for j := range L {
						acc = acc.Add(blockS[j][n].Mul(pm[L-1-j]).Div(p))
					}
					A[i] = acc
				}
			}
			prevFired[n], prevJ1[n], prevVEnd[n] = fired, j1, Vn[L-1]
		}
		prevS, blockS = blockS, prevS
	}
	return out
}
