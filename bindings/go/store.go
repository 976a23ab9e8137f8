package wedge

// #include "helpers.h"
import "C"

import (
	"errors"
	"math"
	"runtime"
	"time"
)

// Store holds instances and the functions, memories and globals they use, plus the WASI
// state. Use it from one goroutine at a time. Close frees it (a finalizer does it too once
// nothing references the store or its objects).
type Store struct {
	ptr    *C.wasm_store_t
	engine *Engine
	// owned deletes handles the Go objects of this store hold; run by Close.
	owned []func()
	// pending is the error a Go host function returned (or its panic), reported with the
	// trap it caused.
	pending error
}

// NewStore makes a store on engine.
func NewStore(engine *Engine) *Store {
	s := &Store{ptr: C.wasm_store_new(engine.ptr), engine: engine}
	runtime.SetFinalizer(s, (*Store).Close)
	return s
}

// Close frees the store and everything made in it; later use of them is an error.
func (s *Store) Close() {
	if s.ptr == nil {
		return
	}
	for i := len(s.owned) - 1; i >= 0; i-- {
		s.owned[i]()
	}
	s.owned = nil
	C.wasm_store_delete(s.ptr)
	s.ptr = nil
	runtime.SetFinalizer(s, nil)
}

func (s *Store) own(free func()) { s.owned = append(s.owned, free) }

var errClosed = errors.New("wedge: the store is closed")

func (s *Store) check() error {
	if s == nil || s.ptr == nil {
		return errClosed
	}
	return nil
}

// SetWasi gives the store's guests a WASI configuration (the config is consumed).
func (s *Store) SetWasi(c *WasiConfig) error {
	if err := s.check(); err != nil {
		return err
	}
	var msg C.wasm_byte_vec_t
	ok := C.wedge_go_wasi_set(s.ptr, c.take(), &msg) != 0
	if !ok {
		return errors.New("wedge: " + takeBytesString(&msg))
	}
	return nil
}

// CapturedStdout is what the guests wrote so far to a captured stdout (WasiConfig.CaptureStdout).
func (s *Store) CapturedStdout() []byte {
	var out C.wasm_byte_vec_t
	C.wasi_store_captured_stdout(s.ptr, &out)
	return takeBytes(&out)
}

// CapturedStderr is what the guests wrote so far to a captured stderr.
func (s *Store) CapturedStderr() []byte {
	var out C.wasm_byte_vec_t
	C.wasi_store_captured_stderr(s.ptr, &out)
	return takeBytes(&out)
}

// SetGasLimit sets the total gas the store may use (needs Config.SetMetering); running out
// traps (Trap.GasExhausted).
func (s *Store) SetGasLimit(limit uint64) { C.wedge_store_set_gas_limit(s.ptr, C.uint64_t(limit)) }

// AddGas raises the gas limit.
func (s *Store) AddGas(gas uint64) { C.wedge_store_add_gas(s.ptr, C.uint64_t(gas)) }

// GasUsed is the gas used so far.
func (s *Store) GasUsed() uint64 { return uint64(C.wedge_store_gas_used(s.ptr)) }

// InstructionCount is the number of wasm instructions executed (needs Config.SetMetering).
func (s *Store) InstructionCount() uint64 { return uint64(C.wedge_store_instruction_count(s.ptr)) }

// Unlimited is the "no limit" value of SetLimits.
const Unlimited = math.MaxUint64

// SetLimits caps growth: pages per memory, bytes of all memories, elements per table
// (Unlimited for none). A memory.grow past a cap returns -1.
func (s *Store) SetLimits(memoryPages, memoryBytes, tableElements uint64) {
	C.wedge_store_set_limits(s.ptr, C.uint64_t(memoryPages), C.uint64_t(memoryBytes), C.uint64_t(tableElements))
}

// SetTimeLimit makes every later call into wasm trap (Trap.Interrupted) after d; 0 for no
// limit. Needs Config.SetInterruptible.
func (s *Store) SetTimeLimit(d time.Duration) {
	ms := d.Milliseconds()
	if d > 0 && ms == 0 {
		ms = 1
	}
	C.wedge_store_set_time_limit(s.ptr, C.uint64_t(ms))
}

// InterruptHandle stops a store's running wasm from any goroutine.
type InterruptHandle struct {
	ptr *C.wedge_interrupt_handle_t
}

// InterruptHandle returns a handle for interrupting this store.
func (s *Store) InterruptHandle() *InterruptHandle {
	h := &InterruptHandle{ptr: C.wedge_store_interrupt_handle(s.ptr)}
	runtime.SetFinalizer(h, func(h *InterruptHandle) { C.wedge_interrupt_handle_delete(h.ptr) })
	return h
}

// Interrupt makes the running (or next) call into wasm trap with an interrupt.
func (h *InterruptHandle) Interrupt() {
	C.wedge_interrupt_handle_interrupt(h.ptr)
	runtime.KeepAlive(h)
}
