/*
 * wedge.h - Wedge's additions to the standard WebAssembly C API (wasm.h).
 *
 * Include this header (it includes wasm.h and wasi.h) and link with -lwedge
 * (pkg-config --cflags --libs wedge).
 *
 * THREAD SAFETY
 *   - wasm_engine_t: may be shared by any number of threads (make stores and modules from
 *     it concurrently). Delete it after everything made from it is deleted.
 *   - wasm_shared_module_t (wasm_module_share) and wedge_interrupt_handle_t: may be used
 *     from any thread. Sharing a module between threads goes through wasm_module_share on
 *     one thread and wasm_module_obtain on the other.
 *   - wasm_store_t and every object made in or obtained through a store (functions,
 *     globals, tables, memories, instances, externs, foreign objects, traps, frames), and
 *     wasm_module_t handles: used by one thread at a time. A store may move to another
 *     thread together with all its objects, but never be used by two threads at once.
 *     Give each thread its own store.
 *   - Types (wasm_functype_t, ...), vectors, configs: plain data, owned by whoever made them.
 *
 * OWNERSHIP AND LIFETIMES
 *   Objects are handles: deleting a handle deletes the handle, not the object. A store lives
 *   until wasm_store_delete was called AND every handle of an object in it is deleted, so
 *   deleting in any order is safe. Host-info finalizers run when the last handle of an
 *   object is deleted; function-environment finalizers run when the store goes.
 *
 * ERRORS
 *   Bad input never aborts the process: invalid bytes give NULL (wasm_module_new), a wrong
 *   number or type of arguments gives a trap with a message (wasm_func_call), a failed link
 *   gives a trap through wasm_instance_new's trap argument. wedge_last_error_message tells
 *   the reason of the last failure on the calling thread. Passing NULL where the headers
 *   expect an object (or a deleted object) is a programming error and may crash.
 *
 * VALUES
 *   wasm_val_t carries i32, i64, f32, f64, funcref and externref as wasm.h says; Wedge adds
 *   the kinds WEDGE_ANYREF and WEDGE_EXNREF for GC and exception references. v128 values
 *   do not fit in wasm_val_t: calling or making a function with v128 in its signature
 *   through wasm.h fails with a message. An externref may hold a foreign object or any
 *   function, global, table, memory or instance handle; it comes back as the same object.
 */
#ifndef WEDGE_H
#define WEDGE_H

#include "wasm.h"
#include "wasi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Value kinds beyond wasm.h's (wasm_valkind_t). */
#define WEDGE_V128 4
#define WEDGE_ANYREF 130
#define WEDGE_EXNREF 131

/* The Wedge version ("0.1.0"), a static string. */
WASM_API_EXTERN const char *wedge_version(void);

/* ---- Errors ---------------------------------------------------------------------- */

/* An error with a message; owned by the caller, deleted with wedge_error_delete. Functions
 * returning wedge_error_t* return NULL on success. */
typedef struct wedge_error_t wedge_error_t;
WASM_API_EXTERN void wedge_error_message(const wedge_error_t *, wasm_byte_vec_t *out /* own, NUL-terminated */);
WASM_API_EXTERN void wedge_error_delete(wedge_error_t *);
/* The message of the last failure on this thread (NUL-terminated); false if none yet. */
WASM_API_EXTERN bool wedge_last_error_message(wasm_byte_vec_t *out /* own */);

/* ---- Text format ------------------------------------------------------------------- */

/* Converts WebAssembly text (.wat) to a binary module. wasm_module_new also accepts text. */
WASM_API_EXTERN wedge_error_t *wedge_wat2wasm(const char *text, size_t len, wasm_byte_vec_t *out /* own */);

/* ---- Configuration (before wasm_engine_new_with_config) ---------------------------- */

