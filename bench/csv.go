package bench

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/blocks-snn/blocks/sim"
)

// CSVHeader is the first line of WriteCSV's output. The columns up to
// mem_source are measured; the last four are derived from them and the
// reference table, and left empty where there is nothing to compare:
//
//   - blocks_speedup: standard total / blocks total for the configuration
//     (the same on both of its rows);
//   - reference_s: DESIGN §5.1's PyTorch time for the configuration and
//     method; reference_at_least is true where that time is a lower bound;
//   - reference_speedup: reference_s / total_s (a lower bound likewise).
var CSVHeader = []string{
	"t", "arp", "batch", "hidden", "layers", "inputs", "seed", "method", "repeats",
	"forward_s", "backward_s", "total_s", "spikes", "peak_mem_bytes", "mem_source",
	"blocks_speedup", "reference_s", "reference_at_least", "reference_speedup",
}

// WriteCSV writes results as CSV with CSVHeader.
func WriteCSV(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	su := SpeedUps(rs)
	for _, r := range rs {
		c := r.Config
		rec := []string{
			itoa(c.T), itoa(c.ARP), itoa(c.Batch), itoa(c.Hidden), itoa(c.Layers), itoa(c.Inputs),
			strconv.FormatUint(c.Seed, 10), r.Method.String(), itoa(r.Repeats),
			secs(r.Forward), secs(r.Backward), secs(r.Total), itoa(r.Spikes),
			strconv.FormatUint(r.PeakMem, 10), string(r.MemSource),
			"", "", "", "",
		}
		if s, ok := su[c]; ok {
			rec[15] = strconv.FormatFloat(s, 'f', 4, 64)
		}
		if ref, x, ok := r.VsReference(); ok {
			rec[16] = strconv.FormatFloat(ref.S, 'f', -1, 64)
			rec[17] = strconv.FormatBool(ref.AtLeast)
			if x.X > 0 {
				rec[18] = strconv.FormatFloat(x.X, 'f', 4, 64)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(v int) string { return strconv.Itoa(v) }

// secs writes a duration as seconds with nanosecond precision.
func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 9, 64) }

// ReadCSV reads what WriteCSV wrote. It needs the measured columns (in
// any order) and ignores the derived ones, which it recomputes on output.
func ReadCSV(r io.Reader) ([]Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("bench: reading CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, h := range CSVHeader[:15] {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("bench: CSV has no %q column", h)
		}
	}
	var rs []Result
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("bench: CSV: %w", err)
		}
		p := csvRow{rec: rec, col: col, line: line}
		var res Result
		res.Config = Config{
			T: p.int("t"), ARP: p.int("arp"), Batch: p.int("batch"), Hidden: p.int("hidden"),
			Layers: p.int("layers"), Inputs: p.int("inputs"), Seed: p.uint("seed"),
		}
		res.Method = p.method("method")
		res.Repeats = p.int("repeats")
		res.Forward, res.Backward, res.Total = p.dur("forward_s"), p.dur("backward_s"), p.dur("total_s")
		res.Spikes = p.int("spikes")
		res.PeakMem = p.uint("peak_mem_bytes")
		res.MemSource = MemSource(p.field("mem_source"))
		if p.err != nil {
			return nil, p.err
		}
		rs = append(rs, res)
	}
}

// csvRow parses fields of one record, keeping the first error.
type csvRow struct {
	rec  []string
	col  map[string]int
	line int
	err  error
}

func (p *csvRow) field(name string) string {
	i := p.col[name]
	if i >= len(p.rec) {
		p.fail(name, "", "missing")
		return ""
	}
	return p.rec[i]
}

func (p *csvRow) fail(name, v, why string) {
	if p.err == nil {
		p.err = fmt.Errorf("bench: CSV line %d, column %s: %q %s", p.line, name, v, why)
	}
}

func (p *csvRow) int(name string) int {
	s := p.field(name)
	v, err := strconv.Atoi(s)
	if err != nil {
		p.fail(name, s, "is not an integer")
	}
	return v
}

func (p *csvRow) uint(name string) uint64 {
	s := p.field(name)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		p.fail(name, s, "is not a non-negative integer")
	}
	return v
}

func (p *csvRow) dur(name string) time.Duration {
	s := p.field(name)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) {
		p.fail(name, s, "is not a time in seconds")
	}
	return time.Duration(math.Round(v * 1e9))
}

func (p *csvRow) method(name string) sim.Method {
	s := p.field(name)
	m, err := sim.ParseMethod(s)
	if err != nil {
		p.fail(name, s, "is not blocks or standard")
	}
	return m
}
