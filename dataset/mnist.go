package dataset

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/blocks-snn/blocks/dataset/mnistdata"
)

// MNIST as spike trains: 28×28 = 784 channels, 10 classes, 60000 training
// and 10000 test images, from the copy embedded in package mnistdata.
const (
	MNISTChannels = 28 * 28
	MNISTClasses  = 10

	// Latency coding (see LoadMNIST).
	MNISTLatencyTau       = 20.0 // ms
	MNISTLatencyThreshold = 0.2  // of full intensity
)

// LoadMNIST returns the embedded MNIST digits, each image encoded as spike
// trains by latency coding, the encoding of Zenke's SpyTorch tutorials
// (current2firing_time; snnTorch's spikegen.latency is the same model):
// pixel intensity x = value/255 is a constant current into a leaky
// integrator of time constant tau = 20 ms and threshold 0.2, and the
// pixel's channel (row·28 + column) fires once, when the membrane crosses
// threshold, at
//
//	t = tau · ln(x / (x − 0.2)) ms,   step floor(t / DT),
//
// so a full-intensity pixel fires at 4.5 ms and dimmer ones later; pixels
// with x ≤ 0.2 never fire, and neither do those whose step is ≥ Steps.
// Zero Options fields take DT 1 ms and 100 steps, as in the tutorial. An
// image has about 130 events (one per bright pixel), all in the first 60
// ms or so. Images are encoded as they are decompressed and kept in
// compact event form.
func LoadMNIST(opt Options) (Split, error) {
	opt, err := withDefaults("mnist", opt)
	if err != nil {
		return Split{}, err
	}
	var table [256]int
	for p := range table {
		table[p] = latencyStep(byte(p), opt.DT)
	}
	train, err := loadMNISTPart("mnist/train", mnistdata.TrainImages, mnistdata.TrainLabels, &table, opt)
	if err != nil {
		return Split{}, err
	}
	test, err := loadMNISTPart("mnist/test", mnistdata.TestImages, mnistdata.TestLabels, &table, opt)
	if err != nil {
		return Split{}, err
	}
	return Split{Train: train, Test: test}, nil
}

// latencyStep returns the step at which a pixel of value p fires, or -1
// if it never does.
func latencyStep(p byte, dt float64) int {
	x := float64(p) / 255
	if x <= MNISTLatencyThreshold {
		return -1
	}
	t := MNISTLatencyTau * math.Log(x/(x-MNISTLatencyThreshold))
	return int(math.Floor(t / dt))
}

// readIDX reads an IDX header with the given magic and number of
// dimensions, returning the dimensions.
func readIDX(r io.Reader, file string, magic uint32, ndim int) ([]int, error) {
	h := make([]byte, 4+4*ndim)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, fmt.Errorf("mnist: %s: header: %w", file, err)
	}
	if m := binary.BigEndian.Uint32(h); m != magic {
		return nil, fmt.Errorf("mnist: %s: magic %#08x, want %#08x", file, m, magic)
	}
	dims := make([]int, ndim)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(h[4+4*i:]))
	}
	return dims, nil
}

func loadMNISTPart(name, images, labels string, table *[256]int, opt Options) (*memDataset, error) {
	lr, err := mnistdata.Open(labels)
	if err != nil {
		return nil, err
	}
	defer lr.Close()
	ldims, err := readIDX(lr, labels, 0x801, 1)
	if err != nil {
		return nil, err
	}
	lab := make([]byte, ldims[0])
	if _, err := io.ReadFull(lr, lab); err != nil {
		return nil, fmt.Errorf("mnist: %s: %d labels: %w", labels, ldims[0], err)
	}

	ir, err := mnistdata.Open(images)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	br := bufio.NewReaderSize(ir, 1<<16)
	idims, err := readIDX(br, images, 0x803, 3)
	if err != nil {
		return nil, err
	}
	n := idims[0]
	if n != len(lab) || idims[1]*idims[2] != MNISTChannels {
		return nil, fmt.Errorf("mnist: %s: %d images of %d×%d for %d labels", images, n, idims[1], idims[2], len(lab))
	}
	st := newStore(opt.Steps, MNISTChannels)
	img := make([]byte, MNISTChannels)
	keys := make([]uint64, 0, MNISTChannels)
	next := 0
	for _, i := range subset(n, opt.Limit) {
		for ; next <= i; next++ {
			if _, err := io.ReadFull(br, img); err != nil {
				return nil, fmt.Errorf("mnist: %s: image %d: %w", images, next, err)
			}
		}
		keys = latencyKeys(img, table, opt.Steps, keys[:0])
		if lab[i] >= MNISTClasses {
			return nil, fmt.Errorf("mnist: %s: label %d of image %d out of range", labels, lab[i], i)
		}
		st.add(int(lab[i]), keys)
	}
	return &memDataset{name: name, dt: opt.DT, classes: MNISTClasses, st: st}, nil
}

// latencyKeys appends the keys step·784 + pixel of img's spikes to keys.
func latencyKeys(img []byte, table *[256]int, steps int, keys []uint64) []uint64 {
	for c, p := range img {
		if t := table[p]; t >= 0 && t < steps {
			keys = append(keys, uint64(t)*MNISTChannels+uint64(c))
		}
	}
	return keys
}
