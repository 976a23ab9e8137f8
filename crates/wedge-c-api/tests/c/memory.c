/* Memories: data and size, growth from the host and from wasm, maximum and store limits,
 * out-of-bounds traps, host-made memories. */
#include "common.h"

static int32_t call_i32(wasm_func_t *f, int32_t a, int32_t b, int nargs, wasm_trap_t **trap) {
  wasm_val_t in[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = {(size_t)nargs, in};
  wasm_val_vec_t out_vec = {wasm_func_result_arity(f), out};
  *trap = wasm_func_call(f, &in_vec, &out_vec);
  return out[0].of.i32;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (memory (export \"memory\") 2 3)"
      "  (func (export \"size\") (result i32) (memory.size))"
      "  (func (export \"load\") (param i32) (result i32) (i32.load8_s (local.get 0)))"
      "  (func (export \"store\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))"
      "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
      "  (data (i32.const 0x1000) \"\\01\\02\\03\\04\"))");
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_memory_t *memory = wasm_extern_as_memory(ex.data[0]);
  wasm_func_t *size = export_func(&ex, 1), *load = export_func(&ex, 2), *store_fn = export_func(&ex, 3),
              *grow = export_func(&ex, 4);
  wasm_trap_t *trap;

  printf("pages %u, bytes 0x%zx, size() = %d\n", wasm_memory_size(memory), wasm_memory_data_size(memory),
         call_i32(size, 0, 0, 0, &trap));
  byte_t *data = wasm_memory_data(memory);
  printf("data[0x1000..0x1004] = %d %d %d %d, last byte %d\n", data[0x1000], data[0x1001], data[0x1002],
         data[0x1003], data[0x1ffff]);
  printf("load(0x1002) = %d\n", call_i32(load, 0x1002, 0, 1, &trap));
  data[0x1002] = 99;
  printf("host wrote 99: load(0x1002) = %d\n", call_i32(load, 0x1002, 0, 1, &trap));
  call_i32(store_fn, 0x1003, -5, 2, &trap);
  CHECK(trap == NULL);
  printf("wasm stored -5: data[0x1003] = %d\n", (signed char)wasm_memory_data(memory)[0x1003]);

  int32_t v = call_i32(load, 0x20000, 0, 1, &trap);
  (void)v;
  CHECK(trap != NULL);
  print_trap("load(0x20000)", trap);
  call_i32(store_fn, -1, 1, 2, &trap);
  print_trap("store(-1)", trap);

  printf("grow(1) from wasm = %d\n", call_i32(grow, 1, 0, 1, &trap));
  printf("pages %u, bytes 0x%zx\n", wasm_memory_size(memory), wasm_memory_data_size(memory));
  printf("load(0x20000) = %d\n", call_i32(load, 0x20000, 0, 1, &trap));
  printf("grow past max from wasm = %d\n", call_i32(grow, 1, 0, 1, &trap));
  printf("host grow past max: %s\n", wasm_memory_grow(memory, 1) ? "ok" : "refused");
  printf("host grow 0: %s\n", wasm_memory_grow(memory, 0) ? "ok" : "refused");

  wasm_memorytype_t *mt = wasm_memory_type(memory);
  const wasm_limits_t *l = wasm_memorytype_limits(mt);
  printf("type: min %u max %u\n", l->min, l->max);
  wasm_memorytype_delete(mt);

  /* A host-made memory, imported by another instance, limited by the store. */
  wasm_limits_t limits = {1, 10};
  mt = wasm_memorytype_new(&limits);
  wasm_memory_t *hm = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  CHECK(hm != NULL);
  printf("host memory: %u pages\n", wasm_memory_size(hm));
  wedge_store_set_limits(store, 4, UINT64_MAX, UINT64_MAX);
  printf("grow by 2 under a 4-page cap: %s\n", wasm_memory_grow(hm, 2) ? "ok" : "refused");
  printf("grow by 2 more: %s\n", wasm_memory_grow(hm, 2) ? "ok" : "refused");
  printf("host memory: %u pages\n", wasm_memory_size(hm));
  wasm_module_t *importer = compile_wat(store,
      "(module (import \"env\" \"mem\" (memory 1))"
      "  (func (export \"peek\") (param i32) (result i32) (i32.load8_u (local.get 0)))"
      "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))");
  wasm_extern_t *imp[] = {wasm_memory_as_extern(hm)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp);
  wasm_instance_t *inst2 = wasm_instance_new(store, importer, &imports, NULL);
  CHECK(inst2 != NULL);
  wasm_extern_vec_t ex2;
  wasm_instance_exports(inst2, &ex2);
  wasm_memory_data(hm)[7] = 200;
  printf("peek(7) through the import = %d\n", call_i32(export_func(&ex2, 0), 7, 0, 1, &trap));
  printf("wasm grow to the store cap = %d\n", call_i32(export_func(&ex2, 1), 1, 0, 1, &trap));
  printf("wasm grow past the store cap = %d\n", call_i32(export_func(&ex2, 1), 1, 0, 1, &trap));
  wasm_extern_vec_delete(&ex2);
  wasm_instance_delete(inst2);
  wasm_module_delete(importer);
  wasm_memory_delete(hm);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
