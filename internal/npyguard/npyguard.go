// Package npyguard opens .npy streams for the npyio library safely. npyio
// allocates whatever header length a stream declares before reading it
// (a 12-byte file can ask for 4 GiB) and panics on some malformed
// headers; [NewReader] checks the declared length against the bytes the
// stream can hold first, and turns those panics into errors. For members
// of .npz archives, [MemberSize] bounds those bytes by what the archive
// can really hold. Every reader of outside .npy data in the module goes
// through it.
package npyguard

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"codeberg.org/sbinet/npyio/npy"
)

// NewReader returns npy.NewReader for r, a stream of at most limit bytes
// (a file's or a zip member's size).
func NewReader(r io.Reader, limit int64) (nr *npy.Reader, err error) {
	prefix := make([]byte, 12) // magic (6), version (2), header length (2 or 4)
	n, err := io.ReadFull(r, prefix[:10])
	if err != nil {
		return nil, fmt.Errorf("%d bytes, too short for a .npy header", n)
	}
	hlen := int64(binary.LittleEndian.Uint16(prefix[8:10]))
	if prefix[6] >= 2 {
		if _, err := io.ReadFull(r, prefix[10:]); err != nil {
			return nil, fmt.Errorf("10 bytes, too short for a version %d .npy header", prefix[6])
		}
		hlen = int64(binary.LittleEndian.Uint32(prefix[8:12]))
	} else {
		prefix = prefix[:10]
	}
	if hlen > limit-int64(len(prefix)) {
		return nil, fmt.Errorf("header of %d bytes declared, more than the %d bytes stored", hlen, limit)
	}
	defer func() {
		if p := recover(); p != nil {
			nr, err = nil, fmt.Errorf("malformed .npy header: %v", p)
		}
	}()
	return npy.NewReader(io.MultiReader(bytes.NewReader(prefix), r))
}

// maxDeflateRatio bounds how many bytes deflate can expand one compressed
// byte into (258 bytes per 2 bits at best, about 1032:1).
const maxDeflateRatio = 1032

// MemberSize returns how many bytes zip member f can hold when read: its
// declared size, but no more than its compressed bytes in an archive of
// archiveSize bytes can expand to. The declared sizes are the file's
// word, so this bounds what reading a forged archive allocates.
func MemberSize(f *zip.File, archiveSize int64) int64 {
	n := int64(min(f.UncompressedSize64, math.MaxInt64))
	c := int64(min(f.CompressedSize64, uint64(max(archiveSize, 0))))
	switch f.Method {
	case zip.Store:
		return min(n, c)
	case zip.Deflate:
		if c > math.MaxInt64/maxDeflateRatio {
			return n
		}
		return min(n, c*maxDeflateRatio+64)
	}
	return n
}
