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

// func gatherAdd256x16asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)
TEXT ·gatherAdd256x16asm(SB), NOSPLIT, $0-57
	MOVQ d+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ sb+16(FP), DX
	MOVQ rows_base+24(FP), BX
	MOVQ rows_len+32(FP), CX
	MOVQ hi+48(FP), R8
	MOVB $0, ok+56(FP)
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	VMOVUPS 256(DI), Y8
	VMOVUPS 288(DI), Y9
	VMOVUPS 320(DI), Y10
	VMOVUPS 352(DI), Y11
	VMOVUPS 384(DI), Y12
	VMOVUPS 416(DI), Y13
	VMOVUPS 448(DI), Y14
	VMOVUPS 480(DI), Y15
	TESTQ CX, CX
	JZ x16done

x16loop:
	MOVLQSX (BX), AX
	CMPQ AX, R8
	JA x16bad // negative rows are huge unsigned
	IMULQ DX, AX
	ADDQ SI, AX
	VADDPS 0(AX), Y0, Y0
	VADDPS 32(AX), Y1, Y1
	VADDPS 64(AX), Y2, Y2
	VADDPS 96(AX), Y3, Y3
	VADDPS 128(AX), Y4, Y4
	VADDPS 160(AX), Y5, Y5
	VADDPS 192(AX), Y6, Y6
	VADDPS 224(AX), Y7, Y7
	VADDPS 256(AX), Y8, Y8
	VADDPS 288(AX), Y9, Y9
	VADDPS 320(AX), Y10, Y10
	VADDPS 352(AX), Y11, Y11
	VADDPS 384(AX), Y12, Y12
	VADDPS 416(AX), Y13, Y13
	VADDPS 448(AX), Y14, Y14
	VADDPS 480(AX), Y15, Y15
	ADDQ $4, BX
	DECQ CX
	JNZ x16loop

x16done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VMOVUPS Y12, 384(DI)
	VMOVUPS Y13, 416(DI)
	VMOVUPS Y14, 448(DI)
	VMOVUPS Y15, 480(DI)
	MOVB $1, ok+56(FP)

x16bad:
	VZEROUPPER
	RET

// func gatherAdd256x8asm(d, m unsafe.Pointer, sb int, rows []int32, hi int) (ok bool)
TEXT ·gatherAdd256x8asm(SB), NOSPLIT, $0-57
	MOVQ d+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ sb+16(FP), DX
	MOVQ rows_base+24(FP), BX
	MOVQ rows_len+32(FP), CX
	MOVQ hi+48(FP), R8
	MOVB $0, ok+56(FP)
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	TESTQ CX, CX
	JZ x8done

x8loop:
	MOVLQSX (BX), AX
	CMPQ AX, R8
	JA x8bad // negative rows are huge unsigned
	IMULQ DX, AX
	ADDQ SI, AX
	VADDPS 0(AX), Y0, Y0
	VADDPS 32(AX), Y1, Y1
	VADDPS 64(AX), Y2, Y2
	VADDPS 96(AX), Y3, Y3
	VADDPS 128(AX), Y4, Y4
	VADDPS 160(AX), Y5, Y5
	VADDPS 192(AX), Y6, Y6
	VADDPS 224(AX), Y7, Y7
	ADDQ $4, BX
	DECQ CX
	JNZ x8loop

x8done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	MOVB $1, ok+56(FP)

x8bad:
	VZEROUPPER
	RET