/* Tiers for wedge_config_strategy. */
#define WEDGE_STRATEGY_AUTO 0        /* compile with Cranelift when this build and host can */
#define WEDGE_STRATEGY_INTERPRETER 1 /* always interpret (cheap start-up) */
#define WEDGE_STRATEGY_COMPILER 2    /* always compile */
#define WEDGE_STRATEGY_TIERED 3      /* interpret first, compile hot functions in the background */
WASM_API_EXTERN bool wedge_config_strategy(wasm_config_t *, uint8_t strategy);
/* Turns a feature on or off by name: "mutable-global", "saturating-float-to-int",
 * "sign-extension", "multi-value", "bulk-memory", "reference-types", "simd", "tail-call",
 * "extended-const", "multi-memory", "memory64", "function-references", "gc", "exceptions",
 * "relaxed-simd", "threads", "legacy-exceptions", "wide-arithmetic", "custom-page-sizes".
 * False for an unknown name. */
WASM_API_EXTERN bool wedge_config_wasm_feature(wasm_config_t *, const char *name, bool enable);
/* Gas metering and instruction counting (off by default: it costs time). */
WASM_API_EXTERN void wedge_config_metering(wasm_config_t *, bool);
/* Gas per operator, as text: "i32.add 3", "default 1", "# comment" lines. */
WASM_API_EXTERN wedge_error_t *wedge_config_cost_table(wasm_config_t *, const char *text, size_t len);
/* Lets interrupt handles and time limits stop running wasm (off by default). */
WASM_API_EXTERN void wedge_config_interruptible(wasm_config_t *, bool);
/* Canonical NaNs, fixed relaxed-SIMD choices, threads refused. */
WASM_API_EXTERN void wedge_config_deterministic(wasm_config_t *, bool);
/* Inline small functions when compiling. */
WASM_API_EXTERN void wedge_config_inlining(wasm_config_t *, bool);
/* Register compiled code with GDB's JIT interface, so gdb can break on guest source
   lines and show guest frames (symbols, DWARF line tables, unwind tables). */
WASM_API_EXTERN void wedge_config_debug_info(wasm_config_t *, bool);
/* Measure time spent in host functions (wedge_store_host_time_ns). */
WASM_API_EXTERN void wedge_config_measure_host_time(wasm_config_t *, bool);
/* Deepest wasm call nesting, and native stack bytes for compiled code. */
WASM_API_EXTERN void wedge_config_max_call_depth(wasm_config_t *, size_t depth);
WASM_API_EXTERN void wedge_config_max_wasm_stack(wasm_config_t *, size_t bytes);
/* The 16-byte secret that signs native code in AOT files (wasm_module_serialize) and that
 * must match for stored native code to be used; NULL: a random key of this process (the
 * default, so files load natively only in the process that wrote them). */
WASM_API_EXTERN void wedge_config_native_code_key(wasm_config_t *, const uint8_t key[16]);

/* Whether modules of this engine run as native code. */
WASM_API_EXTERN bool wedge_engine_compiles(const wasm_engine_t *);

/* ---- Modules ------------------------------------------------------------------------ */

/* Compiles a module (binary or text) for an engine, without a store. */
WASM_API_EXTERN wedge_error_t *wedge_module_new(const wasm_engine_t *, const uint8_t *bytes, size_t len,
                                                wasm_module_t **out /* own */);
/* wasm_module_serialize, but failing with a reason instead of falling back to the plain
 * module (e.g. with the interpreter, which has no native code to store). */
WASM_API_EXTERN wedge_error_t *wedge_module_serialize(const wasm_module_t *, wasm_byte_vec_t *out /* own */);
/* Whether the module runs as native code (true after deserializing an AOT file of this
 * engine's key, without compiling again). */
WASM_API_EXTERN bool wedge_module_is_native(const wasm_module_t *);
/* Why native code in the module's file was not used; false if it was (or there was none). */
WASM_API_EXTERN bool wedge_module_native_code_warning(const wasm_module_t *, wasm_byte_vec_t *out /* own */);

/* ---- Instances, functions, globals, tags ----------------------------------------------- */

/* The export named name (a new handle), or NULL. */
WASM_API_EXTERN wasm_extern_t *wedge_instance_export_get(const wasm_instance_t *, const char *name, size_t len);

/* What a wedge_func_callback_t sees of the instance calling it (valid during the call). */
typedef struct wedge_caller_t wedge_caller_t;
/* A host callback that also receives its caller. */
typedef wasm_trap_t *(*wedge_func_callback_t)(void *env, wedge_caller_t *caller, const wasm_val_vec_t *args,
                                              wasm_val_vec_t *results);
