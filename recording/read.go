package recording

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/blocks-snn/blocks/internal/npyguard"
)

// BaseName returns a file's name without its directory and extensions:
// "dir/00-1.voltage.gz" → "00-1".
func BaseName(path string) string {
	b := filepath.Base(path)
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}

// lineReader reads the lines of a plain or gzip-compressed text file and
// keeps the line number for messages.
type lineReader struct {
	name string
	f    *os.File
	gz   *gzip.Reader
	sc   *bufio.Scanner
	line int
}

func openLines(path string) (*lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	lr := &lineReader{name: path, f: f}
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		if lr.gz, err = gzip.NewReader(r); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: not a gzip file: %w", path, err)
		}
		r = lr.gz
	}
	lr.sc = bufio.NewScanner(r)
	lr.sc.Buffer(make([]byte, 64*1024), 1<<20)
	return lr, nil
}

// next returns the fields of the next non-blank line, or nil at the end.
func (lr *lineReader) next() ([]string, error) {
	for lr.sc.Scan() {
		lr.line++
		f := strings.Fields(strings.ReplaceAll(lr.sc.Text(), ",", " "))
		if len(f) > 0 {
			return f, nil
		}
	}
	if err := lr.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", lr.name, lr.line+1, err)
	}
	return nil, nil
}

func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", lr.name, lr.line, fmt.Sprintf(format, args...))
}

func (lr *lineReader) Close() {
	if lr.gz != nil {
		lr.gz.Close()
	}
	lr.f.Close()
}

func (lr *lineReader) number(s, what string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, lr.errorf("%s %q is not a finite number", what, s)
	}
	return v, nil
}

func (lr *lineReader) index(s, what string) (int, error) {
	v, err := lr.number(s, what)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) || v < 0 || v > 1e12 {
		return 0, lr.errorf("%s %q is not a sample index (a whole number >= 0)", what, s)
	}
	return int(v), nil
}

// ReadVoltage reads a competition voltage file (sample index, current in
// pA, and optionally the membrane in mV, per line) and returns the
// current. Sample indices must count 0, 1, 2, ….
func ReadVoltage(path string) ([]float64, error) {
	lr, err := openLines(path)
	if err != nil {
		return nil, err
	}
	defer lr.Close()
	var cur []float64
	for {
		f, err := lr.next()
		if err != nil {
			return nil, err
		}
		if f == nil {
			break
		}
		if len(f) < 2 || len(f) > 3 {
			return nil, lr.errorf("%d columns, want 3 (sample index, current in pA, membrane in mV)", len(f))
		}
		i, err := lr.index(f[0], "sample index")
		if err != nil {
			return nil, err
		}
		if i != len(cur) {
			return nil, lr.errorf("sample index %d, want %d (one line per sample, in order)", i, len(cur))
		}
		c, err := lr.number(f[1], "current")
		if err != nil {
			return nil, err
		}
		if len(f) == 3 {
			if _, err := lr.number(f[2], "membrane potential"); err != nil {
				return nil, err
			}
		}
		cur = append(cur, c)
	}
	if len(cur) == 0 {
		return nil, fmt.Errorf("%s:%d: no samples", path, lr.line+1)
	}
	return cur, nil
}

// ReadSpikeTimes reads a competition spike-time file (sample index of a
// spike, and optionally a quality flag, per line) for a recording of n
// samples and returns the sorted indices. A file without spikes is an
// error.
func ReadSpikeTimes(path string, n int) ([]int, error) {
	lr, err := openLines(path)
	if err != nil {
		return nil, err
	}
	defer lr.Close()
	var s []int
	for {
		f, err := lr.next()
		if err != nil {
			return nil, err
		}
		if f == nil {
			break
		}
		if len(f) > 2 {
			return nil, lr.errorf("%d columns, want 1 or 2 (sample index of the spike, quality flag)", len(f))
		}
		i, err := lr.index(f[0], "spike time")
		if err != nil {
			return nil, err
		}
		if n > 0 && i >= n {
			return nil, lr.errorf("spike at sample %d, but the recording has %d samples", i, n)
		}
		if len(f) == 2 {
			if _, err := lr.number(f[1], "quality flag"); err != nil {
				return nil, err
			}
		}
		s = append(s, i)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%s:%d: no spikes", path, lr.line+1)
	}
	return sortUnique(s), nil
}

