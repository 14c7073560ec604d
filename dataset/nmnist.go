package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// N-MNIST (Orchard et al. 2015): MNIST digits seen by an event camera of
// 34×34 pixels making three saccades, about 300 ms per sample.
const (
	NMNISTWidth    = 34
	NMNISTChannels = NMNISTWidth * NMNISTWidth
	NMNISTClasses  = 10

	nmnistURL = "https://www.garrickorchard.com/datasets/n-mnist"
)

// nmnist reads its samples lazily: it holds only the file names and
// labels, and each Sample reads and bins one file.
type nmnist struct {
	name   string
	dt     float64
	steps  int
	files  []string
	labels []int8
}

// LoadNMNIST reads the N-MNIST layout: dir/Train/<digit>/*.bin and
// dir/Test/<digit>/*.bin, the label being the folder's digit (the folders
// of the official Train.zip and Test.zip). Zero Options fields take DT 1 ms
// and 400 steps.
//
// Each file is a sequence of 5-byte events: x (byte 0), y (byte 1),
// polarity (the top bit of byte 2) and a timestamp in µs (the low 7 bits
// of byte 2, then bytes 3 and 4: 23 bits, big-endian). As in the
// reference, events are folded onto 34·34 = 1156 channels, channel
// y·34 + x, and polarity is ignored: an ON and an OFF event of one pixel
// in one step count once. An event's step is floor(timestamp / (DT·1000));
// events at steps ≥ Steps are dropped.
//
// Loading lists the files and checks the sizes of those it keeps: a file whose length is
// not a multiple of 5 is refused, naming the file and the offset of its
// incomplete event. Each Sample reads its file afresh (the training split
// has 60000 files, about 1 GB), and an x or y ≥ 34 is an error naming the
// file and the event's byte offset.
func LoadNMNIST(dir string, opt Options) (Split, error) {
	opt, err := withDefaults("nmnist", opt)
	if err != nil {
		return Split{}, err
	}
	if dir == "" {
		return Split{}, fmt.Errorf("nmnist: no directory given: download Train.zip and Test.zip from %s, unzip them into a directory and name it", nmnistURL)
	}
	var s Split
	for _, part := range []string{"Train", "Test"} {
		d, err := listNMNIST(dir, part, opt)
		if err != nil {
			return Split{}, err
		}
		if part == "Train" {
			s.Train = d
		} else {
			s.Test = d
		}
	}
	return s, nil
}

func listNMNIST(dir, part string, opt Options) (*nmnist, error) {
	root := filepath.Join(dir, part)
	hint := fmt.Sprintf("download Train.zip and Test.zip from %s and unzip them into %s (giving %s/Train/0/*.bin …)", nmnistURL, dir, dir)
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("nmnist: %s: no such directory in %s; %s", part, dir, hint)
	}
	d := &nmnist{name: "nmnist/" + strings.ToLower(part), dt: opt.DT, steps: opt.Steps}
	for digit := range NMNISTClasses {
		sub := filepath.Join(root, fmt.Sprint(digit))
		entries, err := os.ReadDir(sub)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("nmnist: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".bin") {
				continue
			}
			d.files = append(d.files, filepath.Join(sub, e.Name()))
			d.labels = append(d.labels, int8(digit))
		}
	}
	if len(d.files) == 0 {
		return nil, fmt.Errorf("nmnist: no .bin files in %s/<digit>/; %s", root, hint)
	}
	// ReadDir sorts by name, so files are ordered by digit, then name.
	idx := subset(len(d.files), opt.Limit)
	if len(idx) < len(d.files) {
		files, labels := make([]string, len(idx)), make([]int8, len(idx))
		for k, i := range idx {
			files[k], labels[k] = d.files[i], d.labels[i]
		}
		d.files, d.labels = files, labels
	}
	for _, f := range d.files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("nmnist: %w", err)
		}
		if err := checkNMNISTSize(f, st.Size()); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func checkNMNISTSize(file string, n int64) error {
	if n%5 != 0 {
		return fmt.Errorf("nmnist: %s: truncated: %d bytes is not a multiple of 5; the event at byte offset %d is incomplete", file, n, n-n%5)
	}
	return nil
}

func (d *nmnist) Name() string    { return d.name }
func (d *nmnist) Len() int        { return len(d.files) }
func (d *nmnist) Channels() int   { return NMNISTChannels }
func (d *nmnist) Steps() int      { return d.steps }
func (d *nmnist) Classes() int    { return NMNISTClasses }
func (d *nmnist) Label(i int) int { return int(d.labels[i]) }
func (d *nmnist) DT() float64     { return d.dt }

// File returns the file of sample i.
func (d *nmnist) File(i int) string { return d.files[i] }

func (d *nmnist) Sample(i int) (Events, error) {
	if i < 0 || i >= len(d.files) {
		return Events{}, fmt.Errorf("%s: sample %d out of range [0, %d)", d.name, i, len(d.files))
	}
	b, err := os.ReadFile(d.files[i])
	if err != nil {
		return Events{}, fmt.Errorf("nmnist: %w", err)
	}
	keys, err := binNMNIST(d.files[i], b, d.dt, d.steps)
	if err != nil {
		return Events{}, err
	}
	return eventsFromKeys(keys, d.steps, NMNISTChannels), nil
}

// NMNISTEvent is one decoded event of an N-MNIST file.
type NMNISTEvent struct {
	X, Y     int
	Polarity int // 0 or 1
	Micros   int // timestamp in µs
}

// DecodeNMNIST decodes the events of an N-MNIST file's contents b; file
// names the file in errors.
func DecodeNMNIST(file string, b []byte) ([]NMNISTEvent, error) {
	if err := checkNMNISTSize(file, int64(len(b))); err != nil {
		return nil, err
	}
	ev := make([]NMNISTEvent, len(b)/5)
	for k := range ev {
		e := b[5*k : 5*k+5]
		ev[k] = NMNISTEvent{
			X: int(e[0]), Y: int(e[1]), Polarity: int(e[2] >> 7),
			Micros: int(e[2]&0x7f)<<16 | int(e[3])<<8 | int(e[4]),
		}
	}
	return ev, nil
}

// binNMNIST returns the keys step·1156 + channel of the events of b.
func binNMNIST(file string, b []byte, dt float64, steps int) ([]uint64, error) {
	if err := checkNMNISTSize(file, int64(len(b))); err != nil {
		return nil, err
	}
	us := dt * 1000
	intUS := int(us)
	exact := float64(intUS) == us && intUS > 0
	keys := make([]uint64, 0, len(b)/5)
	for off := 0; off < len(b); off += 5 {
		x, y := int(b[off]), int(b[off+1])
		if x >= NMNISTWidth || y >= NMNISTWidth {
			return nil, fmt.Errorf("nmnist: %s: byte offset %d: event at x = %d, y = %d is outside the %d×%d sensor",
				file, off, x, y, NMNISTWidth, NMNISTWidth)
		}
		ts := int(b[off+2]&0x7f)<<16 | int(b[off+3])<<8 | int(b[off+4])
		var t int
		if exact {
			t = ts / intUS
		} else if f := math.Floor(float64(ts) / us); f < float64(steps) {
			t = int(f) // compared as a float first: at a tiny DT the step may not fit an int
		} else {
			continue
		}
		if t < steps {
			keys = append(keys, uint64(t)*NMNISTChannels+uint64(y*NMNISTWidth+x))
		}
	}
	return keys, nil
}
