/* Host-to-wasm call round trip through the standard C API: calls an exported
 * add(i32, i32) N times (default 1,000,000) with wasm_func_call and prints the time per call.
 * The same source links against libwedge or Wasmtime's C API (both implement wasm.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wasm.h>

/* (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)) */
static const char ADD_WASM[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09,
    0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b};

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof ADD_WASM, ADD_WASM);
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) return 1;
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  if (!instance) return 1;
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t *add = wasm_extern_as_func(exports.data[0]);

  wasm_val_t args[2] = {WASM_I32_VAL(0), WASM_I32_VAL(1)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args_vec = WASM_ARRAY_VEC(args), results_vec = WASM_ARRAY_VEC(results);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int32_t acc = 0;
  for (long i = 0; i < n; i++) {
    args[0].of.i32 = acc;
    wasm_trap_t *trap = wasm_func_call(add, &args_vec, &results_vec);
    if (trap) return 2;
    acc = results[0].of.i32;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  if (acc != (int32_t)n) return 3;
  printf("%ld calls, %.1f ns per call\n", n, ns / n);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