var compName = regexp.MustCompile(`^(.+)-(\d+)\.(voltage|spiketimes)(\.gz)?$`)

// ReadDir reads every stimulus of a directory in the competition format
// (SS-R.voltage[.gz] with SS-R.spiketimes[.gz]), with time step dt in ms,
// sorted by stimulus name. The repetitions of a stimulus must be
// numbered 0, 1, … and have the same number of samples; the current of
// the first repetition is used.
func ReadDir(dir string, dt float64) ([]*Recording, error) {
	if !(dt > 0) {
		return nil, fmt.Errorf("%s: the competition format does not state the time step: give one (0.2 ms for its data)", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type files struct{ volt, spk map[int]string }
	stim := map[string]*files{}
	for _, e := range ents {
		m := compName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		r, _ := strconv.Atoi(m[2])
		s := stim[m[1]]
		if s == nil {
			s = &files{map[int]string{}, map[int]string{}}
			stim[m[1]] = s
		}
		p := filepath.Join(dir, e.Name())
		if m[3] == "voltage" {
			s.volt[r] = p
		} else {
			s.spk[r] = p
		}
	}
	if len(stim) == 0 {
		return nil, fmt.Errorf("%s: no recordings (SS-R.voltage[.gz] and SS-R.spiketimes[.gz] files)", dir)
	}
	names := make([]string, 0, len(stim))
	for k := range stim {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []*Recording
	for _, name := range names {
		s := stim[name]
		rec := &Recording{Name: name, DT: dt}
		for r := 0; r < len(s.volt) || r < len(s.spk); r++ {
			vp, ok := s.volt[r]
			if !ok {
				return nil, fmt.Errorf("%s: stimulus %s has no voltage file for repetition %d", dir, name, r)
			}
			sp, ok := s.spk[r]
			if !ok {
				return nil, fmt.Errorf("%s: stimulus %s has no spike-time file for repetition %d", dir, name, r)
			}
			cur, err := ReadVoltage(vp)
			if err != nil {
				return nil, err
			}
			if r == 0 {
				rec.Current = cur
			} else if len(cur) != len(rec.Current) {
				return nil, fmt.Errorf("%s:%d: %d samples, but %s has %d (repetitions must have equal lengths)", vp, len(cur), len(cur), rec.Files[0], len(rec.Current))
			}
			spk, err := ReadSpikeTimes(sp, len(cur))
			if err != nil {
				return nil, err
			}
			rec.Reps = append(rec.Reps, spk)
			rec.Files = append(rec.Files, vp, sp)
		}
		out = append(out, rec)
	}
	return out, nil
}

// ReadFile reads one recording (or a current to predict from) in any of
// the package's formats: .npz, .csv, or a competition voltage file, whose
// spike trains, if any, are read from the matching .spiketimes[.gz]
// files of all its repetitions. dt (ms) is used where the file does not
// state its time step; where it does and dt > 0 they must agree.
func ReadFile(path string, dt float64) (*Recording, error) {
	var rec *Recording
	var err error
	switch {
	case strings.HasSuffix(path, ".npz"):
		rec, err = ReadNPZ(path)
	case strings.HasSuffix(path, ".csv"), strings.HasSuffix(path, ".csv.gz"):
		rec, err = ReadCSV(path)
	default:
		var cur []float64
		if cur, err = ReadVoltage(path); err == nil {
			rec = &Recording{Name: BaseName(path), Current: cur, Files: []string{path}}
		}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case rec.DT == 0 && dt > 0:
		rec.DT = dt
	case rec.DT == 0:
		return nil, fmt.Errorf("%s: the file does not state its time step: give one", path)
	case dt > 0 && math.Abs(rec.DT-dt) > 1e-9*dt:
		return nil, fmt.Errorf("%s: time step %g ms, but %g ms was asked for", path, rec.DT, dt)
	}
	if err := rec.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

// ReadCSV reads a recording in the CSV format of the package comment.
func ReadCSV(path string) (*Recording, error) {
	lr, err := openLines(path)
	if err != nil {
		return nil, err
	}
	defer lr.Close()
	rec := &Recording{Name: BaseName(path), Files: []string{path}}
	cols := -1
	var spikes [][]int
	for lr.sc.Scan() {
		lr.line++
		text := strings.TrimSpace(lr.sc.Text())
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "#") {
			kv := strings.TrimSpace(strings.TrimPrefix(text, "#"))
			if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) == "dt_ms" {
				if rec.DT, err = lr.number(strings.TrimSpace(v), "dt_ms"); err != nil {
					return nil, err
				}
				if !(rec.DT > 0) {
					return nil, lr.errorf("dt_ms %g, want > 0", rec.DT)
				}
			}
			continue
		}
		f := strings.Split(text, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if cols < 0 {
			cols = len(f)
			spikes = make([][]int, cols-1)
			if _, err := strconv.ParseFloat(f[0], 64); err != nil {
				continue // header
			}
		}
		if len(f) != cols {
			return nil, lr.errorf("%d fields, want %d like the first line (current in pA, then one 0/1 field per repetition)", len(f), cols)
		}
		c, err := lr.number(f[0], "current")
		if err != nil {
			return nil, err
		}
		for r, s := range f[1:] {
			switch s {
			case "0", "0.0":
			case "1", "1.0":
				spikes[r] = append(spikes[r], len(rec.Current))
			default:
				return nil, lr.errorf("repetition %d: %q, want 0 or 1", r, s)
			}
		}
		rec.Current = append(rec.Current, c)
	}
	if err := lr.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, lr.line+1, err)
	}
	if len(rec.Current) == 0 {
		return nil, fmt.Errorf("%s:%d: no samples", path, lr.line+1)
	}
	for r, s := range spikes {
		if len(s) == 0 {
			return nil, fmt.Errorf("%s: repetition %d (column %d) has no spikes", path, r, r+2)
		}
	}
	rec.Reps = spikes
	return rec, nil
}

// ReadNPZ reads a recording in the NPZ format of the package comment.
func ReadNPZ(path string) (*Recording, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not an .npz archive: %w", path, err)
	}
	defer z.Close()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := map[string]*zip.File{}
	for _, f := range z.File {
		files[strings.TrimSuffix(f.Name, ".npy")] = f
	}
	read := func(key string) ([]float64, error) {
		f := files[key]
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: array %q: %w", path, key, err)
		}
		defer rc.Close()
		v, err := readNumbers(rc, npyguard.MemberSize(f, st.Size()))
		if err != nil {
			return nil, fmt.Errorf("%s: array %q: %w", path, key, err)
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s: array %q: value %d is %g", path, key, i, x)
			}
		}
		return v, nil
	}
	if files["current"] == nil {
		return nil, fmt.Errorf("%s: no array \"current\" (the injected current in pA)", path)
	}
	rec := &Recording{Name: BaseName(path), Files: []string{path}}
	if rec.Current, err = read("current"); err != nil {
		return nil, err
	}
	if len(rec.Current) == 0 {
		return nil, fmt.Errorf("%s: array \"current\" is empty", path)
	}
	if files["dt_ms"] != nil {
		v, err := read("dt_ms")
		if err != nil {
			return nil, err
		}
		if len(v) != 1 || !(v[0] > 0) {
			return nil, fmt.Errorf("%s: array \"dt_ms\" must be one value > 0, got %v", path, v)
		}
		rec.DT = v[0]
	}
	for r := 0; files["spikes."+strconv.Itoa(r)] != nil; r++ {
		key := "spikes." + strconv.Itoa(r)
		v, err := read(key)
		if err != nil {
			return nil, err
		}
		if len(v) == 0 {
			return nil, fmt.Errorf("%s: array %q has no spikes", path, key)
		}
		s := make([]int, len(v))
		for i, x := range v {
			// x is compared as a float: int(x) of a huge x is undefined.
			if x != math.Trunc(x) || x < 0 || x >= float64(len(rec.Current)) {
				return nil, fmt.Errorf("%s: array %q: value %d (%g) is not a sample index in 0…%d", path, key, i, x, len(rec.Current)-1)
			}
			s[i] = int(x)
		}
		rec.Reps = append(rec.Reps, sortUnique(s))
	}
	return rec, nil
}

