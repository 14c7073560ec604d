package dataset

import (
	"math"
	"testing"
)

// FuzzNMNIST decodes and bins arbitrary bytes as an N-MNIST event file,
// at arbitrary time steps and step counts: the result is an error or
// valid events (every channel in [0, 1156), ascending within a step,
// len(Ptr) = steps+1), never a panic or an index out of range.
func FuzzNMNIST(f *testing.F) {
	ev := func(x, y, pol byte, us int) []byte {
		return []byte{x, y, pol<<7 | byte(us>>16)&0x7f, byte(us >> 8), byte(us)}
	}
	var file []byte
	for i := range 40 {
		file = append(file, ev(byte(i%34), byte(i*7%34), byte(i%2), i*9973%(1<<23))...)
	}
	f.Add(file, 1.0, 400)
	f.Add(file, 0.37, 1000)
	f.Add(ev(33, 33, 1, 1<<23-1), 1e-3, 1<<16)
	f.Add(ev(34, 0, 0, 0), 1.0, 10)    // outside the sensor
	f.Add(file[:7], 1.0, 10)           // truncated
	f.Add(ev(1, 2, 0, 5000), 1e-20, 5) // a step beyond int64
	f.Fuzz(func(t *testing.T, b []byte, dt float64, steps int) {
		events, derr := DecodeNMNIST("f.bin", b)
		if derr == nil {
			if len(events) != len(b)/5 {
				t.Fatalf("%d events from %d bytes", len(events), len(b))
			}
			for _, e := range events {
				if e.X < 0 || e.X > 255 || e.Y < 0 || e.Y > 255 || e.Polarity&^1 != 0 || e.Micros < 0 || e.Micros >= 1<<23 {
					t.Fatalf("decoded event %+v out of range", e)
				}
			}
		}
		// Bin with the options LoadNMNIST would accept.
		opt, err := withDefaults("nmnist", Options{DT: dt, Steps: steps})
		if err != nil || opt.Steps > 1<<16 {
			return // more steps only make the Events longer, and each run slower
		}
		keys, err := binNMNIST("f.bin", b, opt.DT, opt.Steps)
		if err != nil {
			return
		}
		if derr != nil {
			t.Fatalf("binNMNIST accepted what DecodeNMNIST refused: %v", derr)
		}
		e := eventsFromKeys(keys, opt.Steps, NMNISTChannels)
		checkEvents(t, e, opt.Steps, NMNISTChannels)
		// The binned events are exactly the file's events at their
		// floor(t/dt) steps before Steps, repeats counted once.
		want := map[[2]int]bool{}
		for _, ev := range events {
			s := math.Floor(float64(ev.Micros) / (opt.DT * 1000))
			if s < float64(opt.Steps) {
				want[[2]int{int(s), ev.Y*NMNISTWidth + ev.X}] = true
				if !hasEvent(e, int(s), ev.Y*NMNISTWidth+ev.X) {
					t.Fatalf("event %+v at step %v missing", ev, s)
				}
			}
		}
		if len(want) != len(e.Idx) {
			t.Fatalf("%d binned events, want %d", len(e.Idx), len(want))
		}
	})
}

// checkEvents checks the invariants of Events.
func checkEvents(t *testing.T, e Events, steps, channels int) {
	t.Helper()
	if len(e.Ptr) != steps+1 || e.Ptr[0] != 0 || int(e.Ptr[steps]) != len(e.Idx) {
		t.Fatalf("Ptr of length %d (want %d), ends %d, %d events", len(e.Ptr), steps+1, e.Ptr[len(e.Ptr)-1], len(e.Idx))
	}
	for s := range steps {
		lo, hi := e.Ptr[s], e.Ptr[s+1]
		if lo > hi {
			t.Fatalf("Ptr decreases at step %d", s)
		}
		for k := lo; k < hi; k++ {
			if c := e.Idx[k]; c < 0 || int(c) >= channels || k > lo && c <= e.Idx[k-1] {
				t.Fatalf("step %d: channels %v not ascending in [0, %d)", s, e.Idx[lo:hi], channels)
			}
		}
	}
}

