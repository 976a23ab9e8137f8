/* Serialize and deserialize: AOT files with native code, loaded without compiling again in
 * the engine that wrote them, compiled again elsewhere, refused when damaged. */
#include "common.h"

static int32_t fib(wasm_store_t *store, wasm_module_t *module, int32_t n) {
  wasm_instance_t *instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_val_t in[1] = {WASM_I32_VAL(n)}, out[1] = {WASM_INIT_VAL};
  wasm_val_vec_t in_vec = WASM_ARRAY_VEC(in), out_vec = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(export_func(&ex, 0), &in_vec, &out_vec) == NULL);
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  return out[0].of.i32;
}

static const char *WAT =
    "(module (func $fib (export \"fib\") (param i32) (result i32)"
    "  (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))"
    "    (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
    "                   (call $fib (i32.sub (local.get 0) (i32.const 2))))))))";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  printf("engine compiles: %s\n", wedge_engine_compiles(engine) ? "yes" : "no");
  wasm_module_t *module = compile_wat(store, WAT);
  wasm_byte_vec_t file;
  wasm_module_serialize(module, &file);
  printf("serialized: starts with the wasm magic: %s, larger than the module: %s\n",
         file.size > 8 && memcmp(file.data, "\0asm", 4) == 0 ? "yes" : "no", file.size > 200 ? "yes" : "no");

  wasm_module_t *loaded = wasm_module_deserialize(store, &file);
  CHECK(loaded != NULL);
  wasm_byte_vec_t warning;
  printf("deserialized: native %s, warning %s\n", wedge_module_is_native(loaded) ? "yes" : "no",
         wedge_module_native_code_warning(loaded, &warning) ? "yes" : "no");
  wasm_byte_vec_delete(&warning);
  printf("fib(20) = %d\n", fib(store, loaded, 20));
  CHECK(!wasm_module_same(loaded, module));

  /* Exports survive the round trip. */
  wasm_exporttype_vec_t exports;
  wasm_module_exports(loaded, &exports);
  printf("exports: %zu, first: ", exports.size);
  print_name(wasm_exporttype_name(exports.data[0]));
  printf("\n");
  wasm_exporttype_vec_delete(&exports);

  /* Another engine with another key compiles the file again, with a warning. */
  wasm_config_t *config = wasm_config_new();
  uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  wedge_config_native_code_key(config, key);
  wasm_engine_t *other_engine = wasm_engine_new_with_config(config);
  wasm_store_t *other = wasm_store_new(other_engine);
  wasm_module_t *recompiled = wasm_module_deserialize(other, &file);
  CHECK(recompiled != NULL);
  printf("other key: warning %s\n", wedge_module_native_code_warning(recompiled, &warning) ? "yes" : "no");
  wasm_byte_vec_delete(&warning);
  printf("fib(15) there = %d\n", fib(other, recompiled, 15));
  wasm_module_delete(recompiled);
  wasm_store_delete(other);
  wasm_engine_delete(other_engine);

  /* A changed module makes the stored native code unusable: `(i32.const 2)` in the body
   * becomes `(i32.const 3)`, and the changed program is what runs. */
  size_t at = 0;
  for (size_t i = 8; i + 1 < file.size && i < 200; i++)
    if ((unsigned char)file.data[i] == 0x41 && file.data[i + 1] == 2) { at = i + 1; break; }
  CHECK(at != 0);
  file.data[at] = 3;
  wasm_module_t *changed = wasm_module_deserialize(store, &file);
  CHECK(changed != NULL);
  printf("changed module: warning %s, fib'(10) = %d\n",
         wedge_module_native_code_warning(changed, &warning) ? "yes" : "no", fib(store, changed, 10));
  wasm_byte_vec_delete(&warning);
  wasm_module_delete(changed);
  wasm_byte_vec_delete(&file);
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 3, "abc");
  printf("junk: %s\n", wasm_module_deserialize(store, &junk) ? "loaded" : "refused");
  wasm_byte_vec_delete(&junk);

  /* The interpreter has no native code to write: wedge_module_serialize says so and
   * wasm_module_serialize writes the plain module. */
  config = wasm_config_new();
  wedge_config_strategy(config, WEDGE_STRATEGY_INTERPRETER);
  wasm_engine_t *interp = wasm_engine_new_with_config(config);
  wasm_module_t *im = NULL;
  wedge_error_t *err = wedge_module_new(interp, (const uint8_t *)WAT, strlen(WAT), &im);
  CHECK(err == NULL && im != NULL);
  wasm_byte_vec_t bytes;
  err = wedge_module_serialize(im, &bytes);
  CHECK(err != NULL);
  wasm_byte_vec_t msg;
  wedge_error_message(err, &msg);
  printf("interpreter serialize: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  wedge_error_delete(err);
  wasm_module_serialize(im, &bytes);
  wasm_store_t *istore = wasm_store_new(interp);
  wasm_module_t *plain = wasm_module_deserialize(istore, &bytes);
  printf("plain module round trip: fib(10) = %d\n", fib(istore, plain, 10));
  wasm_module_delete(plain);
  wasm_byte_vec_delete(&bytes);
  wasm_module_delete(im);
  wasm_store_delete(istore);
  wasm_engine_delete(interp);

  wasm_module_delete(loaded);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
