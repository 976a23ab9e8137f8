/* GDB's JIT interface through the C API: with wedge_config_debug_info, a compiled module's
 * code is in the list __jit_debug_descriptor heads (an ELF object) until the module is
 * deleted; the interpreter (the valgrind run) registers nothing. The first argument is the
 * number of entries a module should add. */
#include <stdint.h>
#include "common.h"

/* The interface's list entry and descriptor (layout fixed by GDB's JIT interface). */
struct jit_code_entry {
  struct jit_code_entry *next_entry, *prev_entry;
  const char *symfile_addr;
  uint64_t symfile_size;
};
struct jit_descriptor {
  uint32_t version, action_flag;
  struct jit_code_entry *relevant_entry, *first_entry;
};
extern struct jit_descriptor __jit_debug_descriptor;

/* Entries in the list; checks each is an ELF file. */
static int entries(void) {
  int n = 0;
  for (struct jit_code_entry *e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) {
    CHECK(e->symfile_size > 4 && memcmp(e->symfile_addr, "\177ELF", 4) == 0);
    n++;
  }
  return n;
}

int main(int argc, char **argv) {
  CHECK(argc == 2 && argv[1][0] != 0);
  const char *interp = getenv("WEDGE_TEST_INTERPRET");
  wasm_config_t *config = wasm_config_new();
  if (interp && strcmp(interp, "1") == 0) wedge_config_strategy(config, WEDGE_STRATEGY_INTERPRETER);
  wedge_config_debug_info(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasm_store_t *store = wasm_store_new(engine);
  printf("version %u, before: %d\n", __jit_debug_descriptor.version, entries());
  wasm_module_t *module = compile_wat(store, "(module (func (export \"f\")))");
  printf("with a module: %d\n", entries());
  wasm_module_delete(module);
  printf("after delete: %d\n", entries());
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
