package hdf5

import "testing"

// FuzzPlanRead fuzzes the package's check of what a file declares about a
// dataset (rank, extent, variable length or not, element class and size,
// a 16-bit float's layout) against a read of some of its rows: never a
// panic, and a read it accepts stays inside the dataset and gets a memory
// type that fits the request.
func FuzzPlanRead(f *testing.F) {
	f.Add(1, 600, 0, true, 2, 2, 15, 10, 5, 0, 10, 15, true, true, 0, 600)  // SHD's float16 times
	f.Add(1, 600, 0, true, 1, 2, 0, 0, 0, 0, 0, 0, true, false, 10, 100)    // SHD's uint16 units
	f.Add(1, 8156, 0, false, 1, 1, 0, 0, 0, 0, 0, 0, false, false, 0, 0)    // labels
	f.Add(2, 3, 4, false, 2, 8, 63, 52, 11, 0, 52, 1023, false, true, 0, 0) // 2-D: refused
	f.Add(1, 5, 0, true, 2, 2, 16, 0, 11, 11, 5, 0, true, true, 0, 5)       // bad half layout
	f.Add(1, 5, 0, false, 0, 4, 0, 0, 0, 0, 0, 0, false, true, 3, 4)        // non-numeric
	f.Add(1, 5, 0, true, 2, 4, 31, 23, 8, 0, 23, 127, true, true, -1, 2)    // negative start
	f.Add(1, 1<<62, 0, true, 1, 8, 0, 0, 0, 0, 0, 0, true, false, 1<<62, 1) // rows past the end
	f.Fuzz(func(t *testing.T, rank, d0, d1 int, vlen bool, class, size, signPos, expPos, expSize, mantPos, mantSize, bias int, wantVLen, wantFloat bool, start, count int) {
		in := Info{VLen: vlen, Class: Class(class), Size: size,
			SignPos: signPos, ExpPos: expPos, ExpSize: expSize, MantPos: mantPos, MantSize: mantSize, ExpBias: bias}
		for i := range min(max(rank, 0), 3) {
			in.Dims = append(in.Dims, []int{d0, d1, d1}[i])
		}
		mem, err := planRead(in, wantVLen, wantFloat, start, count)
		if err != nil {
			return
		}
		switch {
		case in.Len() < 0 || start < 0 || count < 0 || start+count > in.Len() || start+count < start:
			t.Fatalf("accepted rows [%d, %d) of a dataset of extent %v", start, start+count, in.Dims)
		case in.VLen != wantVLen:
			t.Fatalf("accepted a variable-length %v dataset for a read with vlen %v", in.VLen, wantVLen)
		case !wantFloat && (mem != memInt64 || in.Class != Integer):
			t.Fatalf("integer read of a %v dataset into memory type %d", in.Class, mem)
		case wantFloat && in.Class != Integer && in.Class != Float:
			t.Fatalf("float read of a %v dataset", in.Class)
		case mem == memHalf:
			if in.Class != Float || in.Size != 2 {
				t.Fatalf("half-float memory for a %d-byte %v", in.Size, in.Class)
			}
			sf, err := newSmallFloat(in)
			if err != nil {
				t.Fatalf("half-float read of an unsupported layout: %v", err)
			}
			sf.decode(0xffff)
		}
	})
}
