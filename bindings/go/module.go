package wedge

// #include "helpers.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Module is a compiled WebAssembly module; it may be shared by goroutines.
type Module struct {
	ptr    *C.wasm_module_t
	engine *Engine
}

// ImportType describes one import of a module.
type ImportType struct {
	Module, Name string
	// Kind is "func", "global", "table", "memory" or "tag".
	Kind string
}

// ExportType describes one export of a module.
type ExportType struct {
	Name string
	// Kind is "func", "global", "table", "memory" or "tag".
	Kind string
}

// NewModule compiles a module from its binary or text form; invalid bytes give an error
// naming the problem and its offset.
func NewModule(engine *Engine, wasm []byte) (*Module, error) {
	var ptr *C.wasm_module_t
	var data *C.uint8_t
	if len(wasm) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&wasm[0]))
	}
	err := takeError(C.wedge_module_new(engine.ptr, data, C.size_t(len(wasm)), &ptr))
	runtime.KeepAlive(engine)
	if err != nil {
		return nil, err
	}
	m := &Module{ptr: ptr, engine: engine}
	runtime.SetFinalizer(m, func(m *Module) { C.wasm_module_delete(m.ptr) })
	return m, nil
}

// Serialize returns the module as an AOT file (the binary plus its native code), which
// NewModule loads without compiling in a process with the same native code key.
func (m *Module) Serialize() ([]byte, error) {
	var out C.wasm_byte_vec_t
	err := takeError(C.wedge_module_serialize(m.ptr, &out))
	runtime.KeepAlive(m)
	if err != nil {
		return nil, err
	}
	return takeBytes(&out), nil
}

var kindNames = map[C.wasm_externkind_t]string{
	C.WASM_EXTERN_FUNC: "func", C.WASM_EXTERN_GLOBAL: "global", C.WASM_EXTERN_TABLE: "table",
	C.WASM_EXTERN_MEMORY: "memory", C.WASM_EXTERN_TAG: "tag",
}

func name(n *C.wasm_name_t) string {
	return C.GoStringN(n.data, C.int(n.size))
}

// Imports lists what the module imports, in order.
func (m *Module) Imports() []ImportType {
	var vec C.wasm_importtype_vec_t
	C.wasm_module_imports(m.ptr, &vec)
	defer C.wasm_importtype_vec_delete(&vec)
	items := unsafe.Slice(vec.data, vec.size)
	out := make([]ImportType, len(items))
	for i, it := range items {
		out[i] = ImportType{
			Module: name(C.wasm_importtype_module(it)),
			Name:   name(C.wasm_importtype_name(it)),
			Kind:   kindNames[C.wasm_externtype_kind(C.wasm_importtype_type(it))],
		}
	}
	runtime.KeepAlive(m)
	return out
}

// Exports lists what the module exports, in order.
func (m *Module) Exports() []ExportType {
	var vec C.wasm_exporttype_vec_t
	C.wasm_module_exports(m.ptr, &vec)
	defer C.wasm_exporttype_vec_delete(&vec)
	items := unsafe.Slice(vec.data, vec.size)
	out := make([]ExportType, len(items))
	for i, it := range items {
		out[i] = ExportType{
			Name: name(C.wasm_exporttype_name(it)),
			Kind: kindNames[C.wasm_externtype_kind(C.wasm_exporttype_type(it))],
		}
	}
	runtime.KeepAlive(m)
	return out
}
