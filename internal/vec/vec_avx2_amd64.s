//go:build goexperiment.simd && amd64

#include "textflag.h"

// Register-blocked gathers for AVX2, called by gatherAdd256 (vec_avx2.go).
// Each keeps its accumulators in Y registers across the whole row list and
// adds every row straight from memory (VADDPS with a memory operand), which
// the Go compiler does not emit for archsimd code: there, every vector of a
// row needs its own load, address computation and register. The sums are the
// same, in the same order: acc = acc + row, row by row. Each row index is
// checked against hi first (a negative index, sign-extended, compares as a
// huge unsigned one); on a bad index the kernel returns ok = false at once,
// leaving d untouched.

// The accumulators: Y0–Y7 hold floats 0–63 of the destination, Y8–Y15
// floats 64–127.

#define LOAD_LO(p) \
	VMOVUPS 0(p), Y0; \
	VMOVUPS 32(p), Y1; \
	VMOVUPS 64(p), Y2; \
	VMOVUPS 96(p), Y3; \
	VMOVUPS 128(p), Y4; \
	VMOVUPS 160(p), Y5; \
	VMOVUPS 192(p), Y6; \
	VMOVUPS 224(p), Y7

#define ADD_LO(p) \
	VADDPS 0(p), Y0, Y0; \
	VADDPS 32(p), Y1, Y1; \
	VADDPS 64(p), Y2, Y2; \
	VADDPS 96(p), Y3, Y3; \
	VADDPS 128(p), Y4, Y4; \
	VADDPS 160(p), Y5, Y5; \
	VADDPS 192(p), Y6, Y6; \
	VADDPS 224(p), Y7, Y7

#define STORE_LO(p) \
	VMOVUPS Y0, 0(p); \
	VMOVUPS Y1, 32(p); \
	VMOVUPS Y2, 64(p); \
	VMOVUPS Y3, 96(p); \
	VMOVUPS Y4, 128(p); \
	VMOVUPS Y5, 160(p); \
	VMOVUPS Y6, 192(p); \
	VMOVUPS Y7, 224(p)

#define LOAD_HI(p) \
	VMOVUPS 256(p), Y8; \
	VMOVUPS 288(p), Y9; \
	VMOVUPS 320(p), Y10; \
	VMOVUPS 352(p), Y11; \
	VMOVUPS 384(p), Y12; \
	VMOVUPS 416(p), Y13; \
	VMOVUPS 448(p), Y14; \
	VMOVUPS 480(p), Y15

#define ADD_HI(p) \
	VADDPS 256(p), Y8, Y8; \
	VADDPS 288(p), Y9, Y9; \
	VADDPS 320(p), Y10, Y10; \
	VADDPS 352(p), Y11, Y11; \
	VADDPS 384(p), Y12, Y12; \
	VADDPS 416(p), Y13, Y13; \
	VADDPS 448(p), Y14, Y14; \
	VADDPS 480(p), Y15, Y15

#define STORE_HI(p) \
	VMOVUPS Y8, 256(p); \
	VMOVUPS Y9, 288(p); \
	VMOVUPS Y10, 320(p); \
	VMOVUPS Y11, 352(p); \
	VMOVUPS Y12, 384(p); \
	VMOVUPS Y13, 416(p); \
	VMOVUPS Y14, 448(p); \
	VMOVUPS Y15, 480(p)

// ARGS loads the arguments (d, m unsafe.Pointer, sb int, rows []int32, hi
// int) and clears the result.
#define ARGS \
	MOVQ d+0(FP), DI; \
	MOVQ m+8(FP), SI; \
	MOVQ sb+16(FP), DX; \
	MOVQ rows_base+24(FP), BX; \
	MOVQ rows_len+32(FP), CX; \
	MOVQ hi+48(FP), R8; \
	MOVB $0, ok+56(FP)

// ROW checks the next row index, leaves the address of its row in AX and
// advances BX; a bad index jumps to bad.
#define ROW(bad) \
	MOVLQSX (BX), AX; \
	CMPQ AX, R8; \
	JA bad; \
	IMULQ DX, AX; \
	ADDQ SI, AX; \
	ADDQ $4, BX

// func gatherAdd256x16asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)
TEXT ·gatherAdd256x16asm(SB), NOSPLIT, $0-57
	ARGS
	LOAD_LO(DI)
	LOAD_HI(DI)
	TESTQ CX, CX
	JZ x16done

x16loop:
	ROW(x16bad)
	ADD_LO(AX)
	ADD_HI(AX)
	DECQ CX
	JNZ x16loop

x16done:
	STORE_LO(DI)
	STORE_HI(DI)
	MOVB $1, ok+56(FP)

x16bad:
	VZEROUPPER
	RET

// func gatherAdd256x8asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)
TEXT ·gatherAdd256x8asm(SB), NOSPLIT, $0-57
	ARGS
	LOAD_LO(DI)
	TESTQ CX, CX
	JZ x8done

x8loop:
	ROW(x8bad)
	ADD_LO(AX)
	DECQ CX
	JNZ x8loop

x8done:
	STORE_LO(DI)
	MOVB $1, ok+56(FP)

x8bad:
	VZEROUPPER
	RET
