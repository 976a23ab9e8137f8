/* Many instantiations: every store, instance and host function made and deleted in a loop;
 * every environment and host-info finalizer runs exactly once. The count is the first
 * argument (100000 by default). */
#include "common.h"

static long env_finalized = 0, info_finalized = 0, calls = 0;

static void env_fin(void *p) {
  CHECK(*(long *)p >= 0);
  free(p);
  env_finalized++;
}

static void info_fin(void *p) {
  (void)p;
  info_finalized++;
}

static wasm_trap_t *tick(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)results;
  *(long *)env += args->data[0].of.i32;
  calls++;
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  wasm_engine_t *engine = test_engine();
  wasm_store_t *compile_store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(compile_store,
      "(module (import \"\" \"tick\" (func $tick (param i32)))"
      "  (memory (export \"memory\") 1)"
      "  (func (export \"run\") (call $tick (i32.const 1))))");
  wasm_shared_module_t *shared = wasm_module_share(module);
  wasm_functype_t *ty = wasm_functype_new_1_0(wasm_valtype_new_i32());
  for (long i = 0; i < n; i++) {
    wasm_store_t *store = wasm_store_new(engine);
    wasm_module_t *m = (i % 2) ? wasm_module_obtain(store, shared) : wasm_module_copy(module);
    long *counter = malloc(sizeof(long));
    *counter = 0;
    wasm_func_t *f = wasm_func_new_with_env(store, ty, tick, counter, env_fin);
    wasm_extern_t *imp[] = {wasm_func_as_extern(f)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp);
    wasm_instance_t *instance = wasm_instance_new(store, m, &imports, NULL);
    CHECK(instance != NULL);
    wasm_instance_set_host_info_with_finalizer(instance, counter, info_fin);
    wasm_extern_vec_t ex;
    wasm_instance_exports(instance, &ex);
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    CHECK(wasm_func_call(wasm_extern_as_func(ex.data[1]), &none, &none) == NULL);
    CHECK(*counter == 1);
    /* Delete in a different order every other time: the store outlives its handles. */
    if (i % 2) {
      wasm_store_delete(store);
      wasm_extern_vec_delete(&ex);
      wasm_instance_delete(instance);
      wasm_func_delete(f);
    } else {
      wasm_extern_vec_delete(&ex);
      wasm_instance_delete(instance);
      wasm_func_delete(f);
      wasm_store_delete(store);
    }
    wasm_module_delete(m);
  }
  wasm_functype_delete(ty);
  wasm_shared_module_delete(shared);
  wasm_module_delete(module);
  wasm_store_delete(compile_store);
  wasm_engine_delete(engine);
  printf("%ld instantiations, %ld calls\n", n, calls);
  printf("%ld environment finalizers, %ld host info finalizers\n", env_finalized, info_finalized);
  return 0;
}
