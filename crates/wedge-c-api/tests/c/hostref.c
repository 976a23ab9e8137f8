/* externref and foreign objects: host references through parameters, results, globals and
 * tables keep their identity and host info; funcref values; reference casts. */
#include "common.h"

static int finalized = 0;
static void fin(void *p) {
  printf("finalize %s\n", (const char *)p);
  finalized++;
}

/* identity(r): returns its externref argument. */
static wasm_trap_t *identity_cb(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  CHECK(args->data[0].kind == WASM_EXTERNREF);
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

static wasm_ref_t *call_ref(wasm_func_t *f, wasm_ref_t *arg) {
  wasm_val_t in[1] = {WASM_REF_VAL(arg)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec = WASM_ARRAY_VEC(out);
  wasm_trap_t *trap = wasm_func_call(f, &in_vec, &out_vec);
  CHECK(trap == NULL);
  CHECK(out[0].kind == WASM_EXTERNREF || out[0].kind == WASM_FUNCREF);
  return out[0].of.ref;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (import \"host\" \"identity\" (func $id (param externref) (result externref)))"
      "  (global $g (export \"g\") (mut externref) (ref.null extern))"
      "  (table $t (export \"t\") 4 externref)"
      "  (func (export \"through_host\") (param externref) (result externref) (call $id (local.get 0)))"
      "  (func (export \"keep\") (param externref) (global.set $g (local.get 0))"
      "    (table.set $t (i32.const 2) (local.get 0)))"
      "  (func (export \"is_null\") (param externref) (result i32) (ref.is_null (local.get 0)))"
      "  (func $sq (export \"square\") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))"
      "  (func (export \"get_square\") (result funcref) (ref.func $sq))"
      "  (func (export \"call_ref\") (param funcref i32) (result i32)"
      "    (table.set $ft (i32.const 0) (local.get 0))"
      "    (call_indirect $ft (param i32) (result i32) (local.get 1) (i32.const 0)))"
      "  (table $ft 1 funcref))");
  wasm_functype_t *ty = wasm_functype_new_1_1(wasm_valtype_new_externref(), wasm_valtype_new_externref());
  wasm_func_t *identity = wasm_func_new(store, ty, identity_cb);
  wasm_functype_delete(ty);
  wasm_extern_t *imp[] = {wasm_func_as_extern(identity)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp);
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_global_t *g = wasm_extern_as_global(ex.data[0]);
  wasm_table_t *t = wasm_extern_as_table(ex.data[1]);

  wasm_foreign_t *foreign = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(foreign, "foreign A", fin);
  wasm_ref_t *ref = wasm_foreign_as_ref(foreign);
  CHECK(wasm_ref_as_foreign(ref) == foreign && wasm_ref_as_func(ref) == NULL && wasm_ref_as_trap(ref) == NULL);

  wasm_ref_t *back = call_ref(export_func(&ex, 2), ref);
  printf("through wasm and the host: same object %s, host info \"%s\"\n",
         wasm_ref_same(back, ref) ? "yes" : "no", (const char *)wasm_ref_get_host_info(back));
  CHECK(wasm_ref_as_foreign(back) != NULL);
  wasm_ref_delete(back);

  /* Kept in a global and a table by wasm. */
  wasm_val_t in[1] = {WASM_REF_VAL(ref)};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(export_func(&ex, 3), &in_vec, &none) == NULL);
  wasm_val_t gv;
  wasm_global_get(g, &gv);
  printf("global holds it: %s\n", wasm_ref_same(gv.of.ref, ref) ? "yes" : "no");
  wasm_val_delete(&gv);
  wasm_ref_t *te = wasm_table_get(t, 2);
  printf("table holds it: %s\n", wasm_ref_same(te, ref) ? "yes" : "no");
  wasm_ref_delete(te);

  /* Null references. */
  wasm_val_t null_in[1] = {WASM_REF_VAL(NULL)};
  wasm_val_t out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t null_vec = WASM_ARRAY_VEC(null_in), out_vec = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(export_func(&ex, 4), &null_vec, &out_vec) == NULL);
  printf("is_null(null) = %d\n", out[0].of.i32);
  CHECK(wasm_func_call(export_func(&ex, 4), &in_vec, &out_vec) == NULL);
  printf("is_null(foreign) = %d\n", out[0].of.i32);

  /* Any handle can travel as externref and come back as itself. */
  wasm_func_t *square = export_func(&ex, 5);
  wasm_ref_t *fback = call_ref(export_func(&ex, 2), wasm_func_as_ref(square));
  printf("a function as externref comes back as itself: %s\n",
         wasm_ref_as_func(fback) && wasm_func_same(wasm_ref_as_func(fback), square) ? "yes" : "no");
  wasm_ref_delete(fback);

  /* funcref values out of and into wasm. */
  wasm_val_t fr[1] = {WASM_INIT_VAL};
  wasm_val_vec_t fr_vec = WASM_ARRAY_VEC(fr);
  CHECK(wasm_func_call(export_func(&ex, 6), &none, &fr_vec) == NULL);
  CHECK(fr[0].kind == WASM_FUNCREF);
  wasm_func_t *got = wasm_ref_as_func(fr[0].of.ref);
  printf("get_square returned square: %s\n", wasm_func_same(got, square) ? "yes" : "no");
  wasm_val_t sq_in[1] = {WASM_I32_VAL(9)};
  wasm_val_vec_t sq_vec = WASM_ARRAY_VEC(sq_in);
  CHECK(wasm_func_call(got, &sq_vec, &out_vec) == NULL);
  printf("calling it: square(9) = %d\n", out[0].of.i32);
  wasm_val_t cr_in[2] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(square)}}, WASM_I32_VAL(12)};
  wasm_val_vec_t cr_vec = WASM_ARRAY_VEC(cr_in);
  CHECK(wasm_func_call(export_func(&ex, 7), &cr_vec, &out_vec) == NULL);
  printf("call_ref(square, 12) = %d\n", out[0].of.i32);
  wasm_val_delete(&fr[0]);
  wasm_val_t bad[2] = {{.kind = WASM_FUNCREF, .of = {.ref = ref}}, WASM_I32_VAL(1)};
  wasm_val_vec_t bad_vec = WASM_ARRAY_VEC(bad);
  print_trap("a foreign object as funcref", wasm_func_call(export_func(&ex, 7), &bad_vec, &out_vec));

  /* Copies and host info: the finalizer waits for the last handle; the store still holds
   * the object (in a global and a table), so it runs when the store goes. */
  wasm_foreign_t *other = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(other, "foreign B", fin);
  wasm_foreign_t *other_copy = wasm_foreign_copy(other);
  CHECK(wasm_foreign_same(other, other_copy) && !wasm_foreign_same(other, foreign));
  wasm_foreign_delete(other);
  printf("finalized after deleting one of two handles of B: %d\n", finalized);
  wasm_foreign_delete(other_copy);
  printf("finalized after deleting the last handle of B: %d\n", finalized);

  wasm_foreign_delete(foreign);
  printf("finalized after deleting the handle of A: %d\n", finalized);
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_func_delete(identity);
  wasm_module_delete(module);
  wasm_store_delete(store);
  printf("finalized after deleting the store: %d\n", finalized);
  wasm_engine_delete(engine);
  return 0;
}
