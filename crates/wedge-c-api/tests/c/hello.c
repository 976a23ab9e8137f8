/* Hello: a module calls a host function, the host calls the module. */
#include "common.h"

static wasm_trap_t *hello_callback(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)args;
  (void)results;
  printf("Calling back...\n> Hello World!\n");
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module (func $hello (import \"\" \"hello\"))"
      "  (func (export \"run\") (call $hello)))");

  wasm_functype_t *hello_type = wasm_functype_new_0_0();
  wasm_func_t *hello = wasm_func_new(store, hello_type, hello_callback);
  wasm_functype_delete(hello_type);

  wasm_extern_t *externs[] = {wasm_func_as_extern(hello)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 1);
  wasm_func_t *run = export_func(&exports, 0);

  printf("Calling export...\n");
  wasm_val_vec_t args = WASM_EMPTY_VEC;
  wasm_val_vec_t results = WASM_EMPTY_VEC;
  trap = wasm_func_call(run, &args, &results);
  CHECK(trap == NULL);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(hello);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("Done.\n");
  return 0;
}
