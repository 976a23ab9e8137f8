/*
 * wedge_plugin.h: the C ABI of Wedge plugins (shared libraries that add host modules).
 *
 * A plugin exports one function, `wedge_plugin_get_descriptor`, returning a pointer to a
 * descriptor that lives as long as the library is loaded. The descriptor names the plugin,
 * its version, the ABI version it was built for, and the host modules it provides; each
 * module lists its functions with their wasm types and a callback.
 *
 * A callback receives the `env` pointer given in its function entry, the caller (through
 * which it reaches the calling instance's exported memory), the arguments and room for the
 * results. It returns NULL on success, or a NUL-terminated message to trap the guest with;
 * the host copies the message at once, so a static string or a thread-local buffer will do.
 *
 * Callbacks may run on any thread, and concurrently for different stores.
 *
 * ABI version 2 added the caller's `store` and the descriptor's optional `store_dropped`, so
 * a plugin can free what a store's guests left behind when that store ends (an instance
 * that never unloaded its models, say). Plugins built for version 1 must be rebuilt.
 */
#ifndef WEDGE_PLUGIN_H
#define WEDGE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; a host refuses a descriptor of an unknown one. */
#define WEDGE_PLUGIN_ABI_VERSION 2u

/* The name of the symbol every plugin exports. */
#define WEDGE_PLUGIN_DESCRIPTOR_SYMBOL "wedge_plugin_get_descriptor"

/* Wasm value types a plugin function may take or return. */
typedef enum wedge_valkind {
  WEDGE_I32 = 0,
  WEDGE_I64 = 1,
  WEDGE_F32 = 2,
  WEDGE_F64 = 3
} wedge_valkind;

/* One wasm value: `kind` is a wedge_valkind; the matching union member holds the value. */
typedef struct wedge_val {
  uint8_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  } of;
} wedge_val;

/* The caller of a host function, valid only during the callback. */
typedef struct wedge_plugin_caller wedge_plugin_caller;
struct wedge_plugin_caller {
  /* Host-private. */
  void *host;
  /* The base of the calling instance's exported memory named "memory", with its length in
   * bytes stored to *len; NULL (and *len = 0) when the instance exports no such memory. The
   * pointer stays valid until the callback returns. */
  uint8_t *(*memory)(wedge_plugin_caller *caller, size_t *len);
  /* The calling store: unique among the process's stores, never reused (ABI >= 2). */
  uint64_t store;
};

/* A host function's implementation: NULL on success, or a message to trap with. */
typedef const char *(*wedge_plugin_callback)(void *env, wedge_plugin_caller *caller,
                                             const wedge_val *args, wedge_val *results);

/* One host function. `params` and `results` are arrays of wedge_valkind bytes. */
typedef struct wedge_plugin_function {
  const char *name;
  const uint8_t *params;
  uint32_t param_count;
  const uint8_t *results;
  uint32_t result_count;
  wedge_plugin_callback callback;
  void *env;
} wedge_plugin_function;

/* One host module: the import module name and its functions. */
typedef struct wedge_plugin_module {
  const char *name;
  const wedge_plugin_function *functions;
  uint32_t function_count;
} wedge_plugin_module;

/* What a plugin provides. */
typedef struct wedge_plugin_descriptor {
  uint32_t abi_version; /* WEDGE_PLUGIN_ABI_VERSION */
  const char *name;
  const char *version;
  const wedge_plugin_module *modules;
  uint32_t module_count;
  /* ABI >= 2, optional (NULL): called once when a store that called any of the plugin's
   * functions is dropped, with that store's number (see wedge_plugin_caller.store). */
  void (*store_dropped)(uint64_t store);
} wedge_plugin_descriptor;

/* The symbol a plugin exports. */
typedef const wedge_plugin_descriptor *(*wedge_plugin_get_descriptor_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* WEDGE_PLUGIN_H */