// readNumbers decodes a .npy array of any real numeric dtype as float64.
// The array may take at most limit bytes: its header and data are checked
// against it before they are allocated.
func readNumbers(r io.Reader, limit int64) (out []float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed .npy data: %v", p)
		}
	}()
	nr, err := npyguard.NewReader(r, limit)
	if err != nil {
		return nil, fmt.Errorf("not a .npy array: %w", err)
	}
	if err := checkDataSize(nr.Header.Descr.Type, nr.Header.Descr.Shape, limit); err != nil {
		return nil, err
	}
	var arr npy.Array
	if err := nr.Read(&arr); err != nil {
		return nil, err
	}
	switch v := arr.Data().(type) {
	case []float64:
		return v, nil
	case []float32:
		return conv(v), nil
	case []int64:
		return conv(v), nil
	case []int32:
		return conv(v), nil
	case []int16:
		return conv(v), nil
	case []uint64:
		return conv(v), nil
	case []uint32:
		return conv(v), nil
	case float64:
		return []float64{v}, nil
	case float32:
		return []float64{float64(v)}, nil
	case int64:
		return []float64{float64(v)}, nil
	case int32:
		return []float64{float64(v)}, nil
	default:
		return nil, fmt.Errorf("unsupported dtype %s", nr.Header.Descr.Type)
	}
}

