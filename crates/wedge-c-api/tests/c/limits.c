/* wedge.h controls: gas limits and counters, cost tables, time limits, interrupt handles
 * from another thread, memory caps, feature switches. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "common.h"

static const char *LOOP =
    "(module (func (export \"count\") (param i32) (result i32) (local $i i32)"
    "  (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get 0)))"
    "    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0)))"
    "  (local.get $i))"
    "  (func (export \"spin\") (loop (br 0))))";

static wasm_trap_t *call_count(wasm_func_t *f, int32_t n, int32_t *out) {
  wasm_val_t in[1] = {WASM_I32_VAL(n)}, res[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), res_vec = WASM_ARRAY_VEC(res);
  wasm_trap_t *t = wasm_func_call(f, &in_vec, &res_vec);
  *out = res[0].of.i32;
  return t;
}

static void *interrupter(void *h) {
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  wedge_interrupt_handle_interrupt(h);
  return NULL;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  const char *interp = getenv("WEDGE_TEST_INTERPRET");
  if (interp && strcmp(interp, "1") == 0) wedge_config_strategy(config, WEDGE_STRATEGY_INTERPRETER);
  wedge_config_metering(config, true);
  wedge_config_interruptible(config, true);
  const char *costs = "default 1\ni32.add 3\n";
  CHECK(wedge_config_cost_table(config, costs, strlen(costs)) == NULL);
  wedge_error_t *err = wedge_config_cost_table(config, "i32.bogus x", 11);
  CHECK(err != NULL);
  wasm_byte_vec_t msg;
  wedge_error_message(err, &msg);
  printf("bad cost table refused: %s\n", strlen(msg.data) > 0 ? "yes" : "no");
  wasm_byte_vec_delete(&msg);
  wedge_error_delete(err);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store, LOOP);
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_t *count = wedge_instance_export_get(instance, "count", 5);
  wasm_extern_t *spin = wedge_instance_export_get(instance, "spin", 4);
  CHECK(wedge_instance_export_get(instance, "nope", 4) == NULL);
  int32_t r;

  printf("gas remaining before a limit: %s\n", wedge_store_gas_remaining(store) == UINT64_MAX ? "unlimited" : "?");
  CHECK(call_count(wasm_extern_as_func(count), 10, &r) == NULL);
  uint64_t used = wedge_store_gas_used(store);
  printf("count(10) = %d used %s gas over %s instructions\n", r, used > 0 ? "some" : "no",
         wedge_store_instruction_count(store) > 0 ? "some" : "no");
  wedge_store_reset_meter(store);
  CHECK(wedge_store_gas_used(store) == 0);
  CHECK(call_count(wasm_extern_as_func(count), 10, &r) == NULL);
  printf("the same call costs the same: %s\n", wedge_store_gas_used(store) == used ? "yes" : "no");
  wedge_store_set_gas_limit(store, wedge_store_gas_used(store) + 100);
  wasm_trap_t *trap = call_count(wasm_extern_as_func(count), 1000000, &r);
  CHECK(trap != NULL);
  printf("gas exhausted: %s\n", wedge_trap_is_gas_exhausted(trap) ? "yes" : "no");
  print_trap("  trap", trap);
  printf("gas remaining: %llu\n", (unsigned long long)wedge_store_gas_remaining(store) <= 100 ? 0ULL : 1ULL);
  wedge_store_add_gas(store, 1000);
  CHECK(call_count(wasm_extern_as_func(count), 5, &r) == NULL);
  printf("after adding gas: count(5) = %d\n", r);
  wedge_store_set_gas_limit(store, UINT64_MAX);

  /* Time limit: a loop without end is stopped. */
  wedge_store_set_time_limit(store, 100);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(wasm_extern_as_func(spin), &none, &none);
  CHECK(trap != NULL);
  printf("time limit: interrupted %s\n", wedge_trap_is_interrupt(trap) ? "yes" : "no");
  wasm_trap_delete(trap);
  wedge_store_set_time_limit(store, 0);
  CHECK(call_count(wasm_extern_as_func(count), 3, &r) == NULL);
  printf("store runs again: count(3) = %d\n", r);

  /* An interrupt handle used from another thread. */
  wedge_interrupt_handle_t *h = wedge_store_interrupt_handle(store);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, interrupter, h) == 0);
  trap = wasm_func_call(wasm_extern_as_func(spin), &none, &none);
  pthread_join(t, NULL);
  CHECK(trap != NULL);
  printf("interrupt from another thread: %s\n", wedge_trap_is_interrupt(trap) ? "yes" : "no");
  wasm_trap_delete(trap);
  wedge_interrupt_handle_delete(h);

  wasm_extern_delete(count);
  wasm_extern_delete(spin);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  /* Feature switches. */
  config = wasm_config_new();
  CHECK(wedge_config_wasm_feature(config, "simd", false));
  CHECK(!wedge_config_wasm_feature(config, "no-such-feature", true));
  wedge_last_error_message(&msg);
  printf("unknown feature: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  engine = wasm_engine_new_with_config(config);
  store = wasm_store_new(engine);
  wasm_byte_vec_t simd;
  const char *simd_wat = "(module (func (result v128) (v128.const i64x2 1 2)))";
  CHECK(wedge_wat2wasm(simd_wat, strlen(simd_wat), &simd) == NULL);
  printf("simd module with simd off: %s\n", wasm_module_validate(store, &simd) ? "valid" : "invalid");
  wasm_byte_vec_delete(&simd);
  wasm_config_t *bad = wasm_config_new();
  CHECK(!wedge_config_strategy(bad, 9));
  wasm_config_delete(bad);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("version: %s\n", strlen(wedge_version()) > 0 ? "set" : "empty");
  return 0;
}
