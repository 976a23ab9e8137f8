/* Ten threads share one module (wasm_module_share / wasm_module_obtain), each with a store
 * of its own, calling wasm and a host function concurrently. */
#include <pthread.h>
#include "common.h"

#define THREADS 10

static wasm_engine_t *engine;
static wasm_shared_module_t *shared;
static int32_t results[THREADS];
static long host_calls[THREADS];

static wasm_trap_t *count_cb(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *res) {
  (void)args;
  (void)res;
  (*(long *)env)++;
  return NULL;
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = wasm_module_obtain(store, shared);
  CHECK(module != NULL);
  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasm_func_t *count = wasm_func_new_with_env(store, ty, count_cb, &host_calls[id], NULL);
  wasm_functype_delete(ty);
  wasm_extern_t *imp[] = {wasm_func_as_extern(count)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  int32_t sum = 0;
  for (int round = 0; round < 200; round++) {
    wasm_val_t in[1] = {WASM_I32_VAL(id + round % 5)}, out[1] = {WASM_INIT_VAL};
    wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec = WASM_ARRAY_VEC(out);
    CHECK(wasm_func_call(export_func(&ex, 0), &in_vec, &out_vec) == NULL);
    sum += out[0].of.i32;
  }
  results[id] = sum;
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_func_delete(count);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

int main(void) {
  engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module (import \"\" \"count\" (func $count))"
      "  (func $tri (export \"tri\") (param i32) (result i32) (local $s i32)"
      "    (call $count)"
      "    (block (loop (br_if 1 (i32.eqz (local.get 0)))"
      "      (local.set $s (i32.add (local.get $s) (local.get 0)))"
      "      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))"
      "    (local.get $s)))");
  shared = wasm_module_share(module);
  wasm_module_delete(module);
  wasm_store_delete(store);
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < THREADS; i++) printf("thread %d: sum %d, %ld host calls\n", i, results[i], host_calls[i]);
  wasm_shared_module_delete(shared);
  wasm_engine_delete(engine);
  return 0;
}
