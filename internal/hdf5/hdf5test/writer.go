//go:build cgo

package hdf5test

/*
#cgo !hdf5pkgconfig CFLAGS: -I/usr/include/hdf5/serial
#cgo !hdf5pkgconfig LDFLAGS: -lhdf5_serial
#cgo hdf5pkgconfig pkg-config: hdf5

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

static void blkw_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static hid_t blkw_create(const char *name) {
	blkw_quiet();
	return H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

static int blkw_close(hid_t f) { blkw_quiet(); return H5Fclose(f) < 0 ? -1 : 0; }

// Little-endian file types: 0 u8, 1 u16, 2 i32, 3 i64, 4 f16 (as h5py
// declares it), 5 f32, 6 f64, 7 u64.
static hid_t blkw_type(int code) {
	hid_t t = -1;
	switch (code) {
	case 0: return H5Tcopy(H5T_STD_U8LE);
	case 1: return H5Tcopy(H5T_STD_U16LE);
	case 2: return H5Tcopy(H5T_STD_I32LE);
	case 3: return H5Tcopy(H5T_STD_I64LE);
	case 4:
		t = H5Tcopy(H5T_IEEE_F32LE);
		if (t < 0) return -1;
		if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 || H5Tset_ebias(t, 15) < 0) {
			H5Tclose(t);
			return -1;
		}
		return t;
	case 5: return H5Tcopy(H5T_IEEE_F32LE);
	case 6: return H5Tcopy(H5T_IEEE_F64LE);
	case 7: return H5Tcopy(H5T_STD_U64LE);
	}
	return -1;
}

// blkw_write writes a 1-D dataset of n elements (vlen == 0: data holds n
// elements; vlen != 0: row i holds lens[i] elements, data all rows back to
// back), creating intermediate groups.
static int blkw_write(hid_t f, const char *path, int code, int vlen, int64_t n, const int64_t *lens,
		const void *data, int64_t nbytes) {
	blkw_quiet();
	int rc = -1;
	hid_t et = -1, t = -1, sp = -1, lcpl = -1, d = -1;
	hvl_t *rows = NULL;
	char *copy = NULL;
	hsize_t dims = (hsize_t)n;
	if ((et = blkw_type(code)) < 0) goto done;
	if (vlen) {
		if ((t = H5Tvlen_create(et)) < 0) goto done;
	} else {
		t = et;
		et = -1;
	}
	if ((sp = H5Screate_simple(1, &dims, NULL)) < 0) goto done;
	if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0) goto done;
	if (H5Pset_create_intermediate_group(lcpl, 1) < 0) goto done;
	if ((d = H5Dcreate2(f, path, t, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
	if (n == 0) { rc = 0; goto done; }
	if (vlen) {
		size_t es = H5Tget_size(et);
		copy = malloc(nbytes > 0 ? (size_t)nbytes : 1);
		rows = calloc((size_t)n, sizeof *rows);
		if (!copy || !rows) goto done;
		if (nbytes > 0) memcpy(copy, data, (size_t)nbytes);
		size_t off = 0;
		for (int64_t i = 0; i < n; i++) {
			rows[i].len = (size_t)lens[i];
			rows[i].p = lens[i] > 0 ? copy + off : NULL;
			off += (size_t)lens[i] * es;
		}
		if (H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) goto done;
	} else {
		if (H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) goto done;
	}
	rc = 0;
done:
	free(rows);
	free(copy);
	if (d >= 0) H5Dclose(d);
	if (lcpl >= 0) H5Pclose(lcpl);
	if (sp >= 0) H5Sclose(sp);
	if (t >= 0) H5Tclose(t);
	if (et >= 0) H5Tclose(et);
	return rc;
}
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/blocks-snn/blocks/internal/hdf5"
)

// Available reports whether this build can write HDF5 files.
const Available = true

var mu sync.Mutex

// Writer writes a new HDF5 file.
type Writer struct {
	name string
	id   C.hid_t
}

// Create creates (or truncates) the named file.
func Create(name string) (*Writer, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	mu.Lock()
	defer mu.Unlock()
	id := C.blkw_create(cname)
	if id < 0 {
		return nil, fmt.Errorf("%s: cannot create HDF5 file", name)
	}
	return &Writer{name: name, id: id}, nil
}

// Close closes the file.
func (w *Writer) Close() error {
	mu.Lock()
	defer mu.Unlock()
	if C.blkw_close(w.id) < 0 {
		return fmt.Errorf("%s: close failed", w.name)
	}
	return nil
}

func encode(t Type, v []float64) []byte {
	b := make([]byte, 0, len(v)*t.size())
	for _, x := range v {
		switch t {
		case U8:
			b = append(b, uint8(x))
		case U16:
			b = binary.LittleEndian.AppendUint16(b, uint16(x))
		case I32:
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
		case I64:
			b = binary.LittleEndian.AppendUint64(b, uint64(int64(x)))
		case U64:
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		case F16:
			b = binary.LittleEndian.AppendUint16(b, hdf5.ToFloat16(x))
		case F32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		case F64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b
}

func (w *Writer) write(path string, t Type, vlen bool, lens []int64, data []byte, n int) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var pl *C.int64_t
	if len(lens) > 0 {
		pl = (*C.int64_t)(unsafe.Pointer(&lens[0]))
	}
	var pd unsafe.Pointer
	if len(data) > 0 {
		pd = unsafe.Pointer(&data[0])
	}
	v := C.int(0)
	if vlen {
		v = 1
	}
	mu.Lock()
	defer mu.Unlock()
	if C.blkw_write(w.id, cpath, C.int(t), v, C.int64_t(n), pl, pd, C.int64_t(len(data))) < 0 {
		return fmt.Errorf("%s: cannot write dataset %q", w.name, path)
	}
	return nil
}

// Write writes the 1-D dataset path with elements v stored as t.
func (w *Writer) Write(path string, t Type, v []float64) error {
	return w.write(path, t, false, nil, encode(t, v), len(v))
}

// WriteVLen writes the 1-D dataset path of variable-length arrays rows,
// their elements stored as t.
func (w *Writer) WriteVLen(path string, t Type, rows [][]float64) error {
	lens := make([]int64, len(rows))
	var data []byte
	for i, r := range rows {
		lens[i] = int64(len(r))
		data = append(data, encode(t, r)...)
	}
	return w.write(path, t, true, lens, data, len(rows))
}