func hasEvent(e Events, step, ch int) bool {
	for _, c := range e.Idx[e.Ptr[step]:e.Ptr[step+1]] {
		if int(c) == ch {
			return true
		}
	}
	return false
}

// FuzzSHDBins checks the Go side of the SHD/SSC reader, which runs on
// what the HDF5 library hands back: the validation of one sample's spike
// times and units (shdEvents, as openSHD calls it, on arbitrary float64
// times and int64 units: any NaN, Inf, negative time or unit outside
// [0, 700) is an error), the binning of a time to a step, and the compact
// store the binned keys go to, which must give back exactly the distinct
// events of the valid times before Steps.
func FuzzSHDBins(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 7, 7}, 0.0123, 2.0, 600, int64(0))
	f.Add([]byte{}, 1.1999, 2.0, 600, int64(0))
	f.Add([]byte{255, 255, 0}, 1e300, 1e-300, 1<<16, int64(0))
	f.Add([]byte{9, 9}, math.NaN(), 1.0, 100, int64(0))
	f.Add([]byte{9, 9}, -0.5, 1.0, 100, int64(0))
	f.Add([]byte{9, 9}, 0.5, 1.0, 100, int64(700))
	f.Add([]byte{9, 9}, 0.5, 1.0, 100, int64(-1<<63))
	f.Fuzz(func(t *testing.T, units []byte, t0, dt float64, steps int, unitShift int64) {
		opt, err := withDefaults("shd", Options{DT: dt, Steps: steps})
		if err != nil || opt.Steps > 1<<16 {
			return
		}
		times := make([]float64, len(units))
		us := make([]int64, len(units))
		valid := true
		for k, u := range units {
			times[k] = t0 * float64(k+1)
			us[k] = int64(int(u)*SHDChannels/256) + unitShift
			valid = valid && times[k] >= 0 && !math.IsInf(times[k], 0) && us[k] >= 0 && us[k] < SHDChannels
		}
		keys, err := shdEvents(times, us, opt, nil)
		if (err == nil) != valid {
			t.Fatalf("times from %v, units shifted by %d: error %v, but valid %v", t0, unitShift, err, valid)
		}
		if err != nil {
			return
		}
		if _, err := shdEvents(times, us[:len(us)/2], opt, nil); len(us) > 0 && err == nil {
			t.Fatal("times and units of different lengths accepted")
		}
		for _, key := range keys {
			if key/SHDChannels >= uint64(opt.Steps) {
				t.Fatalf("key %d: step %d beyond %d steps", key, key/SHDChannels, opt.Steps)
			}
		}
		st := newStore(opt.Steps, SHDChannels)
		want := eventsFromKeys(append([]uint64(nil), keys...), opt.Steps, SHDChannels)
		st.add(3, keys)
		st.add(4, nil)
		got := st.sample(0)
		checkEvents(t, got, opt.Steps, SHDChannels)
		if len(got.Idx) != len(want.Idx) || st.events != int64(len(want.Idx)) {
			t.Fatalf("store holds %d events, want %d", len(got.Idx), len(want.Idx))
		}
		for i := range want.Ptr {
			if got.Ptr[i] != want.Ptr[i] {
				t.Fatalf("Ptr[%d] = %d, want %d", i, got.Ptr[i], want.Ptr[i])
			}
		}
		for i := range want.Idx {
			if got.Idx[i] != want.Idx[i] {
				t.Fatalf("Idx[%d] = %d, want %d", i, got.Idx[i], want.Idx[i])
			}
		}
		if e := st.sample(1); len(e.Idx) != 0 || st.labels[1] != 4 {
			t.Fatal("empty sample not empty")
		}
	})
}
