#include "helpers.h"
#include "_cgo_export.h"

wasm_trap_t *wedge_go_call(const wasm_func_t *f, const wasm_val_t *args, size_t nargs, wasm_val_t *results,
                           size_t nresults) {
  wasm_val_vec_t a = {nargs, (wasm_val_t *)args};
  wasm_val_vec_t r = {nresults, results};
  return wasm_func_call(f, &a, &r);
}

static wasm_trap_t *trampoline(void *env, wedge_caller_t *caller, const wasm_val_vec_t *args,
                               wasm_val_vec_t *results) {
  return wedgeGoTrampoline(env, caller, args->data, args->size, results->data, results->size);
}

static void finalize(void *env) { wedgeGoFinalize(env); }

wasm_func_t *wedge_go_func_new(wasm_store_t *s, const wasm_functype_t *ty, uintptr_t handle) {
  return wedge_func_new_with_caller(s, ty, trampoline, (void *)handle, finalize);
}

static void valtypes(wasm_valtype_vec_t *out, const uint8_t *kinds, size_t n) {
  wasm_valtype_vec_new_uninitialized(out, n);
  for (size_t i = 0; i < n; i++) out->data[i] = wasm_valtype_new(kinds[i]);
}

wasm_functype_t *wedge_go_functype(const uint8_t *params, size_t np, const uint8_t *results, size_t nr) {
  wasm_valtype_vec_t p, r;
  valtypes(&p, params, np);
  valtypes(&r, results, nr);
  return wasm_functype_new(&p, &r);
}

wasm_instance_t *wedge_go_instance_new(wasm_store_t *s, const wasm_module_t *m, wasm_extern_t **imports, size_t n,
                                       wasm_trap_t **trap) {
  wasm_extern_vec_t v = {n, imports};
  return wasm_instance_new(s, m, &v, trap);
}

wasm_trap_t *wedge_go_trap_new(wasm_store_t *s, const char *msg, size_t len) {
  wasm_message_t m;
  wasm_byte_vec_new_uninitialized(&m, len + 1);
  for (size_t i = 0; i < len; i++) m.data[i] = msg[i];
  m.data[len] = 0;
  wasm_trap_t *t = wasm_trap_new(s, &m);
  wasm_byte_vec_delete(&m);
  return t;
}

size_t wedge_go_bytes(wasm_byte_vec_t *v, const char **data) {
  *data = v->data;
  return v->size;
}

int wedge_go_wasi_set(wasm_store_t *s, wasi_config_t *c, wasm_byte_vec_t *err) {
  if (wasi_store_set_config(s, c)) return 1;
  if (!wedge_last_error_message(err)) wasm_byte_vec_new_empty(err);
  return 0;
}
