/* Helpers shared by the C API test programs. */
#ifndef WEDGE_TEST_COMMON_H
#define WEDGE_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wedge.h>

/* Stops the program with a message when a condition fails. */
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      exit(1);                                                                   \
    }                                                                            \
  } while (0)

/* The engine of a test: the default one, or the interpreter when WEDGE_TEST_INTERPRET=1
 * (the valgrind run sets it: valgrind cannot hand compiled code's trap signals back). */
static inline wasm_engine_t *test_engine(void) {
  const char *interp = getenv("WEDGE_TEST_INTERPRET");
  if (!interp || strcmp(interp, "1") != 0) return wasm_engine_new();
  wasm_config_t *config = wasm_config_new();
  CHECK(wedge_config_strategy(config, WEDGE_STRATEGY_INTERPRETER));
  return wasm_engine_new_with_config(config);
}

/* Compiles a module from WebAssembly text; exits with the error if it fails. */
static inline wasm_module_t *compile_wat(wasm_store_t *store, const char *wat) {
  wasm_byte_vec_t binary;
  wedge_error_t *err = wedge_wat2wasm(wat, strlen(wat), &binary);
  if (err) {
    wasm_byte_vec_t msg;
    wedge_error_message(err, &msg);
    fprintf(stderr, "wat: %s\n", msg.data);
    wasm_byte_vec_delete(&msg);
    wedge_error_delete(err);
    exit(1);
  }
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  return module;
}

/* Prints a trap's message on its own line with a prefix, then deletes the trap. */
static inline void print_trap(const char *prefix, wasm_trap_t *trap) {
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  printf("%s: %s\n", prefix, msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
}

/* Prints a name vector (not NUL-terminated). */
static inline void print_name(const wasm_name_t *name) {
  printf("%.*s", (int)name->size, name->data);
}

/* The export at index i of an instance's exports, as a function. */
static inline wasm_func_t *export_func(const wasm_extern_vec_t *exports, size_t i) {
  CHECK(i < exports->size);
  wasm_func_t *f = wasm_extern_as_func(exports->data[i]);
  CHECK(f != NULL);
  return f;
}

#endif
