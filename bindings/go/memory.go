package wedge

// #include "helpers.h"
import "C"

import (
	"errors"
	"unsafe"
)

// Memory is a linear memory.
type Memory struct {
	ptr   *C.wasm_memory_t
	store *Store
	// scope is the host call the memory was found in (Caller.GetExport), or nil.
	scope *Caller
}

// errExpired is the error of an object found through a Caller after its host call returned.
var errExpired = errors.New("wedge: an object from a Caller was used after its host function returned")

// live reports whether the memory may be used: its store is open and, if it came from a
// Caller, that host call is still running.
func (m *Memory) live() error {
	if m.scope != nil && m.scope.ptr == nil {
		return errExpired
	}
	return m.store.check()
}

// UnsafeData is the memory's bytes, without a copy. The slice stays valid (at its length)
// while the store is open, also after the memory grows; take it again to see new pages.
func (m *Memory) UnsafeData() []byte {
	if m.live() != nil {
		return nil
	}
	n := C.wasm_memory_data_size(m.ptr)
	if n == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(C.wasm_memory_data(m.ptr))), int(n))
}

// Size is the size in pages.
func (m *Memory) Size() uint32 {
	if m.live() != nil {
		return 0
	}
	return uint32(C.wasm_memory_size(m.ptr))
}

// Grow adds delta pages; an error if the maximum or a store limit forbids it.
func (m *Memory) Grow(delta uint32) error {
	if err := m.live(); err != nil {
		return err
	}
	if !C.wasm_memory_grow(m.ptr, C.wasm_memory_pages_t(delta)) {
		return errors.New("wedge: the memory cannot grow that much")
	}
	return nil
}

// NewMemory makes a memory of min pages (max: 0 for none) for a module to import.
func NewMemory(s *Store, min, max uint32) (*Memory, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	limits := C.wasm_limits_t{min: C.uint32_t(min), max: C.uint32_t(max)}
	if max == 0 {
		limits.max = C.wasm_limits_max_default
	}
	ty := C.wasm_memorytype_new(&limits)
	defer C.wasm_memorytype_delete(ty)
	ptr := C.wasm_memory_new(s.ptr, ty)
	if ptr == nil {
		return nil, errors.New("wedge: invalid memory limits")
	}
	s.own(func() { C.wasm_memory_delete(ptr) })
	return &Memory{ptr: ptr, store: s}, nil
}

// Global is a global variable.
type Global struct {
	ptr   *C.wasm_global_t
	store *Store
	// scope is the host call the global was found in (Caller.GetExport), or nil.
	scope *Caller
}

func (g *Global) live() error {
	if g.scope != nil && g.scope.ptr == nil {
		return errExpired
	}
	return g.store.check()
}

// NewGlobal makes a global holding v, mutable or not, for a module to import.
func NewGlobal(s *Store, v Val, mutable bool) (*Global, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	mut := C.wasm_mutability_t(C.WASM_CONST)
	if mutable {
		mut = C.WASM_VAR
	}
	ty := C.wasm_globaltype_new(C.wasm_valtype_new(C.wasm_valkind_t(v.kind)), mut)
	defer C.wasm_globaltype_delete(ty)
	var cv C.wasm_val_t
	v.put(&cv)
	ptr := C.wasm_global_new(s.ptr, ty, &cv)
	if ptr == nil {
		return nil, errors.New("wedge: the value does not fit the global's type")
	}
	s.own(func() { C.wasm_global_delete(ptr) })
	return &Global{ptr: ptr, store: s}, nil
}

// Get reads the global.
func (g *Global) Get() Val {
	if g.live() != nil {
		return Val{}
	}
	var v C.wasm_val_t
	C.wasm_global_get(g.ptr, &v)
	return fromC(&v, g.store)
}

// Set writes the global; an error for a constant global or a value of another type.
func (g *Global) Set(v Val) error {
	if err := g.live(); err != nil {
		return err
	}
	var cv C.wasm_val_t
	v.put(&cv)
	if !C.wedge_global_set(g.ptr, &cv) {
		return errors.New("wedge: the global is constant or of another type")
	}
	return nil
}