func conv[T float32 | int64 | int32 | int16 | uint64 | uint32](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// WriteNPZ writes a recording in the package's NPZ format (current and
// spikes as float64, for numpy).
func WriteNPZ(w io.Writer, rec *Recording) error {
	zw := zip.NewWriter(w)
	put := func(key string, v []float64, scalar bool) error {
		f, err := zw.Create(key + ".npy")
		if err != nil {
			return err
		}
		if scalar {
			return npy.Write(f, v[0])
		}
		return npy.Write(f, v)
	}
	if err := put("current", rec.Current, false); err != nil {
		return err
	}
	if err := put("dt_ms", []float64{rec.DT}, true); err != nil {
		return err
	}
	for r, s := range rec.Reps {
		v := make([]float64, len(s))
		for i, x := range s {
			v[i] = float64(x)
		}
		if err := put("spikes."+strconv.Itoa(r), v, false); err != nil {
			return err
		}
	}
	return zw.Close()
}

// numericDtype matches numpy's descriptions of real numbers, e.g. '<f8'.
var numericDtype = regexp.MustCompile(`^'?[<>|=]?([fiu])(\d+)'?$`)

// checkDataSize refuses an array whose shape needs more than limit bytes
// of a dtype, before its data is allocated.
func checkDataSize(dtype string, shape []int, limit int64) error {
	m := numericDtype.FindStringSubmatch(dtype)
	if m == nil {
		return fmt.Errorf("unsupported dtype %s", dtype)
	}
	size, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || size < 1 || size > 8 {
		return fmt.Errorf("unsupported dtype %s", dtype)
	}
	need := size
	for _, d := range shape {
		if d < 0 || (d > 0 && need > limit/int64(d)) {
			return fmt.Errorf("shape %v of dtype %s needs more than the %d bytes stored", shape, dtype, limit)
		}
		need *= int64(d)
	}
	if need > limit {
		return fmt.Errorf("shape %v of dtype %s needs %d bytes, more than the %d stored", shape, dtype, need, limit)
	}
	return nil
}
