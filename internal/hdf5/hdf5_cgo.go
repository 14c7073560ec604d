//go:build cgo

package hdf5

/*
#cgo !hdf5pkgconfig CFLAGS: -I/usr/include/hdf5/serial
#cgo !hdf5pkgconfig LDFLAGS: -lhdf5_serial
#cgo hdf5pkgconfig pkg-config: hdf5

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

// Error text: HDF5's outermost and innermost descriptions.
typedef struct { char first[256]; char last[256]; int n; } blk_msg;

static herr_t blk_walk(unsigned n, const H5E_error2_t *e, void *data) {
	blk_msg *m = data;
	const char *d = e->desc ? e->desc : "";
	if (m->n == 0) { strncpy(m->first, d, sizeof m->first - 1); }
	strncpy(m->last, d, sizeof m->last - 1);
	m->n++;
	return 0;
}

static void blk_error(char *buf, size_t cap) {
	blk_msg m;
	memset(&m, 0, sizeof m);
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, blk_walk, &m);
	H5Eclear2(H5E_DEFAULT);
	if (m.n == 0) {
		snprintf(buf, cap, "HDF5 call failed");
	} else if (m.n == 1 || strcmp(m.first, m.last) == 0) {
		snprintf(buf, cap, "%s", m.first);
	} else {
		snprintf(buf, cap, "%s (%s)", m.first, m.last);
	}
}

// The error stack is per thread in thread-safe builds: silence it on the
// calling thread before each operation.
static void blk_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static int blk_open(const char *name, hid_t *out, char *err, size_t cap) {
	blk_quiet();
	hid_t f = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0) { blk_error(err, cap); return -1; }
	*out = f;
	return 0;
}

static int blk_close(hid_t f, char *err, size_t cap) {
	blk_quiet();
	if (H5Fclose(f) < 0) { blk_error(err, cap); return -1; }
	return 0;
}

typedef struct {
	int rank;
	int64_t dims[32];
	int vlen, cls, size, sign;
	int spos, epos, esize, mpos, msize, ebias;
} blk_info;

static int blk_describe(hid_t d, blk_info *in) {
	hid_t sp = -1, ft = -1, base = -1;
	int rc = -1;
	hsize_t dims[32];
	if ((sp = H5Dget_space(d)) < 0) goto done;
	int rank = H5Sget_simple_extent_ndims(sp);
	if (rank < 0 || rank > 32) goto done;
	if (H5Sget_simple_extent_dims(sp, dims, NULL) < 0) goto done;
	in->rank = rank;
	for (int i = 0; i < rank; i++) in->dims[i] = (int64_t)dims[i];
	if ((ft = H5Dget_type(d)) < 0) goto done;
	hid_t t = ft;
	H5T_class_t c = H5Tget_class(ft);
	if (c == H5T_VLEN) {
		in->vlen = 1;
		if ((base = H5Tget_super(ft)) < 0) goto done;
		t = base;
		c = H5Tget_class(base);
	}
	in->size = (int)H5Tget_size(t);
	if (c == H5T_INTEGER) {
		in->cls = 1;
		in->sign = H5Tget_sign(t) == H5T_SGN_2;
	} else if (c == H5T_FLOAT) {
		size_t spos, epos, esize, mpos, msize;
		in->cls = 2;
		if (H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) < 0) goto done;
		in->spos = spos; in->epos = epos; in->esize = esize; in->mpos = mpos; in->msize = msize;
		in->ebias = (int)H5Tget_ebias(t);
	}
	rc = 0;
done:
	if (base >= 0) H5Tclose(base);
	if (ft >= 0) H5Tclose(ft);
	if (sp >= 0) H5Sclose(sp);
	return rc;
}

static int blk_info_get(hid_t f, const char *path, blk_info *in, char *err, size_t cap) {
	blk_quiet();
	memset(in, 0, sizeof *in);
	hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
	if (d < 0) { blk_error(err, cap); return -1; }
	int rc = blk_describe(d, in);
	if (rc < 0) blk_error(err, cap);
	H5Dclose(d);
	return rc;
}

// Memory element types: 0 double, 1 int64, 2 the file's own 16-bit
// layout in little-endian order (decoded in Go).
static hid_t blk_memtype(int mem, hid_t filebase) {
	switch (mem) {
	case 0: return H5Tcopy(H5T_NATIVE_DOUBLE);
	case 1: return H5Tcopy(H5T_NATIVE_INT64);
	case 2: {
		hid_t t = H5Tcopy(filebase);
		if (t >= 0 && H5Tset_order(t, H5T_ORDER_LE) < 0) { H5Tclose(t); return -1; }
		return t;
	}
	}
	return -1;
}

// blk_read reads elements [start, start+count) of a 1-D dataset, as a
// vlen of mem elements when vlen is set (the hvl_t array then being buf).
static int blk_read(hid_t f, const char *path, int mem, int vlen, int64_t start, int64_t count,
		void *buf, char *err, size_t cap) {
	blk_quiet();
	hid_t d = -1, fs = -1, ms = -1, ft = -1, base = -1, et = -1, mt = -1;
	int rc = -1;
	hsize_t st = (hsize_t)start, n = (hsize_t)count;
	if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0) goto done;
	if ((ft = H5Dget_type(d)) < 0) goto done;
	if (vlen) {
		if ((base = H5Tget_super(ft)) < 0) goto done;
	}
	if ((et = blk_memtype(mem, vlen ? base : ft)) < 0) goto done;
	if (vlen) {
		if ((mt = H5Tvlen_create(et)) < 0) goto done;
	} else {
		mt = et;
		et = -1;
	}
	if ((fs = H5Dget_space(d)) < 0) goto done;
	if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &st, NULL, &n, NULL) < 0) goto done;
	if ((ms = H5Screate_simple(1, &n, NULL)) < 0) goto done;
	if (H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) < 0) goto done;
	rc = 0;
done:
	if (rc < 0) blk_error(err, cap);
	if (ms >= 0) H5Sclose(ms);
	if (fs >= 0) H5Sclose(fs);
	if (mt >= 0) H5Tclose(mt);
	if (et >= 0) H5Tclose(et);
	if (base >= 0) H5Tclose(base);
	if (ft >= 0) H5Tclose(ft);
	if (d >= 0) H5Dclose(d);
	return rc;
}

static int64_t blk_open_objects(hid_t f) {
	blk_quiet();
	return (int64_t)H5Fget_obj_count(f, H5F_OBJ_ALL);
}

// blk_reclaim frees the memory HDF5 allocated for count hvl_t rows.
static void blk_reclaim(hvl_t *buf, int64_t count) {
	blk_quiet();
	hsize_t n = (hsize_t)count;
	hid_t ms = H5Screate_simple(1, &n, NULL);
	hid_t mt = H5Tvlen_create(H5T_NATIVE_UCHAR);
	if (ms >= 0 && mt >= 0) {
#if H5_VERSION_GE(1, 12, 0)
		H5Treclaim(mt, ms, H5P_DEFAULT, buf);
#else
		H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, buf);
#endif
	}
	if (mt >= 0) H5Tclose(mt);
	if (ms >= 0) H5Sclose(ms);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// Available reports whether this build can read HDF5 files.
const Available = true

// mu serialises all calls into the library, which need not be built
// thread-safe.
var mu sync.Mutex

// call runs fn under the lock on one OS thread (HDF5 keeps its error stack
// per thread) with an error buffer, returning the buffer's text on failure.
func call(fn func(err *C.char, cap C.size_t) C.int) (ok bool, msg string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mu.Lock()
	defer mu.Unlock()
	buf := (*C.char)(C.calloc(1024, 1))
	defer C.free(unsafe.Pointer(buf))
	if fn(buf, 1024) < 0 {
		return false, C.GoString(buf)
	}
	return true, ""
}

// File is an HDF5 file open for reading.
type File struct {
	name string
	id   C.hid_t
	open bool
}

// Open opens the named HDF5 file read-only.
func Open(name string) (*File, error) {
	if _, err := os.Stat(name); err != nil {
		return nil, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	f := &File{name: name}
	if ok, msg := call(func(e *C.char, n C.size_t) C.int { return C.blk_open(cname, &f.id, e, n) }); !ok {
		return nil, fmt.Errorf("%s: not a readable HDF5 file: %s", name, msg)
	}
	f.open = true
	return f, nil
}

// Name returns the file name given to Open.
func (f *File) Name() string { return f.name }

// Close closes the file. Closing twice is harmless.
func (f *File) Close() error {
	if !f.open {
		return nil
	}
	f.open = false
	if ok, msg := call(func(e *C.char, n C.size_t) C.int { return C.blk_close(f.id, e, n) }); !ok {
		return fmt.Errorf("%s: close: %s", f.name, msg)
	}
	return nil
}

func (f *File) errorf(path, format string, a ...any) error {
	return fmt.Errorf("%s: dataset %q: %s", f.name, path, fmt.Sprintf(format, a...))
}

// OpenObjects returns the number of HDF5 objects open in the file,
// counting the file itself: 1 between calls, as every call frees what it
// opened. It is -1 on failure or for a closed file.
func (f *File) OpenObjects() int {
	if !f.open {
		return -1
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mu.Lock()
	defer mu.Unlock()
	return int(C.blk_open_objects(f.id))
}

// Info describes the dataset at path ("group/name").
func (f *File) Info(path string) (Info, error) {
	if !f.open {
		return Info{}, f.errorf(path, "file is closed")
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var ci C.blk_info
	if ok, msg := call(func(e *C.char, n C.size_t) C.int { return C.blk_info_get(f.id, cpath, &ci, e, n) }); !ok {
		return Info{}, f.errorf(path, "%s", msg)
	}
	in := Info{
		VLen: ci.vlen != 0, Class: Class(ci.cls), Size: int(ci.size), Signed: ci.sign != 0,
		SignPos: int(ci.spos), ExpPos: int(ci.epos), ExpSize: int(ci.esize),
		MantPos: int(ci.mpos), MantSize: int(ci.msize), ExpBias: int(ci.ebias),
	}
	for i := range int(ci.rank) {
		in.Dims = append(in.Dims, int(ci.dims[i]))
	}
	return in, nil
}

// plan checks the dataset at path for a read of rows [start, start+count)
// into float64 (wantFloat) or int64 and picks the memory type (planRead).
func (f *File) plan(path string, vlen, wantFloat bool, start, count int) (Info, int, error) {
	in, err := f.Info(path)
	if err != nil {
		return in, 0, err
	}
	mem, err := planRead(in, vlen, wantFloat, start, count)
	if err != nil {
		return in, 0, f.errorf(path, "%v", err)
	}
	return in, mem, nil
}

func (f *File) read(path string, mem int, vlen bool, start, count int, buf unsafe.Pointer) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	v := C.int(0)
	if vlen {
		v = 1
	}
	if ok, msg := call(func(e *C.char, n C.size_t) C.int {
		return C.blk_read(f.id, cpath, C.int(mem), v, C.int64_t(start), C.int64_t(count), buf, e, n)
	}); !ok {
		return f.errorf(path, "read rows [%d, %d): %s", start, start+count, msg)
	}
	return nil
}

// ReadFloat64 reads a whole 1-D numeric dataset as float64.
func (f *File) ReadFloat64(path string) ([]float64, error) {
	in, mem, err := f.plan(path, false, true, 0, 0)
	if err != nil {
		return nil, err
	}
	n := in.Dims[0]
	out := make([]float64, n)
	if n == 0 {
		return out, nil
	}
	if mem == memHalf {
		raw := make([]uint16, n)
		if err := f.read(path, mem, false, 0, n, unsafe.Pointer(&raw[0])); err != nil {
			return nil, err
		}
		sf, _ := newSmallFloat(in)
		for i, w := range raw {
			out[i] = sf.decode(w)
		}
		return out, nil
	}
	if err := f.read(path, mem, false, 0, n, unsafe.Pointer(&out[0])); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadInt64 reads a whole 1-D integer dataset as int64.
func (f *File) ReadInt64(path string) ([]int64, error) {
	in, _, err := f.plan(path, false, false, 0, 0)
	if err != nil {
		return nil, err
	}
	n := in.Dims[0]
	out := make([]int64, n)
	if n == 0 {
		return out, nil
	}
	if err := f.read(path, memInt64, false, 0, n, unsafe.Pointer(&out[0])); err != nil {
		return nil, err
	}
	return out, nil
}

// readVLen reads rows [start, start+count) of a 1-D variable-length
// dataset and hands each row's C memory to each, then frees it.
func (f *File) readVLen(path string, wantFloat bool, start, count int, total func(int), each func(in Info, mem int, p unsafe.Pointer, n int)) error {
	in, mem, err := f.plan(path, true, wantFloat, start, count)
	if err != nil || count == 0 {
		return err
	}
	rows := (*C.hvl_t)(C.calloc(C.size_t(count), C.size_t(unsafe.Sizeof(C.hvl_t{}))))
	if rows == nil {
		return f.errorf(path, "out of memory for %d rows", count)
	}
	defer C.free(unsafe.Pointer(rows))
	if err := f.read(path, mem, true, start, count, unsafe.Pointer(rows)); err != nil {
		return err
	}
	defer func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		mu.Lock()
		defer mu.Unlock()
		C.blk_reclaim(rows, C.int64_t(count))
	}()
	n := 0
	for _, r := range unsafe.Slice(rows, count) {
		n += int(r.len)
	}
	total(n)
	for _, r := range unsafe.Slice(rows, count) {
		each(in, mem, r.p, int(r.len))
	}
	return nil
}

// ReadVLenFloat64 reads rows [start, start+count) of a 1-D dataset of
// variable-length numeric arrays as float64: row i is data[off[i]:off[i+1]].
func (f *File) ReadVLenFloat64(path string, start, count int) (off []int, data []float64, err error) {
	off = make([]int, 1, count+1)
	err = f.readVLen(path, true, start, count, func(n int) { data = make([]float64, 0, n) }, func(in Info, mem int, p unsafe.Pointer, n int) {
		if n > 0 {
			if mem == memHalf {
				sf, _ := newSmallFloat(in)
				for _, w := range unsafe.Slice((*uint16)(p), n) {
					data = append(data, sf.decode(w))
				}
			} else {
				data = append(data, unsafe.Slice((*float64)(p), n)...)
			}
		}
		off = append(off, len(data))
	})
	if err != nil {
		return nil, nil, err
	}
	return off, data, nil
}

// ReadVLenInt64 reads rows [start, start+count) of a 1-D dataset of
// variable-length integer arrays as int64: row i is data[off[i]:off[i+1]].
func (f *File) ReadVLenInt64(path string, start, count int) (off []int, data []int64, err error) {
	off = make([]int, 1, count+1)
	err = f.readVLen(path, false, start, count, func(n int) { data = make([]int64, 0, n) }, func(_ Info, _ int, p unsafe.Pointer, n int) {
		if n > 0 {
			data = append(data, unsafe.Slice((*int64)(p), n)...)
		}
		off = append(off, len(data))
	})
	if err != nil {
		return nil, nil, err
	}
	return off, data, nil
}
