/*
 * wasi.h - WASI preview1 for programs embedding Wedge through wasm.h.
 *
 * A wasi_config_t describes what a guest sees (arguments, environment, standard streams,
 * preopened directories). Giving it to a store makes it the WASI state of every instance
 * in that store; the WASI functions a module imports are then made in the store with
 * wasi_store_imports (all imports) or wasi_store_bind_import (one import), and the
 * program runs by calling its "_start" export. A guest that calls proc_exit ends with a
 * trap whose status wasi_trap_exit_status reads.
 *
 * Function names follow Wasmtime's wasi_config_* where the same thing exists.
 * Thread safety: a wasi_config_t is used by one thread; see wedge.h for stores.
 */
#ifndef WEDGE_WASI_H
#define WEDGE_WASI_H

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A WASI configuration; consumed by wasi_store_set_config. */
typedef struct wasi_config_t wasi_config_t;

/* Permission bits of wasi_config_preopen_dir. */
typedef size_t wasi_dir_perms;
typedef size_t wasi_file_perms;
#define WASI_DIR_PERMS_READ 1
#define WASI_DIR_PERMS_WRITE 2
#define WASI_FILE_PERMS_READ 1
#define WASI_FILE_PERMS_WRITE 2

/* An empty configuration: no arguments, no environment, null stdio, no directories. */
WASM_API_EXTERN wasi_config_t *wasi_config_new(void);
/* Deletes a configuration that was not given to a store. */
WASM_API_EXTERN void wasi_config_delete(wasi_config_t *);

/* Arguments (argv[0] is the program name); false if one is NULL. */
WASM_API_EXTERN bool wasi_config_set_argv(wasi_config_t *, size_t argc, const char *const argv[]);
/* This process's own arguments. */
WASM_API_EXTERN void wasi_config_inherit_argv(wasi_config_t *);
/* Environment as parallel arrays of names and values; false if one is NULL. */
WASM_API_EXTERN bool wasi_config_set_env(wasi_config_t *, size_t envc, const char *const names[],
                                         const char *const values[]);
/* This process's own environment. */
WASM_API_EXTERN void wasi_config_inherit_env(wasi_config_t *);

/* Standard streams: a host file, this process's stream, bytes (stdin), or a capture
 * (stdout, stderr) read back with wasi_store_captured_stdout/stderr. Files are opened when
 * the configuration is given to a store. The default is null (empty input, output dropped). */
WASM_API_EXTERN bool wasi_config_set_stdin_file(wasi_config_t *, const char *path);
WASM_API_EXTERN void wasi_config_set_stdin_bytes(wasi_config_t *, wasm_byte_vec_t *bytes /* own */);
WASM_API_EXTERN void wasi_config_inherit_stdin(wasi_config_t *);
WASM_API_EXTERN bool wasi_config_set_stdout_file(wasi_config_t *, const char *path);
WASM_API_EXTERN void wasi_config_inherit_stdout(wasi_config_t *);
WASM_API_EXTERN void wasi_config_capture_stdout(wasi_config_t *);
WASM_API_EXTERN bool wasi_config_set_stderr_file(wasi_config_t *, const char *path);
WASM_API_EXTERN void wasi_config_inherit_stderr(wasi_config_t *);
WASM_API_EXTERN void wasi_config_capture_stderr(wasi_config_t *);

/* Gives the guest the host directory host_path under the name guest_path ("/data", ".").
 * Nothing beneath it can be changed unless both WASI_DIR_PERMS_WRITE and
 * WASI_FILE_PERMS_WRITE are given. The guest never reaches outside it (.., absolute paths
 * and symlinks leading out fail). False if a path is NULL or no read permission is given. */
WASM_API_EXTERN bool wasi_config_preopen_dir(wasi_config_t *, const char *host_path,
                                             const char *guest_path, wasi_dir_perms dir_perms,
                                             wasi_file_perms file_perms);

/* Makes the configuration the store's WASI state (taking ownership of it, also on failure).
 * False if a file or directory could not be opened: wedge_last_error_message says which. */
WASM_API_EXTERN bool wasi_store_set_config(wasm_store_t *, wasi_config_t * /* own */);

/* The imports of a module that imports only wasi_snapshot_preview1 functions, in order, for
 * wasm_instance_new. False (and an empty vector) if it imports anything else. */
WASM_API_EXTERN bool wasi_store_imports(wasm_store_t *, const wasm_module_t *,
                                        wasm_extern_vec_t *out /* own */);
/* The WASI function one import names, made in the store; NULL if it is not one. */
WASM_API_EXTERN wasm_extern_t * /* own */ wasi_store_bind_import(wasm_store_t *, const wasm_importtype_t *);

/* True if the trap is the guest calling proc_exit; its status goes to *status. */
WASM_API_EXTERN bool wasi_trap_exit_status(const wasm_trap_t *, int32_t *status);

/* Everything the store's guests wrote so far to a captured stdout or stderr. */
WASM_API_EXTERN void wasi_store_captured_stdout(wasm_store_t *, wasm_byte_vec_t *out /* own */);
WASM_API_EXTERN void wasi_store_captured_stderr(wasm_store_t *, wasm_byte_vec_t *out /* own */);

#ifdef __cplusplus
}
#endif

#endif
