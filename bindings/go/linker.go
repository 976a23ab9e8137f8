package wedge

// #include "helpers.h"
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Instance is an instantiated module in a store.
type Instance struct {
	ptr   *C.wasm_instance_t
	store *Store
}

// GetExport finds an export by name: a *Func, *Memory or *Global, or nil.
func (i *Instance) GetExport(name string) interface{} {
	if i.store.check() != nil {
		return nil
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	ext := C.wedge_instance_export_get(i.ptr, cname, C.size_t(len(name)))
	if ext == nil {
		return nil
	}
	i.store.own(func() { C.wasm_extern_delete(ext) })
	return externToGo(ext, i.store)
}

// GetFunc finds an exported function by name, or nil.
func (i *Instance) GetFunc(name string) *Func {
	f, _ := i.GetExport(name).(*Func)
	return f
}

// GetMemory finds an exported memory by name, or nil.
func (i *Instance) GetMemory(name string) *Memory {
	m, _ := i.GetExport(name).(*Memory)
	return m
}

// externToGo wraps an extern (owned elsewhere) as a *Func, *Memory or *Global (nil for
// other kinds).
func externToGo(ext *C.wasm_extern_t, s *Store) interface{} {
	switch C.wasm_extern_kind(ext) {
	case C.WASM_EXTERN_FUNC:
		return newFunc(C.wasm_extern_as_func(ext), s)
	case C.WASM_EXTERN_MEMORY:
		return &Memory{ptr: C.wasm_extern_as_memory(ext), store: s}
	case C.WASM_EXTERN_GLOBAL:
		return &Global{ptr: C.wasm_extern_as_global(ext), store: s}
	}
	return nil
}

// asExtern is the extern of a *Func, *Memory or *Global of store s.
func asExtern(item interface{}, s *Store) (*C.wasm_extern_t, error) {
	var owner *Store
	var ext *C.wasm_extern_t
	switch x := item.(type) {
	case *Func:
		owner, ext = x.store, C.wasm_func_as_extern(x.ptr)
	case *Memory:
		owner, ext = x.store, C.wasm_memory_as_extern(x.ptr)
	case *Global:
		owner, ext = x.store, C.wasm_global_as_extern(x.ptr)
	default:
		return nil, fmt.Errorf("wedge: cannot import a %T", item)
	}
	if owner != s {
		return nil, errors.New("wedge: an object of another store was given")
	}
	return ext, nil
}

// Linker resolves a module's imports by module and field name: Go host functions (made
// in each store that instantiates), objects of a store, and WASI.
type Linker struct {
	engine *Engine
	funcs  map[[2]string]linkedFunc
	items  map[[2]string]interface{}
	wasi   bool
}

type linkedFunc struct {
	ty *FuncType
	fn HostFunc
}

// NewLinker makes an empty linker.
func NewLinker(engine *Engine) *Linker {
	return &Linker{engine: engine, funcs: map[[2]string]linkedFunc{}, items: map[[2]string]interface{}{}}
}

func (l *Linker) free(module, name string) error {
	key := [2]string{module, name}
	if _, ok := l.funcs[key]; ok {
		return fmt.Errorf("wedge: %s::%s is already defined", module, name)
	}
	if _, ok := l.items[key]; ok {
		return fmt.Errorf("wedge: %s::%s is already defined", module, name)
	}
	return nil
}

// DefineFunc defines module.name as a Go host function.
func (l *Linker) DefineFunc(module, name string, ty *FuncType, fn HostFunc) error {
	if err := l.free(module, name); err != nil {
		return err
	}
	l.funcs[[2]string{module, name}] = linkedFunc{ty, fn}
	return nil
}

// Define defines module.name as a *Func, *Memory or *Global of a store.
func (l *Linker) Define(module, name string, item interface{}) error {
	if err := l.free(module, name); err != nil {
		return err
	}
	switch item.(type) {
	case *Func, *Memory, *Global:
	default:
		return fmt.Errorf("wedge: cannot define a %T", item)
	}
	l.items[[2]string{module, name}] = item
	return nil
}

// DefineWasi resolves wasi_snapshot_preview1 imports with the store's WASI (Store.SetWasi).
func (l *Linker) DefineWasi() { l.wasi = true }

// Instantiate instantiates module in store s, running its start function. A missing
// import, an import of the wrong type and a trap give an error.
func (l *Linker) Instantiate(s *Store, module *Module) (*Instance, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var vec C.wasm_importtype_vec_t
	C.wasm_module_imports(module.ptr, &vec)
	defer C.wasm_importtype_vec_delete(&vec)
	imports := make([]*C.wasm_extern_t, vec.size)
	for i, it := range unsafe.Slice(vec.data, vec.size) {
		mod, field := name(C.wasm_importtype_module(it)), name(C.wasm_importtype_name(it))
		key := [2]string{mod, field}
		if f, ok := l.funcs[key]; ok {
			fn, err := NewFunc(s, f.ty, f.fn)
			if err != nil {
				return nil, err
			}
			imports[i] = C.wasm_func_as_extern(fn.ptr)
		} else if item, ok := l.items[key]; ok {
			ext, err := asExtern(item, s)
			if err != nil {
				return nil, err
			}
			imports[i] = ext
		} else if ext := l.wasiImport(s, it); ext != nil {
			imports[i] = ext
		} else {
			return nil, fmt.Errorf("wedge: unknown import %s::%s", mod, field)
		}
	}
	return newInstance(s, module, imports)
}

func (l *Linker) wasiImport(s *Store, it *C.wasm_importtype_t) *C.wasm_extern_t {
	if !l.wasi {
		return nil
	}
	ext := C.wasi_store_bind_import(s.ptr, it)
	if ext != nil {
		s.own(func() { C.wasm_extern_delete(ext) })
	}
	return ext
}

// NewInstance instantiates module with one *Func, *Memory or *Global per import, in order.
func NewInstance(s *Store, module *Module, imports []interface{}) (*Instance, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	exts := make([]*C.wasm_extern_t, len(imports))
	for i, item := range imports {
		ext, err := asExtern(item, s)
		if err != nil {
			return nil, err
		}
		exts[i] = ext
	}
	return newInstance(s, module, exts)
}

func newInstance(s *Store, module *Module, imports []*C.wasm_extern_t) (*Instance, error) {
	var trap *C.wasm_trap_t
	var p **C.wasm_extern_t
	if len(imports) > 0 {
		// C memory, since a Go slice of pointers may not be passed to C.
		arr := (**C.wasm_extern_t)(C.malloc(C.size_t(len(imports)) * C.size_t(unsafe.Sizeof(imports[0]))))
		defer C.free(unsafe.Pointer(arr))
		copy(unsafe.Slice(arr, len(imports)), imports)
		p = arr
	}
	ptr := C.wedge_go_instance_new(s.ptr, module.ptr, p, C.size_t(len(imports)), &trap)
	if trap != nil {
		return nil, takeTrap(trap, s)
	}
	if ptr == nil {
		return nil, errors.New("wedge: instantiation failed")
	}
	s.own(func() { C.wasm_instance_delete(ptr) })
	return &Instance{ptr: ptr, store: s}, nil
}
