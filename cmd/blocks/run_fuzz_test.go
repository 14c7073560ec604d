package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blocks-snn/blocks/internal/npytest"
	"github.com/blocks-snn/blocks/model"
)

// FuzzRunInput feeds arbitrary bytes to `blocks run`'s input check (an
// .npy file of shape [batch, channels, T]): an error, or an array of the
// wanted shape that converts to the simulator's layout and back bit for
// bit. Never a panic, never an allocation beyond what the file holds.
func FuzzRunInput(f *testing.F) {
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.npy")
	a := model.Array{Shape: []int{2, 3, 4}, Data: make([]float32, 24)}
	for i := range a.Data {
		a.Data[i] = float32(i) - 7.5
	}
	if err := model.SaveArray(seed, a); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(seed)
	f.Add(b)
	f.Add(npytest.Header("<f4", "(1, 3, 1000000000)", false))
	f.Add(npytest.Header("<f4", "(0, 3, 2)", false))
	// A version-2 header declaring 4 GiB: npyio allocated it before
	// internal/npyguard (8 GiB in all, 9 s a run, fuzz workers killed).
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"))
	path := filepath.Join(dir, "in.npy")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		x, err := loadChannelMajor("--input", path, -1, 3, -1)
		if err != nil {
			return
		}
		if x.B < 1 || x.T < 1 || x.N != 3 || len(x.Data) != x.B*x.T*x.N {
			t.Fatalf("accepted a batch %d×%d×%d of %d values", x.B, x.T, x.N, len(x.Data))
		}
		back := toChannelMajor(x)
		orig, err := model.LoadArray(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(back.Shape, orig.Shape) {
			t.Fatalf("shape %v → %v", orig.Shape, back.Shape)
		}
		for i := range orig.Data {
			if math.Float32bits(orig.Data[i]) != math.Float32bits(back.Data[i]) {
				t.Fatalf("value %d changed: %v → %v", i, orig.Data[i], back.Data[i])
			}
		}
	})
}
