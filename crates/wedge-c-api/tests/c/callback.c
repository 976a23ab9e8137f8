/* Callbacks: environments and their finalizers, host info with finalizers, callbacks that
 * re-enter wasm, and callbacks that read their caller's memory. */
#include "common.h"

typedef struct {
  const char *name;
  int calls;
  wasm_func_t *reenter_target; /* an export the callback calls back into */
} env_t;

static int env_finalized = 0;
static int info_finalized = 0;

static void finalize_env(void *p) {
  env_t *env = p;
  printf("finalize env %s after %d calls\n", env->name, env->calls);
  env_finalized++;
}

static void finalize_info(void *p) {
  printf("finalize host info %s\n", (const char *)p);
  info_finalized++;
}

/* add(a, b): counts its calls in the environment. */
static wasm_trap_t *add_cb(void *p, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  env_t *env = p;
  env->calls++;
  printf("%s(%d, %d)\n", env->name, args->data[0].of.i32, args->data[1].of.i32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32;
  return NULL;
}

/* reenter(x): calls the module's "double" export with x + 1. */
static wasm_trap_t *reenter_cb(void *p, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  env_t *env = p;
  env->calls++;
  wasm_val_t in[1] = {WASM_I32_VAL(args->data[0].of.i32 + 1)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in);
  wasm_val_vec_t out_vec = WASM_ARRAY_VEC(out);
  wasm_trap_t *trap = wasm_func_call(env->reenter_target, &in_vec, &out_vec);
  if (trap) return trap;
  printf("reenter: double(%d) = %d\n", in[0].of.i32, out[0].of.i32);
  results->data[0] = out[0];
  return NULL;
}

/* print(ptr, len): prints a string from the calling instance's memory. */
static wasm_trap_t *print_cb(void *p, wedge_caller_t *caller, const wasm_val_vec_t *args,
                             wasm_val_vec_t *results) {
  (void)p;
  (void)results;
  wasm_extern_t *mem_ext = wedge_caller_export_get(caller, "memory", 6);
  CHECK(mem_ext != NULL);
  wasm_memory_t *mem = wasm_extern_as_memory(mem_ext);
  CHECK(mem != NULL);
  const char *base = wasm_memory_data(mem);
  int32_t ptr = args->data[0].of.i32, len = args->data[1].of.i32;
  printf("guest says: %.*s\n", (int)len, base + ptr);
  CHECK(wedge_caller_export_get(caller, "nothing", 7) == NULL);
  wasm_extern_delete(mem_ext);
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (import \"host\" \"add\" (func $add (param i32 i32) (result i32)))"
      "  (import \"host\" \"reenter\" (func $reenter (param i32) (result i32)))"
      "  (import \"host\" \"print\" (func $print (param i32 i32)))"
      "  (memory (export \"memory\") 1)"
      "  (data (i32.const 16) \"hello from wasm\")"
      "  (func (export \"sum3\") (param i32 i32 i32) (result i32)"
      "    (call $add (call $add (local.get 0) (local.get 1)) (local.get 2)))"
      "  (func (export \"double\") (param i32) (result i32)"
      "    (i32.mul (local.get 0) (i32.const 2)))"
      "  (func (export \"go\") (param i32) (result i32) (call $reenter (local.get 0)))"
      "  (func (export \"speak\") (call $print (i32.const 16) (i32.const 15))))");

  env_t add_env = {"add", 0, NULL};
  env_t reenter_env = {"reenter", 0, NULL};
  wasm_functype_t *t2 = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                              wasm_valtype_new_i32());
  wasm_functype_t *t1 = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_functype_t *tp = wasm_functype_new_2_0(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *add = wasm_func_new_with_env(store, t2, add_cb, &add_env, finalize_env);
  wasm_func_t *reenter = wasm_func_new_with_env(store, t1, reenter_cb, &reenter_env, finalize_env);
  wasm_func_t *print = wedge_func_new_with_caller(store, tp, print_cb, NULL, NULL);
  wasm_functype_delete(t2);
  wasm_functype_delete(t1);
  wasm_functype_delete(tp);
  CHECK(wasm_func_param_arity(add) == 2 && wasm_func_result_arity(add) == 1);

  wasm_extern_t *externs[] = {wasm_func_as_extern(add), wasm_func_as_extern(reenter),
                              wasm_func_as_extern(print)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 5);
  wasm_func_t *sum3 = export_func(&exports, 1);
  wasm_func_t *dbl = export_func(&exports, 2);
  wasm_func_t *go = export_func(&exports, 3);
  wasm_func_t *speak = export_func(&exports, 4);
  reenter_env.reenter_target = dbl;

  wasm_val_t in[3] = {WASM_I32_VAL(1), WASM_I32_VAL(2), WASM_I32_VAL(3)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(sum3, &in_vec, &out_vec) == NULL);
  printf("sum3(1, 2, 3) = %d\n", out[0].of.i32);

  wasm_val_t g[1] = {WASM_I32_VAL(20)};
  wasm_val_vec_t g_vec = WASM_ARRAY_VEC(g);
  CHECK(wasm_func_call(go, &g_vec, &out_vec) == NULL);
  printf("go(20) = %d\n", out[0].of.i32);

  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(speak, &none, &none) == NULL);

  /* Host info belongs to the object: every handle sees it; the finalizer runs once the last
   * handle is gone. */
  wasm_func_set_host_info_with_finalizer(dbl, "double", finalize_info);
  wasm_extern_vec_t again;
  wasm_instance_exports(instance, &again);
  wasm_func_t *dbl2 = wasm_extern_as_func(again.data[2]);
  CHECK(wasm_func_same(dbl, dbl2));
  CHECK(!wasm_func_same(dbl, sum3));
  printf("host info seen through another handle: %s\n", (const char *)wasm_func_get_host_info(dbl2));
  wasm_func_t *copy = wasm_func_copy(dbl);
  wasm_extern_vec_delete(&again);
  printf("deleted one handle, finalized so far: %d\n", info_finalized);
  wasm_func_delete(copy);
  printf("deleted the copy, finalized so far: %d\n", info_finalized);
  wasm_extern_vec_delete(&exports);
  printf("deleted the last handle, finalized so far: %d\n", info_finalized);

  /* Replacing host info finalizes the old one; a module's host info too. */
  wasm_module_set_host_info_with_finalizer(module, "module v1", finalize_info);
  wasm_module_set_host_info_with_finalizer(module, "module v2", finalize_info);
  printf("module host info: %s\n", (const char *)wasm_module_get_host_info(module));

  wasm_instance_delete(instance);
  wasm_func_delete(add);
  wasm_func_delete(reenter);
  wasm_func_delete(print);
  wasm_module_delete(module);
  printf("before store delete: %d env finalizers\n", env_finalized);
  wasm_store_delete(store);
  printf("after store delete: %d env finalizers, %d host info finalizers\n", env_finalized,
         info_finalized);
  wasm_engine_delete(engine);
  return 0;
}
