// Package wedge embeds the Wedge WebAssembly runtime in Go, through libwedge (the C API).
//
// The API follows Wasmtime's Go package: an Engine compiles Modules, a Store holds
// instances and their objects, a Linker resolves imports (Go host functions, WASI) and
// instantiates, Funcs are called with Call. Build with libwedge on the linker path:
//
//	CGO_LDFLAGS="-L/path/to/lib" go build   (and LD_LIBRARY_PATH at run time)
//
// Thread safety: an Engine and Modules may be shared by goroutines; a Store and every
// object in it must be used by one goroutine at a time (give each goroutine its own store).
package wedge

// #cgo CFLAGS: -I${SRCDIR}/../../crates/wedge-c-api/include
// #cgo LDFLAGS: -lwedge
// #include <stdlib.h>
// #include "helpers.h"
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// Strategy chooses how an engine runs wasm.
type Strategy uint8

const (
	// StrategyAuto compiles with Cranelift where the host can, and interprets elsewhere.
	StrategyAuto Strategy = C.WEDGE_STRATEGY_AUTO
	// StrategyInterpreter always interprets (cheap start-up).
	StrategyInterpreter Strategy = C.WEDGE_STRATEGY_INTERPRETER
	// StrategyCompiler always compiles.
	StrategyCompiler Strategy = C.WEDGE_STRATEGY_COMPILER
	// StrategyTiered interprets first and compiles hot functions in the background.
	StrategyTiered Strategy = C.WEDGE_STRATEGY_TIERED
)

// Config holds engine settings; it is consumed by NewEngineWithConfig.
type Config struct {
	ptr *C.wasm_config_t
}

// NewConfig makes the default configuration.
func NewConfig() *Config {
	c := &Config{ptr: C.wasm_config_new()}
	runtime.SetFinalizer(c, func(c *Config) {
		if c.ptr != nil {
			C.wasm_config_delete(c.ptr)
		}
	})
	return c
}

// SetStrategy chooses the tier.
func (c *Config) SetStrategy(s Strategy) { C.wedge_config_strategy(c.ptr, C.uint8_t(s)) }

// SetMetering turns on gas metering and instruction counting (Store.SetGasLimit).
func (c *Config) SetMetering(on bool) { C.wedge_config_metering(c.ptr, C.bool(on)) }

// SetInterruptible lets time limits and interrupt handles stop running wasm.
func (c *Config) SetInterruptible(on bool) { C.wedge_config_interruptible(c.ptr, C.bool(on)) }

// SetDeterministic gives canonical NaNs and fixed relaxed-SIMD results, and refuses threads.
func (c *Config) SetDeterministic(on bool) { C.wedge_config_deterministic(c.ptr, C.bool(on)) }

// SetWasmFeature turns a WebAssembly feature ("simd", "gc", "threads", ...) on or off.
func (c *Config) SetWasmFeature(name string, on bool) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if !C.wedge_config_wasm_feature(c.ptr, cname, C.bool(on)) {
		return errors.New("wedge: unknown feature " + name)
	}
	return nil
}

// SetCostTable sets the gas cost per operator ("i32.add 3", "default 1" lines).
func (c *Config) SetCostTable(text string) error {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	return takeError(C.wedge_config_cost_table(c.ptr, ctext, C.size_t(len(text))))
}

// Engine compiles and runs modules; it may be shared by goroutines.
type Engine struct {
	ptr *C.wasm_engine_t
}

// NewEngine makes an engine with the default configuration.
func NewEngine() *Engine { return NewEngineWithConfig(NewConfig()) }

// NewEngineWithConfig makes an engine; the config is consumed.
func NewEngineWithConfig(c *Config) *Engine {
	e := &Engine{ptr: C.wasm_engine_new_with_config(c.ptr)}
	c.ptr = nil
	runtime.SetFinalizer(e, func(e *Engine) { C.wasm_engine_delete(e.ptr) })
	return e
}

// Compiles tells whether modules of this engine run as native code.
func (e *Engine) Compiles() bool {
	r := bool(C.wedge_engine_compiles(e.ptr))
	runtime.KeepAlive(e)
	return r
}

// takeError turns a wedge_error_t into a Go error and deletes it.
func takeError(err *C.wedge_error_t) error {
	if err == nil {
		return nil
	}
	var msg C.wasm_byte_vec_t
	C.wedge_error_message(err, &msg)
	C.wedge_error_delete(err)
	return errors.New(takeBytesString(&msg))
}

// takeBytesString reads a NUL-terminated byte vector as a string and deletes it.
func takeBytesString(v *C.wasm_byte_vec_t) string {
	b := takeBytes(v)
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	return string(b)
}

// takeBytes copies a byte vector into Go memory and deletes it.
func takeBytes(v *C.wasm_byte_vec_t) []byte {
	var data *C.char
	n := C.wedge_go_bytes(v, &data)
	b := C.GoBytes(unsafe.Pointer(data), C.int(n))
	C.wasm_byte_vec_delete(v)
	return b
}

// Wat2Wasm converts WebAssembly text to a binary module.
func Wat2Wasm(text string) ([]byte, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	var out C.wasm_byte_vec_t
	if err := takeError(C.wedge_wat2wasm(ctext, C.size_t(len(text)), &out)); err != nil {
		return nil, err
	}
	return takeBytes(&out), nil
}
