/* C helpers for the Go binding: calls that take vectors, and the host-function trampoline
 * (Go memory holding Go pointers may not be passed to C, so vectors are built here). */
#ifndef WEDGE_GO_HELPERS_H
#define WEDGE_GO_HELPERS_H

#include <stdint.h>
#include <stdlib.h>
#include "wedge.h"

wasm_trap_t *wedge_go_call(const wasm_func_t *f, const wasm_val_t *args, size_t nargs, wasm_val_t *results,
                           size_t nresults);
wasm_func_t *wedge_go_func_new(wasm_store_t *s, const wasm_functype_t *ty, uintptr_t handle);
wasm_functype_t *wedge_go_functype(const uint8_t *params, size_t np, const uint8_t *results, size_t nr);
wasm_instance_t *wedge_go_instance_new(wasm_store_t *s, const wasm_module_t *m, wasm_extern_t **imports, size_t n,
                                       wasm_trap_t **trap);
wasm_trap_t *wedge_go_trap_new(wasm_store_t *s, const char *msg, size_t len);
/* Copies a byte vector's contents into a fresh C string owner; returns its length. */
size_t wedge_go_bytes(wasm_byte_vec_t *v, const char **data);
/* The last error message of this thread after a call that failed, as a new byte vector. */
int wedge_go_wasi_set(wasm_store_t *s, wasi_config_t *c, wasm_byte_vec_t *err);

#endif
