package npyguard

import (
	"bytes"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

func TestNewReader(t *testing.T) {
	var good bytes.Buffer
	if err := npy.Write(&good, []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(good.Bytes()), int64(good.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	if err := r.Read(&got); err != nil || len(got) != 3 || got[2] != 3 {
		t.Fatalf("read %v, %v", got, err)
	}
	for _, c := range []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "0 bytes, too short for a .npy header"},
		{"short", "\x93NUMPY\x01", "7 bytes, too short for a .npy header"},
		{"version 2 cut", "\x93NUMPY\x02\x00\xff\xff", "too short for a version 2 .npy header"},
		{"4 GiB header", "\x93NUMPY\x02\x00\xff\xff\xff\xff", "header of 4294967295 bytes declared, more than the 12 bytes stored"},
		{"64 KiB header", "\x93NUMPY\x01\x00\xff\xff{}", "header of 65535 bytes declared, more than the 12 bytes stored"},
		{"garbage header", "\x93NUMPY\x01\x00\x02\x00{}", ""},
	} {
		_, err := NewReader(strings.NewReader(c.data), int64(len(c.data)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
