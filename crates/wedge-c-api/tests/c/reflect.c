/* Reflection: a module's imports and exports with their types and limits, and the current
 * types of an instance's exports. */
#include "common.h"

static const char *kind_name(wasm_valkind_t k) {
  switch (k) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WEDGE_V128: return "v128";
    case WASM_EXTERNREF: return "externref";
    case WASM_FUNCREF: return "funcref";
    case WEDGE_ANYREF: return "anyref";
    case WEDGE_EXNREF: return "exnref";
    default: return "?";
  }
}

static void print_valtypes(const wasm_valtype_vec_t *v) {
  printf("(");
  for (size_t i = 0; i < v->size; i++) printf("%s%s", i ? " " : "", kind_name(wasm_valtype_kind(v->data[i])));
  printf(")");
}

static void print_limits(const wasm_limits_t *l) {
  if (l->max == wasm_limits_max_default)
    printf("min %u, no max", l->min);
  else
    printf("min %u, max %u", l->min, l->max);
}

static void print_externtype(const wasm_externtype_t *t) {
  switch (wasm_externtype_kind(t)) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t *f = wasm_externtype_as_functype_const(t);
      CHECK(wasm_externtype_as_globaltype_const(t) == NULL);
      printf("func ");
      print_valtypes(wasm_functype_params(f));
      printf(" -> ");
      print_valtypes(wasm_functype_results(f));
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t *g = wasm_externtype_as_globaltype_const(t);
      printf("global %s %s", wasm_globaltype_mutability(g) == WASM_VAR ? "var" : "const",
             kind_name(wasm_valtype_kind(wasm_globaltype_content(g))));
      break;
    }
    case WASM_EXTERN_TABLE: {
      const wasm_tabletype_t *tt = wasm_externtype_as_tabletype_const(t);
      printf("table %s, ", kind_name(wasm_valtype_kind(wasm_tabletype_element(tt))));
      print_limits(wasm_tabletype_limits(tt));
      break;
    }
    case WASM_EXTERN_MEMORY: {
      const wasm_memorytype_t *m = wasm_externtype_as_memorytype_const(t);
      printf("memory ");
      print_limits(wasm_memorytype_limits(m));
      break;
    }
    case WASM_EXTERN_TAG: {
      const wasm_tagtype_t *tag = wasm_externtype_as_tagtype_const(t);
      printf("tag ");
      print_valtypes(wasm_functype_params(wasm_tagtype_functype(tag)));
      break;
    }
  }
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_module_t *module = compile_wat(store,
      "(module"
      "  (import \"env\" \"f\" (func (param i32 f64) (result i64)))"
      "  (import \"env\" \"g\" (global (mut f32)))"
      "  (import \"env\" \"t\" (table 1 10 funcref))"
      "  (import \"env\" \"m\" (memory 2))"
      "  (import \"env\" \"e\" (tag (param i32 i64)))"
      "  (func (export \"func\") (param externref funcref) (result i32 i32) (i32.const 1) (i32.const 2))"
      "  (global (export \"global\") i64 (i64.const 7))"
      "  (table (export \"table\") 3 externref)"
      "  (memory (export \"memory\") 1 5)"
      "  (tag (export \"tag\") (param f32))"
      "  (export \"f-again\" (func 0)))");

  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  printf("%zu imports:\n", imports.size);
  for (size_t i = 0; i < imports.size; i++) {
    printf("  ");
    print_name(wasm_importtype_module(imports.data[i]));
    printf(".");
    print_name(wasm_importtype_name(imports.data[i]));
    printf(": ");
    print_externtype(wasm_importtype_type(imports.data[i]));
    printf("\n");
  }
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  printf("%zu exports:\n", exports.size);
  for (size_t i = 0; i < exports.size; i++) {
    printf("  ");
    print_name(wasm_exporttype_name(exports.data[i]));
    printf(": ");
    print_externtype(wasm_exporttype_type(exports.data[i]));
    printf("\n");
  }

  /* Copies are deep and equal in content. */
  wasm_importtype_vec_t copy;
  wasm_importtype_vec_copy(&copy, &imports);
  CHECK(copy.size == imports.size && copy.data[0] != imports.data[0]);
  printf("copy of import 0: ");
  print_externtype(wasm_importtype_type(copy.data[0]));
  printf("\n");
  wasm_importtype_vec_delete(&copy);

  /* Types made by the host. */
  wasm_limits_t limits = {4, wasm_limits_max_default};
  wasm_memorytype_t *mt = wasm_memorytype_new(&limits);
  wasm_externtype_t *et = wasm_memorytype_as_externtype(mt);
  printf("made: ");
  print_externtype(et);
  printf("\n");
  wasm_name_t mod_name, field_name;
  wasm_name_new_from_string(&mod_name, "host");
  wasm_name_new_from_string(&field_name, "mem");
  wasm_importtype_t *it = wasm_importtype_new(&mod_name, &field_name, wasm_externtype_copy(et));
  printf("made import: ");
  print_name(wasm_importtype_module(it));
  printf(".");
  print_name(wasm_importtype_name(it));
  printf("\n");
  wasm_importtype_delete(it);
  wasm_memorytype_delete(mt);
  wasm_valtype_vec_t params;
  wasm_valtype_vec_new_uninitialized(&params, 2);
  params.data[0] = wasm_valtype_new(WASM_I64);
  params.data[1] = wasm_valtype_new(WASM_EXTERNREF);
  wasm_valtype_vec_t results;
  wasm_valtype_vec_new_empty(&results);
  wasm_tagtype_t *tag = wasm_tagtype_new(wasm_functype_new(&params, &results));
  printf("made: ");
  print_externtype(wasm_tagtype_as_externtype(tag));
  printf("\n");
  wasm_tagtype_delete(tag);
  CHECK(wasm_tagtype_new(wasm_functype_new_0_1(wasm_valtype_new_i32())) == NULL);
  CHECK(wasm_valtype_new(77) == NULL);
  wasm_valtype_t *bad_elem = wasm_valtype_new_i32();
  CHECK(wasm_tabletype_new(bad_elem, &limits) == NULL);

  /* Current types of exports from an instance: the imports it needs come from the host. */
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(module);
  module = compile_wat(store,
      "(module (memory (export \"memory\") 1 5) (table (export \"table\") 2 funcref)"
      "  (func (export \"grow\") (drop (memory.grow (i32.const 2)))))");
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ext;
  wasm_instance_exports(instance, &ext);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(wasm_extern_as_func(ext.data[2]), &none, &none) == NULL);
  for (size_t i = 0; i < ext.size; i++) {
    wasm_externtype_t *t = wasm_extern_type(ext.data[i]);
    CHECK(wasm_extern_kind(ext.data[i]) == wasm_externtype_kind(t));
    printf("instance export %zu: ", i);
    print_externtype(t);
    printf("\n");
    wasm_externtype_delete(t);
  }
  wasm_extern_vec_delete(&ext);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
