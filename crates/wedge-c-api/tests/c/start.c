/* A trapping start function, and link errors, reported through wasm_instance_new's trap. */
#include "common.h"

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);

  wasm_module_t *module = compile_wat(store,
      "(module $m (func $start (i32.const 1) (i32.const 0) (i32.rem_u) (drop)) (start $start))");
  wasm_extern_vec_t none = WASM_EMPTY_VEC;
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &none, &trap);
  CHECK(instance == NULL && trap != NULL);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  wasm_name_t name;
  CHECK(wedge_frame_func_name(origin, &name));
  printf("start trapped in ");
  print_name(&name);
  printf(" (func %u)\n", wasm_frame_func_index(origin));
  wasm_name_delete(&name);
  wasm_frame_delete(origin);
  print_trap("start", trap);
  wasm_module_delete(module);

  /* Missing, extra and mistyped imports. */
  module = compile_wat(store, "(module (import \"env\" \"f\" (func (param i32))))");
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &none, &trap) == NULL);
  print_trap("missing import", trap);
  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasm_func_t *f = wasm_func_new(store, ty, NULL);
  wasm_functype_delete(ty);
  wasm_extern_t *externs[] = {wasm_func_as_extern(f)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  print_trap("mistyped import", trap);
  wasm_module_delete(module);

  /* An import from another store is refused. */
  wasm_store_t *other = wasm_store_new(engine);
  module = compile_wat(other, "(module (import \"env\" \"f\" (func)))");
  trap = NULL;
  CHECK(wasm_instance_new(other, module, &imports, &trap) == NULL);
  print_trap("foreign store", trap);
  /* A NULL trap pointer is allowed: the failure is just NULL. */
  CHECK(wasm_instance_new(other, module, &none, NULL) == NULL);
  wasm_module_delete(module);
  wasm_store_delete(other);

  wasm_func_delete(f);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
