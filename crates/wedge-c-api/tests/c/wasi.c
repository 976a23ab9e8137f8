/* WASI from C: a real WASI command (guest/greet.wasm, built from guest/greet.c) run on
 * plain wasm.h objects with arguments, environment, stdin bytes, a read-only preopened
 * directory and captured stdout and stderr; its exit status comes back from the trap. */
#include "common.h"

static wasm_byte_vec_t read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new_uninitialized(&bytes, (size_t)len);
  CHECK(fread(bytes.data, 1, (size_t)len, f) == (size_t)len);
  fclose(f);
  return bytes;
}

int main(void) {
  wasm_engine_t *engine = test_engine();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t binary = read_file("guest/greet.wasm");
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);

  wasi_config_t *config = wasi_config_new();
  const char *argv[] = {"greet.wasm", "one", "two words"};
  CHECK(wasi_config_set_argv(config, 3, argv));
  const char *names[] = {"GREETING"}, *values[] = {"bonjour"};
  CHECK(wasi_config_set_env(config, 1, names, values));
  wasm_byte_vec_t input;
  wasm_byte_vec_new(&input, 12, "typed input\n");
  wasi_config_set_stdin_bytes(config, &input);
  CHECK(wasi_config_preopen_dir(config, "guest/data", "/data", WASI_DIR_PERMS_READ, WASI_FILE_PERMS_READ));
  wasi_config_capture_stdout(config);
  wasi_config_capture_stderr(config);
  CHECK(wasi_store_set_config(store, config));

  wasm_extern_vec_t imports;
  CHECK(wasi_store_imports(store, module, &imports));
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL);
  wasm_extern_t *start = wedge_instance_export_get(instance, "_start", 6);
  CHECK(start != NULL);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(wasm_extern_as_func(start), &none, &none);
  int32_t status = -1;
  CHECK(trap != NULL && wasi_trap_exit_status(trap, &status));
  printf("exit status %d\n", status);
  wasm_trap_delete(trap);

  wasm_byte_vec_t out;
  wasi_store_captured_stdout(store, &out);
  printf("--- captured stdout ---\n%.*s", (int)out.size, out.data);
  wasm_byte_vec_delete(&out);
  wasi_store_captured_stderr(store, &out);
  printf("--- captured stderr ---\n%.*s", (int)out.size, out.data);
  wasm_byte_vec_delete(&out);

  /* Imports that are not WASI, and a directory that does not exist. */
  wasm_module_t *other = compile_wat(store, "(module (import \"env\" \"f\" (func)))");
  wasm_extern_vec_t none_imports;
  CHECK(!wasi_store_imports(store, other, &none_imports) && none_imports.size == 0);
  wasm_byte_vec_t msg;
  wedge_last_error_message(&msg);
  printf("non-WASI import: %s\n", msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_importtype_vec_t its;
  wasm_module_imports(module, &its);
  wasm_extern_t *bound = wasi_store_bind_import(store, its.data[0]);
  printf("binding the first import of greet.wasm: %s\n", bound ? "a WASI function" : "nothing");
  wasm_extern_delete(bound);
  wasm_importtype_vec_delete(&its);
  config = wasi_config_new();
  CHECK(wasi_config_preopen_dir(config, "no/such/dir", "/x", WASI_DIR_PERMS_READ, WASI_FILE_PERMS_READ));
  printf("missing directory: %s\n", wasi_store_set_config(store, config) ? "accepted" : "refused");
  wasm_module_delete(other);

  wasm_extern_delete(start);
  wasm_extern_vec_delete(&imports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