/* Like wasm_func_new_with_env, with the caller passed to the callback. */
WASM_API_EXTERN wasm_func_t *wedge_func_new_with_caller(wasm_store_t *, const wasm_functype_t *,
                                                        wedge_func_callback_t, void *env,
                                                        void (*finalizer)(void *));
/* An export of the calling instance (such as "memory"), a new handle; NULL if none or if
 * the function was called from the host. */
WASM_API_EXTERN wasm_extern_t *wedge_caller_export_get(wedge_caller_t *, const char *name, size_t len);

/* wasm_global_set, telling whether it worked (a constant global or a value of the wrong
 * type is refused). */
WASM_API_EXTERN bool wedge_global_set(wasm_global_t *, const wasm_val_t *);

/* A new exception tag (an extern of kind WASM_EXTERN_TAG) for a module to import. */
WASM_API_EXTERN wasm_extern_t *wedge_tag_new(wasm_store_t *, const wasm_tagtype_t *);

/* ---- Traps and frames ------------------------------------------------------------------- */

/* The trap's message followed by its wasm backtrace, one frame a line (NUL-terminated). */
WASM_API_EXTERN void wedge_trap_describe(const wasm_trap_t *, wasm_byte_vec_t *out /* own */);
WASM_API_EXTERN bool wedge_trap_is_gas_exhausted(const wasm_trap_t *);
WASM_API_EXTERN bool wedge_trap_is_interrupt(const wasm_trap_t *);
/* Function and module names of a frame from the name section; false if absent. */
WASM_API_EXTERN bool wedge_frame_func_name(const wasm_frame_t *, wasm_byte_vec_t *out /* own */);
WASM_API_EXTERN bool wedge_frame_module_name(const wasm_frame_t *, wasm_byte_vec_t *out /* own */);
/* Frames: wasm_frame_func_index and wasm_frame_instance are always set for wasm frames;
 * wasm_frame_func_offset and wasm_frame_module_offset are the same in every tier (0 only
 * for compiled code built with metering, which records no offsets). */

/* ---- Stores: gas, limits, interruption, statistics --------------------------------------- */

/* Total gas the store may use (UINT64_MAX: unlimited); needs wedge_config_metering. Running
 * out traps (wedge_trap_is_gas_exhausted). */
WASM_API_EXTERN void wedge_store_set_gas_limit(wasm_store_t *, uint64_t limit);
WASM_API_EXTERN void wedge_store_add_gas(wasm_store_t *, uint64_t gas);
WASM_API_EXTERN uint64_t wedge_store_gas_used(const wasm_store_t *);
WASM_API_EXTERN uint64_t wedge_store_gas_remaining(const wasm_store_t *); /* UINT64_MAX: unlimited */
WASM_API_EXTERN uint64_t wedge_store_instruction_count(const wasm_store_t *);
WASM_API_EXTERN void wedge_store_reset_meter(wasm_store_t *);
WASM_API_EXTERN uint64_t wedge_store_host_time_ns(const wasm_store_t *);
/* Caps on growth (UINT64_MAX: none): pages per memory, bytes of all memories, elements per
 * table. A memory.grow past a cap returns -1. */
WASM_API_EXTERN void wedge_store_set_limits(wasm_store_t *, uint64_t memory_pages, uint64_t memory_bytes,
                                            uint64_t table_elements);
/* Every later call into wasm (and instantiation) of the store traps with an interrupt after
 * ms milliseconds (0: no limit); needs wedge_config_interruptible. */
WASM_API_EXTERN void wedge_store_set_time_limit(wasm_store_t *, uint64_t ms);

/* Stops the store's running wasm from any thread (needs wedge_config_interruptible). */
typedef struct wedge_interrupt_handle_t wedge_interrupt_handle_t;
WASM_API_EXTERN wedge_interrupt_handle_t *wedge_store_interrupt_handle(const wasm_store_t *);
WASM_API_EXTERN void wedge_interrupt_handle_interrupt(const wedge_interrupt_handle_t *);
WASM_API_EXTERN void wedge_interrupt_handle_delete(wedge_interrupt_handle_t *);

#ifdef __cplusplus
}
#endif

#endif
