/* Multiple values: a host function with several results called from wasm, and an export
 * with several results called from the host. */
#include "common.h"

/* swap3(i32, i64, f32, f64) -> (f64, f32, i64, i32) */
static wasm_trap_t *reverse_cb(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  printf("host got %d %lld %g %g\n", args->data[0].of.i32, (long long)args->data[1].of.i64,
         args->data[2].of.f32, args->data[3].of.f64);
  for (size_t i = 0; i < 4; i++) results->data[i] = args->data[3 - i];
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (import \"host\" \"reverse\" (func $rev (param i32 i64 f32 f64) (result f64 f32 i64 i32)))"
      "  (func (export \"run\") (param i32 i64 f32 f64) (result i32 i64 f32 f64)"
      "    (local $a f64) (local $b f32) (local $c i64) (local $d i32)"
      "    (call $rev (local.get 0) (local.get 1) (local.get 2) (local.get 3))"
      "    (local.set $d) (local.set $c) (local.set $b) (local.set $a)"
      "    (i32.add (local.get $d) (i32.const 1)) (i64.add (local.get $c) (i64.const 1))"
      "    (f32.add (local.get $b) (f32.const 1)) (f64.add (local.get $a) (f64.const 1))))");
  wasm_valtype_t *ps[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_f32(),
                           wasm_valtype_new_f64()};
  wasm_valtype_t *rs[4] = {wasm_valtype_new_f64(), wasm_valtype_new_f32(), wasm_valtype_new_i64(),
                           wasm_valtype_new_i32()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 4, ps);
  wasm_valtype_vec_new(&results, 4, rs);
  wasm_functype_t *ty = wasm_functype_new(&params, &results);
  wasm_func_t *rev = wasm_func_new(store, ty, reverse_cb);
  wasm_functype_delete(ty);
  wasm_extern_t *imp[] = {wasm_func_as_extern(rev)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_func_t *run = export_func(&ex, 0);
  printf("run takes %zu and returns %zu values\n", wasm_func_param_arity(run), wasm_func_result_arity(run));

  wasm_val_t in[4] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_F32_VAL(3.5f), WASM_F64_VAL(4.25)};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec;
  wasm_val_vec_new_uninitialized(&out_vec, 4);
  CHECK(wasm_func_call(run, &in_vec, &out_vec) == NULL);
  printf("run returned %d %lld %g %g\n", out_vec.data[0].of.i32, (long long)out_vec.data[1].of.i64,
         out_vec.data[2].of.f32, out_vec.data[3].of.f64);
  wasm_val_vec_t copy;
  wasm_val_vec_copy(&copy, &out_vec);
  printf("copied: kinds %d %d %d %d\n", copy.data[0].kind, copy.data[1].kind, copy.data[2].kind, copy.data[3].kind);
  wasm_val_vec_delete(&copy);
  wasm_val_vec_delete(&out_vec);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_func_delete(rev);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
