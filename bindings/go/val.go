package wedge

// #include "helpers.h"
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// ValKind is the type of a value.
type ValKind uint8

// Value kinds, numbered as in wasm.h.
const (
	KindI32     ValKind = C.WASM_I32
	KindI64     ValKind = C.WASM_I64
	KindF32     ValKind = C.WASM_F32
	KindF64     ValKind = C.WASM_F64
	KindFuncref ValKind = C.WASM_FUNCREF
)

// String names the kind as the text format does.
func (k ValKind) String() string {
	switch k {
	case KindI32:
		return "i32"
	case KindI64:
		return "i64"
	case KindF32:
		return "f32"
	case KindF64:
		return "f64"
	case KindFuncref:
		return "funcref"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Val is a WebAssembly value: a number, or a function reference (nil for null).
type Val struct {
	kind ValKind
	bits uint64
	fn   *Func
}

// ValI32 makes an i32 value.
func ValI32(v int32) Val { return Val{kind: KindI32, bits: uint64(uint32(v))} }

// ValI64 makes an i64 value.
func ValI64(v int64) Val { return Val{kind: KindI64, bits: uint64(v)} }

// ValF32 makes an f32 value.
func ValF32(v float32) Val { return Val{kind: KindF32, bits: uint64(math.Float32bits(v))} }

// ValF64 makes an f64 value.
func ValF64(v float64) Val { return Val{kind: KindF64, bits: math.Float64bits(v)} }

// ValFuncref makes a funcref value (nil for null).
func ValFuncref(f *Func) Val { return Val{kind: KindFuncref, fn: f} }

// Kind is the value's type.
func (v Val) Kind() ValKind { return v.kind }

// I32 is the value as an i32.
func (v Val) I32() int32 { return int32(uint32(v.bits)) }

// I64 is the value as an i64.
func (v Val) I64() int64 { return int64(v.bits) }

// F32 is the value as an f32.
func (v Val) F32() float32 { return math.Float32frombits(uint32(v.bits)) }

// F64 is the value as an f64.
func (v Val) F64() float64 { return math.Float64frombits(v.bits) }

// Funcref is the function a funcref value refers to, or nil.
func (v Val) Funcref() *Func { return v.fn }

// Get returns the value as a Go value: int32, int64, float32, float64 or *Func.
func (v Val) Get() interface{} {
	switch v.kind {
	case KindI32:
		return v.I32()
	case KindI64:
		return v.I64()
	case KindF32:
		return v.F32()
	case KindF64:
		return v.F64()
	}
	return v.fn
}

// toVal converts a Go value (Val, int32, int64, int, uint32, float32, float64, *Func, nil)
// to a value of kind k.
func toVal(x interface{}, k ValKind) (Val, error) {
	if v, ok := x.(Val); ok {
		if v.kind != k {
			return Val{}, fmt.Errorf("expected %v, got a %v value", k, v.kind)
		}
		return v, nil
	}
	switch k {
	case KindI32:
		switch n := x.(type) {
		case int32:
			return ValI32(n), nil
		case uint32:
			return ValI32(int32(n)), nil
		case int:
			if n < math.MinInt32 || n > math.MaxUint32 {
				return Val{}, fmt.Errorf("%d does not fit in i32", n)
			}
			return ValI32(int32(n)), nil
		}
	case KindI64:
		switch n := x.(type) {
		case int64:
			return ValI64(n), nil
		case int:
			return ValI64(int64(n)), nil
		case uint64:
			return ValI64(int64(n)), nil
		case int32:
			return ValI64(int64(n)), nil
		}
	case KindF32:
		switch n := x.(type) {
		case float32:
			return ValF32(n), nil
		case float64:
			return ValF32(float32(n)), nil
		}
	case KindF64:
		switch n := x.(type) {
		case float64:
			return ValF64(n), nil
		case float32:
			return ValF64(float64(n)), nil
		}
	case KindFuncref:
		switch f := x.(type) {
		case nil:
			return ValFuncref(nil), nil
		case *Func:
			return ValFuncref(f), nil
		}
	}
	return Val{}, fmt.Errorf("cannot pass a %T as %v", x, k)
}

// put writes a value into a wasm_val_t.
func (v Val) put(out *C.wasm_val_t) {
	out.kind = C.wasm_valkind_t(v.kind)
	of := (*uint64)(unsafe.Pointer(&out.of[0]))
	if v.kind == KindFuncref {
		*of = 0
		if v.fn != nil {
			*(**C.wasm_ref_t)(unsafe.Pointer(&out.of[0])) = C.wasm_func_as_ref(v.fn.ptr)
		}
		return
	}
	*of = v.bits
}

// fromC reads a wasm_val_t; function references become Funcs of store s.
func fromC(in *C.wasm_val_t, s *Store) Val {
	k := ValKind(in.kind)
	if k == KindFuncref {
		ref := *(**C.wasm_ref_t)(unsafe.Pointer(&in.of[0]))
		if ref == nil {
			return ValFuncref(nil)
		}
		f := C.wasm_ref_as_func(C.wasm_ref_copy(ref))
		s.own(func() { C.wasm_func_delete(f) })
		return ValFuncref(newFunc(f, s))
	}
	bits := *(*uint64)(unsafe.Pointer(&in.of[0]))
	switch k {
	case KindI32, KindF32:
		bits &= 0xffffffff
	}
	return Val{kind: k, bits: bits}
}
