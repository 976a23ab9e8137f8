/* A test plugin in C: module "cdemo" (or TEST_MODULE) with functions that read and write the
 * caller's memory, return values of every type, trap with a message, and report the calling
 * store and the stores dropped so far (store_dropped).
 * Build variants: -DTEST_ABI_VERSION=N (wrong ABI), -DTEST_NO_DESCRIPTOR (no entry point),
 * -DTEST_NAME=\"x\" and -DTEST_MODULE=\"m\" (for duplicate-module tests). */
#include <stdint.h>
#include <string.h>
#include "wedge_plugin.h"

#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION WEDGE_PLUGIN_ABI_VERSION
#endif
#ifndef TEST_NAME
#define TEST_NAME "c-test"
#endif
#ifndef TEST_MODULE
#define TEST_MODULE "cdemo"
#endif

/* add(a: i32, b: i32) -> i32, plus the env's offset. */
static const char *add(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                       wedge_val *results) {
  (void)caller;
  int32_t offset = *(const int32_t *)env;
  results[0].kind = WEDGE_I32;
  results[0].of.i32 = args[0].of.i32 + args[1].of.i32 + offset;
  return NULL;
}

/* sum(ptr: i32, len: i32) -> i64: the sum of the bytes at ptr; traps when out of bounds. */
static const char *sum(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                       wedge_val *results) {
  (void)env;
  size_t len = 0;
  uint8_t *mem = caller->memory(caller, &len);
  if (mem == NULL) return "no memory";
  uint64_t ptr = (uint32_t)args[0].of.i32, n = (uint32_t)args[1].of.i32;
  if (ptr + n > len) return "sum: out of bounds";
  int64_t total = 0;
  for (uint64_t i = 0; i < n; i++) total += mem[ptr + i];
  results[0].kind = WEDGE_I64;
  results[0].of.i64 = total;
  return NULL;
}

/* greet(ptr: i32, cap: i32) -> i32: writes "hello from C" at ptr, returns its length. */
static const char *greet(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                         wedge_val *results) {
  (void)env;
  static const char text[] = "hello from C";
  size_t len = 0;
  uint8_t *mem = caller->memory(caller, &len);
  uint64_t ptr = (uint32_t)args[0].of.i32, cap = (uint32_t)args[1].of.i32;
  if (mem == NULL || cap < sizeof text - 1 || ptr + cap > len) return "greet: bad buffer";
  memcpy(mem + ptr, text, sizeof text - 1);
  results[0].kind = WEDGE_I32;
  results[0].of.i32 = (int32_t)(sizeof text - 1);
  return NULL;
}

/* scale(x: i64, y: f32, z: f64) -> f64: x * y * z. */
static const char *scale(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                         wedge_val *results) {
  (void)env;
  (void)caller;
  results[0].kind = WEDGE_F64;
  results[0].of.f64 = (double)args[0].of.i64 * (double)args[1].of.f32 * args[2].of.f64;
  return NULL;
}

/* fail() -> (): always traps. */
static const char *fail(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                        wedge_val *results) {
  (void)env;
  (void)caller;
  (void)args;
  (void)results;
  return "cdemo refuses";
}

/* Stores dropped so far, and the last one. */
static volatile int32_t dropped_count = 0;
static volatile uint64_t last_dropped = 0;

static void on_store_dropped(uint64_t store) {
  dropped_count++;
  last_dropped = store;
}

/* store() -> i64: the calling store's number. */
static const char *store(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                         wedge_val *results) {
  (void)env;
  (void)args;
  results[0].kind = WEDGE_I64;
  results[0].of.i64 = (int64_t)caller->store;
  return NULL;
}

/* dropped() -> (i32, i64): how many stores were dropped, and the last one's number. */
static const char *dropped(void *env, wedge_plugin_caller *caller, const wedge_val *args,
                           wedge_val *results) {
  (void)env;
  (void)caller;
  (void)args;
  results[0].kind = WEDGE_I32;
  results[0].of.i32 = dropped_count;
  results[1].kind = WEDGE_I64;
  results[1].of.i64 = (int64_t)last_dropped;
  return NULL;
}

static int32_t add_offset = 1000;
static const uint8_t i32x2[] = {WEDGE_I32, WEDGE_I32};
static const uint8_t i32x1[] = {WEDGE_I32};
static const uint8_t i64x1[] = {WEDGE_I64};
static const uint8_t f64x1[] = {WEDGE_F64};
static const uint8_t scale_params[] = {WEDGE_I64, WEDGE_F32, WEDGE_F64};
static const uint8_t i32_i64[] = {WEDGE_I32, WEDGE_I64};

static const wedge_plugin_function functions[] = {
    {"add", i32x2, 2, i32x1, 1, add, &add_offset},
    {"sum", i32x2, 2, i64x1, 1, sum, NULL},
    {"greet", i32x2, 2, i32x1, 1, greet, NULL},
    {"scale", scale_params, 3, f64x1, 1, scale, NULL},
    {"fail", NULL, 0, NULL, 0, fail, NULL},
    {"store", NULL, 0, i64x1, 1, store, NULL},
    {"dropped", NULL, 0, i32_i64, 2, dropped, NULL},
};

static const wedge_plugin_module modules[] = {
    {TEST_MODULE, functions, sizeof functions / sizeof functions[0]},
};

static const wedge_plugin_descriptor descriptor = {
    TEST_ABI_VERSION, TEST_NAME, "1.2.3", modules, 1, on_store_dropped,
};

#ifndef TEST_NO_DESCRIPTOR
const wedge_plugin_descriptor *wedge_plugin_get_descriptor(void) { return &descriptor; }
#else
const wedge_plugin_descriptor *some_other_symbol(void) { return &descriptor; }
#endif
