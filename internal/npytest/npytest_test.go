package npytest

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

// TestHeaderReads checks the header with an .npy reader: a header for
// (2, 3) little-endian float32 and 24 bytes of data read back as the
// shape, the order and the six values.
func TestHeaderReads(t *testing.T) {
	want := []float32{1, 2, 3, 4, 5, 6}
	var data []byte
	for _, v := range want {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	for _, fortran := range []bool{false, true} {
		h := Header("<f4", "(2, 3)", fortran)
		if len(h)%64 != 0 || h[len(h)-1] != '\n' {
			t.Fatalf("header of %d bytes ending in %q, want a multiple of 64 ending in a newline", len(h), h[len(h)-1])
		}
		r, err := npy.NewReader(bytes.NewReader(append(h, data...)))
		if err != nil {
			t.Fatal(err)
		}
		if d := r.Header.Descr; !slices.Equal(d.Shape, []int{2, 3}) || d.Fortran != fortran {
			t.Errorf("fortran %v: read shape %v, fortran %v", fortran, d.Shape, d.Fortran)
		}
		var got []float32
		if err := r.Read(&got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || !fortran && !slices.Equal(got, want) {
			t.Errorf("read %v, want %v", got, want)
		}
	}
}
