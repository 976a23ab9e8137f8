/* Globals: host-made globals imported by wasm, exported globals read and written from both
 * sides, and refused writes. */
#include "common.h"

static wasm_global_t *make_global(wasm_store_t *store, wasm_valkind_t kind, wasm_mutability_t mut,
                                  wasm_val_t v) {
  wasm_globaltype_t *t = wasm_globaltype_new(wasm_valtype_new(kind), mut);
  wasm_global_t *g = wasm_global_new(store, t, &v);
  wasm_globaltype_delete(t);
  CHECK(g != NULL);
  return g;
}

static wasm_val_t call0(wasm_func_t *f) {
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t none = WASM_EMPTY_VEC, res = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(f, &none, &res) == NULL);
  return out[0];
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (global $ci (import \"env\" \"const_i32\") i32)"
      "  (global $vf (import \"env\" \"var_f64\") (mut f64))"
      "  (global $vi (export \"var_i64\") (mut i64) (i64.const 5))"
      "  (global (export \"const_f32\") f32 (f32.const 1.5))"
      "  (func (export \"get_ci\") (result i32) (global.get $ci))"
      "  (func (export \"get_vf\") (result f64) (global.get $vf))"
      "  (func (export \"bump\") (global.set $vf (f64.add (global.get $vf) (f64.const 1)))"
      "    (global.set $vi (i64.mul (global.get $vi) (i64.const 10)))))");
  wasm_val_t i = WASM_I32_VAL(42), f = WASM_F64_VAL(0.25);
  wasm_global_t *ci = make_global(store, WASM_I32, WASM_CONST, i);
  wasm_global_t *vf = make_global(store, WASM_F64, WASM_VAR, f);
  wasm_extern_t *externs[] = {wasm_global_as_extern(ci), wasm_global_as_extern(vf)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_global_t *vi = wasm_extern_as_global(ex.data[0]);
  wasm_global_t *cf = wasm_extern_as_global(ex.data[1]);
  CHECK(vi && cf && wasm_extern_as_func(ex.data[0]) == NULL);

  printf("get_ci() = %d\n", call0(export_func(&ex, 2)).of.i32);
  printf("get_vf() = %g\n", call0(export_func(&ex, 3)).of.f64);
  wasm_val_t v;
  wasm_global_get(vi, &v);
  printf("var_i64 = %lld\n", (long long)v.of.i64);
  wasm_global_get(cf, &v);
  printf("const_f32 = %g\n", v.of.f32);

  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(export_func(&ex, 4), &none, &none) == NULL);
  wasm_global_get(vf, &v);
  printf("after bump: var_f64 = %g", v.of.f64);
  wasm_global_get(vi, &v);
  printf(", var_i64 = %lld\n", (long long)v.of.i64);

  wasm_val_t nv = WASM_F64_VAL(-3.5);
  wasm_global_set(vf, &nv);
  printf("host set var_f64: get_vf() = %g\n", call0(export_func(&ex, 3)).of.f64);
  wasm_val_t ni = WASM_I64_VAL(-9);
  CHECK(wedge_global_set(vi, &ni));
  wasm_global_get(vi, &v);
  printf("host set var_i64 = %lld\n", (long long)v.of.i64);

  /* Refused: writing a constant, writing the wrong kind. */
  wasm_val_t bad = WASM_I32_VAL(1);
  wasm_byte_vec_t msg;
  CHECK(!wedge_global_set(ci, &bad));
  wedge_last_error_message(&msg);
  printf("set const: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  CHECK(!wedge_global_set(vi, &bad));
  wedge_last_error_message(&msg);
  printf("set wrong kind: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_global_set(vi, &bad); /* the wasm.h form: ignored, value unchanged */
  wasm_global_get(vi, &v);
  printf("var_i64 still %lld\n", (long long)v.of.i64);
  wasm_globaltype_t *t = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
  CHECK(wasm_global_new(store, t, &f) == NULL);
  wasm_globaltype_delete(t);

  wasm_globaltype_t *gt = wasm_global_type(vi);
  printf("type of var_i64: %s, kind %d\n", wasm_globaltype_mutability(gt) == WASM_VAR ? "var" : "const",
         wasm_valtype_kind(wasm_globaltype_content(gt)));
  wasm_globaltype_delete(gt);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_global_delete(ci);
  wasm_global_delete(vf);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
