package fit

import (
	"slices"
	"testing"
)

// TestShortTicks checks the figures' time labels: gonum's ticks, without
// the trailing zeros of its fixed-precision labels.
func TestShortTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{1000, 1500, []string{"1000", "1250", "1500"}},
		{0, 0.6, []string{"0", "0.25", "0.5"}},
		{2.5, 4, []string{"2.5", "3", "3.5", "4"}},
	} {
		var got []string
		for _, tk := range (shortTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("[%g, %g]: labels %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}
