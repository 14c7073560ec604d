package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blocks-snn/blocks/sim"
)

// WriteTable writes results as an aligned text table, one row per
// configuration and method: the median forward, backward and total
// seconds, the peak memory, the blocks-over-standard speed-up (on the
// blocks row, where the configuration was timed with both) and, where
// DESIGN §5.1 has a reference PyTorch time, that time and the speed-up
// over it.
func WriteTable(w io.Writer, rs []Result) error {
	mem := MemRSS
	seeds := map[uint64]bool{}
	for _, r := range rs {
		if r.MemSource == MemHeap {
			mem = MemHeap
		}
		seeds[r.Config.Seed] = true
	}
	rows := [][]string{{"config", "method", "forward s", "backward s", "total s", mem.Label(),
		"blocks/standard", "reference", "vs reference"}}
	su := SpeedUps(rs)
	for _, r := range rs {
		cfg := r.Config.String()
		if len(seeds) > 1 {
			cfg += " seed " + strconv.FormatUint(r.Config.Seed, 10)
		}
		row := []string{cfg, r.Method.String(), fmtSecs(r.Forward.Seconds()), fmtSecs(r.Backward.Seconds()),
			fmtSecs(r.Total.Seconds()), fmtMem(r.PeakMem), "", "", ""}
		if s, ok := su[r.Config]; ok && r.Method == sim.Blocks {
			row[6] = Ratio{X: s}.String()
		}
		if ref, x, ok := r.VsReference(); ok {
			row[7] = ref.String()
			if x.X > 0 {
				row[8] = x.String()
			}
		}
		rows = append(rows, row)
	}
	return writeAligned(w, rows, 2)
}

// writeAligned pads columns to equal width (counting runes): the first
// left columns are left-aligned, the others right-aligned.
func writeAligned(w io.Writer, rows [][]string, left int) error {
	var width []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < left {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtSecs(s float64) string {
	if s < 0.1 {
		return strconv.FormatFloat(s, 'f', 4, 64)
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}

func fmtMem(b uint64) string {
	mib := float64(b) / (1 << 20)
	if mib < 10 {
		return fmt.Sprintf("%.1f MiB", mib)
	}
	return fmt.Sprintf("%.0f MiB", mib)
}
