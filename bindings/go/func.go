package wedge

// #include "helpers.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValKind
}

// NewFuncType makes a signature.
func NewFuncType(params, results []ValKind) *FuncType {
	return &FuncType{Params: params, Results: results}
}

func (t *FuncType) toC() *C.wasm_functype_t {
	kinds := func(ks []ValKind) (*C.uint8_t, C.size_t) {
		if len(ks) == 0 {
			return nil, 0
		}
		b := C.malloc(C.size_t(len(ks)))
		s := unsafe.Slice((*ValKind)(b), len(ks))
		copy(s, ks)
		return (*C.uint8_t)(b), C.size_t(len(ks))
	}
	p, np := kinds(t.Params)
	r, nr := kinds(t.Results)
	ty := C.wedge_go_functype(p, np, r, nr)
	C.free(unsafe.Pointer(p))
	C.free(unsafe.Pointer(r))
	return ty
}

func funcTypeOf(f *C.wasm_func_t) *FuncType {
	ty := C.wasm_func_type(f)
	defer C.wasm_functype_delete(ty)
	kinds := func(v *C.wasm_valtype_vec_t) []ValKind {
		out := []ValKind{}
		for _, t := range unsafe.Slice(v.data, v.size) {
			out = append(out, ValKind(C.wasm_valtype_kind(t)))
		}
		return out
	}
	return &FuncType{Params: kinds(C.wasm_functype_params(ty)), Results: kinds(C.wasm_functype_results(ty))}
}

// Func is a function in a store: a wasm export or a Go host function.
type Func struct {
	ptr   *C.wasm_func_t
	store *Store
	ty    *FuncType
	// scope is the host call the function was found in (Caller.GetExport), or nil.
	scope *Caller
}

func newFunc(ptr *C.wasm_func_t, s *Store) *Func {
	return &Func{ptr: ptr, store: s, ty: funcTypeOf(ptr)}
}

// Type is the function's signature.
func (f *Func) Type() *FuncType { return f.ty }

// Call calls the function with Go values (Val, int32, int64, int, float32, float64, *Func or
// nil). It returns nil for no results, the value for one (as Val.Get gives it), or a
// []Val. Bad arguments give an error; a trap gives a *Trap.
func (f *Func) Call(args ...interface{}) (interface{}, error) {
	results, err := f.CallVals(args...)
	if err != nil {
		return nil, err
	}
	switch len(results) {
	case 0:
		return nil, nil
	case 1:
		return results[0].Get(), nil
	}
	return results, nil
}

// CallVals is Call returning every result as a Val.
func (f *Func) CallVals(args ...interface{}) ([]Val, error) {
	s := f.store
	if err := s.check(); err != nil {
		return nil, err
	}
	if f.scope != nil && f.scope.ptr == nil {
		return nil, errExpired
	}
	if len(args) != len(f.ty.Params) {
		return nil, fmt.Errorf("wedge: the function takes %d arguments, got %d", len(f.ty.Params), len(args))
	}
	var small [8]C.wasm_val_t
	var cargs, cresults []C.wasm_val_t
	if len(args)+len(f.ty.Results) <= len(small) {
		cargs = small[:len(args)]
		cresults = small[len(args) : len(args)+len(f.ty.Results)]
	} else {
		cargs = make([]C.wasm_val_t, len(args))
		cresults = make([]C.wasm_val_t, len(f.ty.Results))
	}
	for i, a := range args {
		v, err := toVal(a, f.ty.Params[i])
		if err != nil {
			return nil, fmt.Errorf("wedge: argument %d: %w", i, err)
		}
		if v.fn != nil && v.fn.store != s {
			return nil, errors.New("wedge: a function of another store was passed")
		}
		v.put(&cargs[i])
	}
	var pa, pr *C.wasm_val_t
	if len(cargs) > 0 {
		pa = &cargs[0]
	}
	if len(cresults) > 0 {
		pr = &cresults[0]
	}
	trap := C.wedge_go_call(f.ptr, pa, C.size_t(len(cargs)), pr, C.size_t(len(cresults)))
	if trap != nil {
		return nil, takeTrap(trap, s)
	}
	out := make([]Val, len(cresults))
	for i := range cresults {
		out[i] = fromC(&cresults[i], s)
	}
	return out, nil
}

