package wedge

// #include "helpers.h"
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// WasiConfig is what a WASI guest gets: arguments, environment, stdio, directories. It is
// consumed by Store.SetWasi.
type WasiConfig struct {
	ptr *C.wasi_config_t
}

// NewWasiConfig makes an empty configuration (no arguments, null stdio, no directories).
func NewWasiConfig() *WasiConfig {
	c := &WasiConfig{ptr: C.wasi_config_new()}
	runtime.SetFinalizer(c, func(c *WasiConfig) {
		if c.ptr != nil {
			C.wasi_config_delete(c.ptr)
		}
	})
	return c
}

func (c *WasiConfig) take() *C.wasi_config_t {
	p := c.ptr
	c.ptr = nil
	return p
}

func cstrings(items []string) (**C.char, func()) {
	if len(items) == 0 {
		return nil, func() {}
	}
	arr := (**C.char)(C.malloc(C.size_t(len(items)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	s := unsafe.Slice(arr, len(items))
	for i, it := range items {
		s[i] = C.CString(it)
	}
	return arr, func() {
		for _, p := range s {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(arr))
	}
}

// SetArgv sets the arguments (the first is the program name).
func (c *WasiConfig) SetArgv(argv []string) {
	arr, free := cstrings(argv)
	defer free()
	C.wasi_config_set_argv(c.ptr, C.size_t(len(argv)), arr)
}

// SetEnv sets the environment as parallel lists of names and values.
func (c *WasiConfig) SetEnv(names, values []string) error {
	if len(names) != len(values) {
		return errors.New("wedge: names and values differ in length")
	}
	n, freeN := cstrings(names)
	defer freeN()
	v, freeV := cstrings(values)
	defer freeV()
	C.wasi_config_set_env(c.ptr, C.size_t(len(names)), n, v)
	return nil
}

// InheritStdio gives the guest this process's stdin, stdout and stderr.
func (c *WasiConfig) InheritStdio() {
	C.wasi_config_inherit_stdin(c.ptr)
	C.wasi_config_inherit_stdout(c.ptr)
	C.wasi_config_inherit_stderr(c.ptr)
}

// SetStdinBytes makes the guest read these bytes from stdin.
func (c *WasiConfig) SetStdinBytes(b []byte) {
	var v C.wasm_byte_vec_t
	if len(b) == 0 {
		C.wasm_byte_vec_new_empty(&v)
	} else {
		C.wasm_byte_vec_new(&v, C.size_t(len(b)), (*C.wasm_byte_t)(unsafe.Pointer(&b[0])))
	}
	C.wasi_config_set_stdin_bytes(c.ptr, &v)
}

// CaptureStdout keeps what the guest writes to stdout (Store.CapturedStdout).
func (c *WasiConfig) CaptureStdout() { C.wasi_config_capture_stdout(c.ptr) }

// CaptureStderr keeps what the guest writes to stderr (Store.CapturedStderr).
func (c *WasiConfig) CaptureStderr() { C.wasi_config_capture_stderr(c.ptr) }

// PreopenDir gives the guest the host directory hostPath as guestPath; nothing outside it
// is reachable. readOnly withholds every right that changes files.
func (c *WasiConfig) PreopenDir(hostPath, guestPath string, readOnly bool) error {
	h := C.CString(hostPath)
	defer C.free(unsafe.Pointer(h))
	g := C.CString(guestPath)
	defer C.free(unsafe.Pointer(g))
	perms := C.wasi_dir_perms(C.WASI_DIR_PERMS_READ | C.WASI_DIR_PERMS_WRITE)
	files := C.wasi_file_perms(C.WASI_FILE_PERMS_READ | C.WASI_FILE_PERMS_WRITE)
	if readOnly {
		perms, files = C.WASI_DIR_PERMS_READ, C.WASI_FILE_PERMS_READ
	}
	if !C.wasi_config_preopen_dir(c.ptr, h, g, perms, files) {
		return errors.New("wedge: cannot preopen " + hostPath)
	}
	return nil
}
