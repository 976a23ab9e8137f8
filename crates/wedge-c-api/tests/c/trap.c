/* Traps: messages, frames (function index, offsets, instance, names) in both tiers, with the
 * same offsets in each, host traps, and bad calls from the host (wrong argument count or
 * types, invalid modules). */
#include "common.h"

static const char *WAT =
    "(module $traps"
    "  (import \"host\" \"fail\" (func $fail))"
    "  (func $inner (export \"inner\") unreachable)"
    "  (func $outer (export \"outer\") nop call $inner)"
    "  (func $div (export \"div\") (param i32 i32) (result i32)"
    "    (i32.div_s (local.get 0) (local.get 1)))"
    "  (func $calls_host (export \"calls_host\") call $fail))";

static wasm_trap_t *fail_cb(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)args;
  (void)results;
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "the host says no");
  wasm_trap_t *trap = wasm_trap_new((wasm_store_t *)env, &msg);
  wasm_name_delete(&msg);
  return trap;
}

static void print_frames(wasm_trap_t *trap, wasm_instance_t *instance) {
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  printf("  %zu frames\n", trace.size);
  for (size_t i = 0; i < trace.size; i++) {
    wasm_frame_t *f = trace.data[i];
    wasm_name_t name;
    wedge_frame_func_name(f, &name);
    printf("  frame %zu: func %u ", i, wasm_frame_func_index(f));
    print_name(&name);
    wasm_name_delete(&name);
    printf(" at func offset %zu, module offset 0x%zx", wasm_frame_func_offset(f),
           wasm_frame_module_offset(f));
    printf(", same instance: %s\n", wasm_instance_same(wasm_frame_instance(f), instance) ? "yes" : "no");
  }
  wasm_frame_t *origin = wasm_trap_origin(trap);
  if (origin) {
    CHECK(wasm_frame_func_index(origin) == wasm_frame_func_index(trace.data[0]));
    wasm_frame_t *copy = wasm_frame_copy(origin);
    CHECK(wasm_frame_module_offset(copy) == wasm_frame_module_offset(origin));
    wasm_frame_delete(copy);
    wasm_frame_delete(origin);
  } else {
    CHECK(trace.size == 0);
  }
  wasm_frame_vec_delete(&trace);
}

static void run_tier(uint8_t strategy, const char *tier) {
  printf("%s:\n", tier);
  wasm_config_t *config = wasm_config_new();
  const char *interp = getenv("WEDGE_TEST_INTERPRET");
  CHECK(wedge_config_strategy(config, interp && strcmp(interp, "1") == 0 ? WEDGE_STRATEGY_INTERPRETER : strategy));
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store, WAT);
  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasm_func_t *fail = wasm_func_new_with_env(store, ty, fail_cb, store, NULL);
  wasm_functype_delete(ty);
  wasm_extern_t *externs[] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_trap_t *trap = wasm_func_call(export_func(&exports, 1), &none, &none);
  CHECK(trap != NULL);
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  printf("outer: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  print_frames(trap, instance);
  wasm_trap_delete(trap);

  wasm_val_t args[2] = {WASM_I32_VAL(7), WASM_I32_VAL(0)};
  wasm_val_t res[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args_vec = WASM_ARRAY_VEC(args), res_vec = WASM_ARRAY_VEC(res);
  trap = wasm_func_call(export_func(&exports, 2), &args_vec, &res_vec);
  CHECK(trap != NULL);
  wasm_trap_message(trap, &msg);
  printf("div: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  print_frames(trap, instance);
  wasm_trap_delete(trap);

  trap = wasm_func_call(export_func(&exports, 3), &none, &none);
  CHECK(trap != NULL);
  wasm_trap_message(trap, &msg);
  printf("calls_host: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  print_frames(trap, instance);
  wasm_trap_delete(trap);

  /* The store still works after traps. */
  args[1].of.i32 = 2;
  CHECK(wasm_func_call(export_func(&exports, 2), &args_vec, &res_vec) == NULL);
  printf("div(7, 2) = %d\n", res[0].of.i32);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

/* Host misuse gives errors with messages, never an abort. */
static void bad_input(void) {
  printf("bad input:\n");
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 8, "\0asm\x02\0\0\0");
  CHECK(!wasm_module_validate(store, &junk));
  CHECK(wasm_module_new(store, &junk) == NULL);
  wasm_byte_vec_t msg;
  CHECK(wedge_last_error_message(&msg));
  printf("wasm_module_new failed: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_byte_vec_delete(&junk);

  wasm_module_t *module = compile_wat(store,
      "(module (func (export \"add\") (param i32 i32) (result i32)"
      "  (i32.add (local.get 0) (local.get 1))))");
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t *add = export_func(&exports, 0);
  wasm_val_t one[1] = {WASM_I32_VAL(1)};
  wasm_val_t two_bad[2] = {WASM_I32_VAL(1), WASM_I64_VAL(2)};
  wasm_val_t two[2] = {WASM_I32_VAL(1), WASM_I32_VAL(2)};
  wasm_val_t res[1] = {WASM_INIT_VAL};
  wasm_val_vec_t one_vec = WASM_ARRAY_VEC(one), bad_vec = WASM_ARRAY_VEC(two_bad),
                 two_vec = WASM_ARRAY_VEC(two), res_vec = WASM_ARRAY_VEC(res), none = WASM_EMPTY_VEC;
  print_trap("one argument", wasm_func_call(add, &one_vec, &res_vec));
  print_trap("an i64 argument", wasm_func_call(add, &bad_vec, &res_vec));
  print_trap("no room for results", wasm_func_call(add, &two_vec, &none));
  CHECK(wasm_func_call(add, &two_vec, &res_vec) == NULL);
  printf("add(1, 2) = %d\n", res[0].of.i32);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  run_tier(WEDGE_STRATEGY_INTERPRETER, "interpreter");
  run_tier(WEDGE_STRATEGY_AUTO, "default tier");
  bad_input();
  return 0;
}