// HostFunc is a Go function called by wasm. Returning an error (or panicking) traps the
// wasm call; the caller of Call gets a *Trap that unwraps to the error.
type HostFunc func(caller *Caller, args []Val) ([]Val, error)

type hostFunc struct {
	store *Store
	ty    *FuncType
	fn    HostFunc
}

// NewFunc makes a Go host function in store s.
func NewFunc(s *Store, ty *FuncType, fn HostFunc) (*Func, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	cty := ty.toC()
	defer C.wasm_functype_delete(cty)
	h := cgo.NewHandle(&hostFunc{store: s, ty: ty, fn: fn})
	ptr := C.wedge_go_func_new(s.ptr, cty, C.uintptr_t(h))
	s.own(func() { C.wasm_func_delete(ptr) })
	return &Func{ptr: ptr, store: s, ty: ty}, nil
}

// Caller is what a host function sees of the instance calling it; valid during the call.
type Caller struct {
	ptr   *C.wedge_caller_t
	store *Store
	owned []*C.wasm_extern_t
}

// Store is the store the call runs in.
func (c *Caller) Store() *Store { return c.store }

// GetExport finds an export of the calling instance (such as its "memory"): a *Func or
// *Memory, or nil. It is valid during the host call.
func (c *Caller) GetExport(name string) interface{} {
	if c.ptr == nil {
		return nil
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	ext := C.wedge_caller_export_get(c.ptr, cname, C.size_t(len(name)))
	if ext == nil {
		return nil
	}
	c.owned = append(c.owned, ext)
	switch x := externToGo(ext, c.store).(type) {
	case *Func:
		x.scope = c
		return x
	case *Memory:
		x.scope = c
		return x
	case *Global:
		x.scope = c
		return x
	}
	return nil
}

//export wedgeGoTrampoline
func wedgeGoTrampoline(env unsafe.Pointer, caller *C.wedge_caller_t, args *C.wasm_val_t, nargs C.size_t,
	results *C.wasm_val_t, nresults C.size_t) (trap *C.wasm_trap_t) {
	h := cgo.Handle(uintptr(env)).Value().(*hostFunc)
	s := h.store
	c := &Caller{ptr: caller, store: s}
	defer func() {
		for _, e := range c.owned {
			C.wasm_extern_delete(e)
		}
		c.ptr = nil
		if p := recover(); p != nil {
			trap = hostTrap(s, fmt.Errorf("wedge: host function panicked: %v", p))
		}
	}()
	in := make([]Val, int(nargs))
	for i, a := range unsafe.Slice(args, int(nargs)) {
		in[i] = fromC(&a, s)
	}
	out, err := h.fn(c, in)
	if err != nil {
		return hostTrap(s, err)
	}
	if len(out) != int(nresults) {
		return hostTrap(s, fmt.Errorf("wedge: the host function returned %d values, its type has %d", len(out), int(nresults)))
	}
	slots := unsafe.Slice(results, int(nresults))
	for i, v := range out {
		if v.kind != h.ty.Results[i] {
			return hostTrap(s, fmt.Errorf("wedge: host function result %d: expected %v, got %v", i, h.ty.Results[i], v.kind))
		}
		v.put(&slots[i])
	}
	return nil
}

func hostTrap(s *Store, err error) *C.wasm_trap_t {
	s.pending = err
	msg := "host function failed: " + err.Error()
	cmsg := C.CString(msg)
	defer C.free(unsafe.Pointer(cmsg))
	return C.wedge_go_trap_new(s.ptr, cmsg, C.size_t(len(msg)))
}

//export wedgeGoFinalize
func wedgeGoFinalize(env unsafe.Pointer) {
	cgo.Handle(uintptr(env)).Delete()
}
