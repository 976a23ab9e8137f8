/* Tables: get, set, grow and size from the host, call_indirect through entries the host
 * set (wasm and host functions), host-made tables. */
#include "common.h"

static wasm_trap_t *seven_cb(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 7 * args->data[0].of.i32;
  return NULL;
}

static wasm_trap_t *call_at(wasm_func_t *call, int32_t index, int32_t arg, int32_t *result) {
  wasm_val_t in[2] = {WASM_I32_VAL(arg), WASM_I32_VAL(index)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec = WASM_ARRAY_VEC(out);
  wasm_trap_t *trap = wasm_func_call(call, &in_vec, &out_vec);
  *result = out[0].of.i32;
  return trap;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (type $t (func (param i32) (result i32)))"
      "  (table (export \"table\") 2 10 funcref)"
      "  (elem (i32.const 1) $double)"
      "  (func $double (export \"double\") (type $t) (i32.mul (local.get 0) (i32.const 2)))"
      "  (func $neg (export \"neg\") (type $t) (i32.sub (i32.const 0) (local.get 0)))"
      "  (func (export \"call\") (param i32 i32) (result i32)"
      "    (call_indirect (type $t) (local.get 0) (local.get 1)))"
      "  (func (export \"size\") (result i32) (table.size)))");
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_table_t *table = wasm_extern_as_table(ex.data[0]);
  wasm_func_t *dbl = export_func(&ex, 1), *neg = export_func(&ex, 2), *call = export_func(&ex, 3);
  int32_t r;

  printf("size %u\n", wasm_table_size(table));
  wasm_ref_t *e0 = wasm_table_get(table, 0), *e1 = wasm_table_get(table, 1);
  printf("entry 0 is %s, entry 1 is %s\n", e0 ? "set" : "null",
         e1 && wasm_func_same(wasm_ref_as_func(e1), dbl) ? "double" : "?");
  wasm_ref_delete(e1);
  CHECK(call_at(call, 1, 21, &r) == NULL);
  printf("call_indirect 1 (21) = %d\n", r);
  print_trap("call_indirect 0", call_at(call, 0, 1, &r));
  print_trap("call_indirect 5", call_at(call, 5, 1, &r));

  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(neg)));
  CHECK(call_at(call, 0, 5, &r) == NULL);
  printf("after set 0 = neg: call_indirect 0 (5) = %d\n", r);

  wasm_functype_t *ty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *seven = wasm_func_new(store, ty, seven_cb);
  wasm_functype_delete(ty);
  CHECK(wasm_table_grow(table, 3, wasm_func_as_ref(seven)));
  printf("grew by 3: size %u\n", wasm_table_size(table));
  CHECK(call_at(call, 4, 6, &r) == NULL);
  printf("call_indirect 4 (host seven, 6) = %d\n", r);
  CHECK(wasm_table_set(table, 4, NULL));
  print_trap("call_indirect 4 after clearing", call_at(call, 4, 6, &r));
  printf("set out of bounds: %s\n", wasm_table_set(table, 5, wasm_func_as_ref(neg)) ? "ok" : "refused");
  printf("get out of bounds: %s\n", wasm_table_get(table, 5) == NULL ? "null" : "?");
  printf("grow past max: %s\n", wasm_table_grow(table, 6, NULL) ? "ok" : "refused");
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t out_vec = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(export_func(&ex, 4), &none, &out_vec) == NULL);
  printf("table.size from wasm = %d\n", out[0].of.i32);

  /* A function of the wrong type in the table traps at call_indirect. */
  wasm_functype_t *t0 = wasm_functype_new_0_0();
  wasm_func_t *nothing = wasm_func_new(store, t0, NULL);
  wasm_functype_delete(t0);
  CHECK(wasm_table_set(table, 2, wasm_func_as_ref(nothing)));
  print_trap("call_indirect 2 (wrong type)", call_at(call, 2, 1, &r));

  /* A host-made externref table. */
  wasm_limits_t limits = {2, 4};
  wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_externref(), &limits);
  wasm_foreign_t *foreign = wasm_foreign_new(store);
  wasm_table_t *ht = wasm_table_new(store, tt, wasm_foreign_as_ref(foreign));
  CHECK(ht != NULL);
  wasm_ref_t *got = wasm_table_get(ht, 1);
  printf("host table: size %u, entry 1 is the foreign object: %s\n", wasm_table_size(ht),
         wasm_ref_same(got, wasm_foreign_as_ref(foreign)) ? "yes" : "no");
  wasm_ref_delete(got);
  printf("funcref into an externref table: %s\n", wasm_table_set(ht, 0, wasm_func_as_ref(neg)) ? "stored" : "refused");
  wasm_tabletype_t *ft = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
  printf("foreign into a funcref table: %s\n",
         wasm_table_new(store, ft, wasm_foreign_as_ref(foreign)) ? "made" : "refused");
  wasm_tabletype_delete(ft);
  wasm_tabletype_delete(tt);
  wasm_tabletype_t *type = wasm_table_type(ht);
  printf("host table type: min %u max %u\n", wasm_tabletype_limits(type)->min, wasm_tabletype_limits(type)->max);
  wasm_tabletype_delete(type);

  wasm_table_delete(ht);
  wasm_foreign_delete(foreign);
  wasm_ref_delete(e0);
  wasm_func_delete(seven);
  wasm_func_delete(nothing);
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
