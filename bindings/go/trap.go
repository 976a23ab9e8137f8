package wedge

// #include "helpers.h"
import "C"

import "unsafe"

// Frame is one wasm frame of a trap's backtrace.
type Frame struct {
	FuncIndex  uint32
	FuncName   string
	ModuleName string
}

// Trap is an error that stopped wasm execution: a wasm trap, a WASI exit, or an error
// returned by a Go host function (Unwrap gives that error).
type Trap struct {
	message     string
	description string
	frames      []Frame
	exitCode    *int32
	gas         bool
	interrupted bool
	cause       error
}

// Error is the trap's message followed by its wasm backtrace.
func (t *Trap) Error() string { return t.description }

// Message is the trap's message alone.
func (t *Trap) Message() string { return t.message }

// Frames is the wasm backtrace, innermost first.
func (t *Trap) Frames() []Frame { return t.frames }

// ExitCode is the status a WASI guest exited with (ok is false for other traps).
func (t *Trap) ExitCode() (code int32, ok bool) {
	if t.exitCode == nil {
		return 0, false
	}
	return *t.exitCode, true
}

// GasExhausted tells whether the store ran out of gas.
func (t *Trap) GasExhausted() bool { return t.gas }

// Interrupted tells whether a time limit or interrupt handle stopped the call.
func (t *Trap) Interrupted() bool { return t.interrupted }

// Unwrap is the error a Go host function returned, if it caused the trap.
func (t *Trap) Unwrap() error { return t.cause }

// takeTrap turns a wasm_trap_t into a Trap and deletes it; the store's pending host error
// becomes its cause.
func takeTrap(ptr *C.wasm_trap_t, s *Store) *Trap {
	defer C.wasm_trap_delete(ptr)
	t := &Trap{}
	var msg C.wasm_message_t
	C.wasm_trap_message(ptr, &msg)
	t.message = takeBytesString(&msg)
	var desc C.wasm_byte_vec_t
	C.wedge_trap_describe(ptr, &desc)
	t.description = takeBytesString(&desc)
	var status C.int32_t
	if C.wasi_trap_exit_status(ptr, &status) {
		code := int32(status)
		t.exitCode = &code
	}
	t.gas = bool(C.wedge_trap_is_gas_exhausted(ptr))
	t.interrupted = bool(C.wedge_trap_is_interrupt(ptr))
	var frames C.wasm_frame_vec_t
	C.wasm_trap_trace(ptr, &frames)
	for _, f := range unsafe.Slice(frames.data, frames.size) {
		fr := Frame{FuncIndex: uint32(C.wasm_frame_func_index(f))}
		var n C.wasm_byte_vec_t
		if C.wedge_frame_func_name(f, &n) {
			fr.FuncName = takeBytesString(&n)
		}
		if C.wedge_frame_module_name(f, &n) {
			fr.ModuleName = takeBytesString(&n)
		}
		t.frames = append(t.frames, fr)
	}
	C.wasm_frame_vec_delete(&frames)
	if s != nil && s.pending != nil {
		t.cause = s.pending
		s.pending = nil
	}
	return t
}
