/* JNI functions of the Java binding (dev.wedge.Native) over libwedge's C API.
 *
 * Handles are C pointers passed as jlong. Errors become dev.wedge.WasmException; traps
 * become dev.wedge.Trap, whose cause is the exception a Java host function threw (kept in a
 * thread-local slot, since wasm runs on the thread that called it). */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wedge.h"

#define P(x) ((void *)(intptr_t)(x))
#define J(x) ((jlong)(intptr_t)(x))

static JavaVM *vm;
static jclass c_wasm_exception, c_trap, c_caller, c_integer, c_long, c_float, c_double, c_object, c_string;
static jmethodID m_trap_init, m_caller_init, m_host_call, m_int_of, m_long_of, m_float_of, m_double_of,
    m_number_int, m_number_long, m_number_float, m_number_double, m_to_string;
static jfieldID f_caller_ptr;

/* The exception the innermost Java host function on this thread threw (a global ref). */
static __thread jthrowable pending;

/* Externs made by callerExport during the running host function, deleted when it returns. */
struct scope {
  wasm_extern_t **items;
  size_t len, cap;
  struct scope *outer;
};
static __thread struct scope *current_scope;

static jclass global_class(JNIEnv *env, const char *name) {
  jclass c = (*env)->FindClass(env, name);
  return c ? (*env)->NewGlobalRef(env, c) : NULL;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *jvm, void *reserved) {
  (void)reserved;
  vm = jvm;
  JNIEnv *env;
  if ((*jvm)->GetEnv(jvm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  c_wasm_exception = global_class(env, "dev/wedge/WasmException");
  c_trap = global_class(env, "dev/wedge/Trap");
  c_caller = global_class(env, "dev/wedge/Caller");
  c_integer = global_class(env, "java/lang/Integer");
  c_long = global_class(env, "java/lang/Long");
  c_float = global_class(env, "java/lang/Float");
  c_double = global_class(env, "java/lang/Double");
  c_object = global_class(env, "java/lang/Object");
  c_string = global_class(env, "java/lang/String");
  jclass number = (*env)->FindClass(env, "java/lang/Number");
  jclass host = (*env)->FindClass(env, "dev/wedge/HostFunction");
  if (!c_wasm_exception || !c_trap || !c_caller || !c_integer || !number || !host) return JNI_ERR;
  m_trap_init = (*env)->GetMethodID(env, c_trap, "<init>",
                                    "(Ljava/lang/String;Ljava/lang/String;[I[Ljava/lang/String;[Ljava/lang/"
                                    "String;ZIZZLjava/lang/Throwable;)V");
  m_caller_init = (*env)->GetMethodID(env, c_caller, "<init>", "(JLdev/wedge/Store;)V");
  f_caller_ptr = (*env)->GetFieldID(env, c_caller, "ptr", "J");
  m_host_call = (*env)->GetMethodID(env, host, "call", "(Ldev/wedge/Caller;[Ljava/lang/Object;)[Ljava/lang/Object;");
  m_int_of = (*env)->GetStaticMethodID(env, c_integer, "valueOf", "(I)Ljava/lang/Integer;");
  m_long_of = (*env)->GetStaticMethodID(env, c_long, "valueOf", "(J)Ljava/lang/Long;");
  m_float_of = (*env)->GetStaticMethodID(env, c_float, "valueOf", "(F)Ljava/lang/Float;");
  m_double_of = (*env)->GetStaticMethodID(env, c_double, "valueOf", "(D)Ljava/lang/Double;");
  m_number_int = (*env)->GetMethodID(env, number, "intValue", "()I");
  m_number_long = (*env)->GetMethodID(env, number, "longValue", "()J");
  m_number_float = (*env)->GetMethodID(env, number, "floatValue", "()F");
  m_number_double = (*env)->GetMethodID(env, number, "doubleValue", "()D");
  m_to_string = (*env)->GetMethodID(env, c_object, "toString", "()Ljava/lang/String;");
  return JNI_VERSION_1_8;
}

static void throw_wasm(JNIEnv *env, const char *msg) { (*env)->ThrowNew(env, c_wasm_exception, msg); }

static void throw_last_error(JNIEnv *env, const char *fallback) {
  wasm_byte_vec_t msg;
  if (wedge_last_error_message(&msg)) {
    throw_wasm(env, msg.data);
    wasm_byte_vec_delete(&msg);
  } else {
    throw_wasm(env, fallback);
  }
}

static void throw_error(JNIEnv *env, wedge_error_t *err) {
  wasm_byte_vec_t msg;
  wedge_error_message(err, &msg);
  throw_wasm(env, msg.data);
  wasm_byte_vec_delete(&msg);
  wedge_error_delete(err);
}

static jstring new_string(JNIEnv *env, const char *data, size_t len) {
  char *s = malloc(len + 1);
  memcpy(s, data, len);
  s[len] = 0;
  jstring out = (*env)->NewStringUTF(env, s);
  free(s);
  return out;
}

/* A Java string from a byte vector, with or without a terminating NUL. */
static jstring vec_string(JNIEnv *env, const wasm_byte_vec_t *v) {
  size_t n = v->size;
  if (n > 0 && v->data[n - 1] == 0) n--;
  return new_string(env, v->data, n);
}

/* Throws a dev.wedge.Trap for trap (deleted here). */
static void throw_trap(JNIEnv *env, wasm_trap_t *trap) {
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  wasm_byte_vec_t desc;
  wedge_trap_describe(trap, &desc);
  wasm_frame_vec_t frames;
  wasm_trap_trace(trap, &frames);
  (*env)->EnsureLocalCapacity(env, (jint)(16 + 2 * frames.size));
  jintArray indices = (*env)->NewIntArray(env, (jsize)frames.size);
  jobjectArray names = (*env)->NewObjectArray(env, (jsize)frames.size, c_string, NULL);
  jobjectArray modules = (*env)->NewObjectArray(env, (jsize)frames.size, c_string, NULL);
  for (size_t i = 0; i < frames.size; i++) {
    jint index = (jint)wasm_frame_func_index(frames.data[i]);
    (*env)->SetIntArrayRegion(env, indices, (jsize)i, 1, &index);
    wasm_byte_vec_t n;
    if (wedge_frame_func_name(frames.data[i], &n)) {
      (*env)->SetObjectArrayElement(env, names, (jsize)i, vec_string(env, &n));
      wasm_byte_vec_delete(&n);
    }
    if (wedge_frame_module_name(frames.data[i], &n)) {
      (*env)->SetObjectArrayElement(env, modules, (jsize)i, vec_string(env, &n));
      wasm_byte_vec_delete(&n);
    }
  }
  wasm_frame_vec_delete(&frames);
  int32_t status = 0;
  jboolean exited = wasi_trap_exit_status(trap, &status);
  jobject cause = NULL;
  if (pending) {
    cause = (*env)->NewLocalRef(env, pending);
    (*env)->DeleteGlobalRef(env, pending);
    pending = NULL;
  }
  jobject t = (*env)->NewObject(env, c_trap, m_trap_init, vec_string(env, &msg), vec_string(env, &desc), indices, names, modules, exited, (jint)status,
                                (jboolean)wedge_trap_is_gas_exhausted(trap), (jboolean)wedge_trap_is_interrupt(trap),
                                cause);
  wasm_byte_vec_delete(&msg);
  wasm_byte_vec_delete(&desc);
  wasm_trap_delete(trap);
  if (t) (*env)->Throw(env, (jthrowable)t);
}

/* ---- values ---------------------------------------------------------------------------- */

static jobject box(JNIEnv *env, const wasm_val_t *v) {
  if ((*env)->ExceptionCheck(env)) return NULL;
  jobject r = NULL;
  switch (v->kind) {
    case WASM_I32: r = (*env)->CallStaticObjectMethod(env, c_integer, m_int_of, (jint)v->of.i32); break;
    case WASM_I64: r = (*env)->CallStaticObjectMethod(env, c_long, m_long_of, (jlong)v->of.i64); break;
    case WASM_F32: r = (*env)->CallStaticObjectMethod(env, c_float, m_float_of, (jfloat)v->of.f32); break;
    case WASM_F64: r = (*env)->CallStaticObjectMethod(env, c_double, m_double_of, (jdouble)v->of.f64); break;
  }
  return (*env)->ExceptionCheck(env) ? NULL : r;
}

/* Unboxes a Java number into a value of kind; false (with a message) if it does not fit. */
static int unbox(JNIEnv *env, jobject o, int kind, wasm_val_t *out, char *why, size_t whylen) {
  out->kind = (wasm_valkind_t)kind;
  int numeric = o && ((*env)->IsInstanceOf(env, o, c_integer) || (*env)->IsInstanceOf(env, o, c_long) ||
                      (*env)->IsInstanceOf(env, o, c_float) || (*env)->IsInstanceOf(env, o, c_double));
  if (!numeric) {
    snprintf(why, whylen, "expected a number for a %s value", kind == WASM_I32 ? "i32" : kind == WASM_I64 ? "i64" : kind == WASM_F32 ? "f32" : "f64");
    return 0;
  }
  int integral = (*env)->IsInstanceOf(env, o, c_integer) || (*env)->IsInstanceOf(env, o, c_long);
  switch (kind) {
    case WASM_I32: {
      jlong l = (*env)->CallLongMethod(env, o, m_number_long);
      if ((*env)->ExceptionCheck(env)) return 0;
      if (!integral || l < INT32_MIN || l > UINT32_MAX) {
        snprintf(why, whylen, "expected an Integer for an i32 value");
        return 0;
      }
      out->of.i32 = (int32_t)(uint32_t)l;
      return 1;
    }
    case WASM_I64:
      if (!integral) {
        snprintf(why, whylen, "expected a Long for an i64 value");
        return 0;
      }
      out->of.i64 = (*env)->CallLongMethod(env, o, m_number_long);
      return !(*env)->ExceptionCheck(env);
    case WASM_F32: out->of.f32 = (*env)->CallFloatMethod(env, o, m_number_float); return !(*env)->ExceptionCheck(env);
    case WASM_F64: out->of.f64 = (*env)->CallDoubleMethod(env, o, m_number_double); return !(*env)->ExceptionCheck(env);
  }
  snprintf(why, whylen, "unsupported value kind %d", kind);
  return 0;
}

/* ---- config, engine, store ------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_configNew(JNIEnv *env, jclass c) { return J(wasm_config_new()); }
JNIEXPORT void JNICALL Java_dev_wedge_Native_configDelete(JNIEnv *env, jclass c, jlong p) { wasm_config_delete(P(p)); }
JNIEXPORT void JNICALL Java_dev_wedge_Native_configStrategy(JNIEnv *env, jclass c, jlong p, jint s) {
  wedge_config_strategy(P(p), (uint8_t)s);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_configMetering(JNIEnv *env, jclass c, jlong p, jboolean on) {
  wedge_config_metering(P(p), on);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_configInterruptible(JNIEnv *env, jclass c, jlong p, jboolean on) {
  wedge_config_interruptible(P(p), on);
}
JNIEXPORT jboolean JNICALL Java_dev_wedge_Native_configFeature(JNIEnv *env, jclass c, jlong p, jstring name,
                                                               jboolean on) {
  const char *n = (*env)->GetStringUTFChars(env, name, NULL);
  jboolean ok = wedge_config_wasm_feature(P(p), n, on);
  (*env)->ReleaseStringUTFChars(env, name, n);
  return ok;
}
JNIEXPORT jstring JNICALL Java_dev_wedge_Native_configCostTable(JNIEnv *env, jclass c, jlong p, jstring text) {
  const char *t = (*env)->GetStringUTFChars(env, text, NULL);
  wedge_error_t *err = wedge_config_cost_table(P(p), t, strlen(t));
  (*env)->ReleaseStringUTFChars(env, text, t);
  if (!err) return NULL;
  wasm_byte_vec_t msg;
  wedge_error_message(err, &msg);
  jstring s = (*env)->NewStringUTF(env, msg.data);
  wasm_byte_vec_delete(&msg);
  wedge_error_delete(err);
  return s;
}

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_engineNew(JNIEnv *env, jclass c, jlong config) {
  return J(wasm_engine_new_with_config(P(config)));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_engineDelete(JNIEnv *env, jclass c, jlong p) { wasm_engine_delete(P(p)); }
JNIEXPORT jboolean JNICALL Java_dev_wedge_Native_engineCompiles(JNIEnv *env, jclass c, jlong p) {
  return wedge_engine_compiles(P(p));
}

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_storeNew(JNIEnv *env, jclass c, jlong engine) {
  return J(wasm_store_new(P(engine)));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_storeDelete(JNIEnv *env, jclass c, jlong p) { wasm_store_delete(P(p)); }
JNIEXPORT void JNICALL Java_dev_wedge_Native_storeSetGasLimit(JNIEnv *env, jclass c, jlong p, jlong limit) {
  wedge_store_set_gas_limit(P(p), (uint64_t)limit);
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_storeGasUsed(JNIEnv *env, jclass c, jlong p) {
  return (jlong)wedge_store_gas_used(P(p));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_storeSetTimeLimit(JNIEnv *env, jclass c, jlong p, jlong ms) {
  wedge_store_set_time_limit(P(p), (uint64_t)ms);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_storeSetLimits(JNIEnv *env, jclass c, jlong p, jlong pages, jlong bytes,
                                                            jlong elements) {
  wedge_store_set_limits(P(p), (uint64_t)pages, (uint64_t)bytes, (uint64_t)elements);
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_storeInterruptHandle(JNIEnv *env, jclass c, jlong p) {
  return J(wedge_store_interrupt_handle(P(p)));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_interruptHandleInterrupt(JNIEnv *env, jclass c, jlong h) {
  wedge_interrupt_handle_interrupt(P(h));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_interruptHandleDelete(JNIEnv *env, jclass c, jlong h) {
  wedge_interrupt_handle_delete(P(h));
}
JNIEXPORT jstring JNICALL Java_dev_wedge_Native_storeSetWasi(JNIEnv *env, jclass c, jlong store, jlong config) {
  if (wasi_store_set_config(P(store), P(config))) return NULL;
  wasm_byte_vec_t msg;
  if (!wedge_last_error_message(&msg)) return (*env)->NewStringUTF(env, "invalid WASI configuration");
  jstring s = (*env)->NewStringUTF(env, msg.data);
  wasm_byte_vec_delete(&msg);
  return s;
}
JNIEXPORT jbyteArray JNICALL Java_dev_wedge_Native_storeCaptured(JNIEnv *env, jclass c, jlong store, jboolean err) {
  wasm_byte_vec_t out;
  if (err)
    wasi_store_captured_stderr(P(store), &out);
  else
    wasi_store_captured_stdout(P(store), &out);
  jbyteArray a = (*env)->NewByteArray(env, (jsize)out.size);
  (*env)->SetByteArrayRegion(env, a, 0, (jsize)out.size, (const jbyte *)out.data);
  wasm_byte_vec_delete(&out);
  return a;
}

/* ---- modules --------------------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_moduleNew(JNIEnv *env, jclass c, jlong engine, jbyteArray bytes) {
  jsize n = (*env)->GetArrayLength(env, bytes);
  jbyte *data = (*env)->GetByteArrayElements(env, bytes, NULL);
  wasm_module_t *m = NULL;
  wedge_error_t *err = wedge_module_new(P(engine), (const uint8_t *)data, (size_t)n, &m);
  (*env)->ReleaseByteArrayElements(env, bytes, data, JNI_ABORT);
  if (err) {
    throw_error(env, err);
    return 0;
  }
  return J(m);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_moduleDelete(JNIEnv *env, jclass c, jlong p) { wasm_module_delete(P(p)); }

static const char *kind_name(wasm_externkind_t k) {
  switch (k) {
    case WASM_EXTERN_FUNC: return "func";
    case WASM_EXTERN_GLOBAL: return "global";
    case WASM_EXTERN_TABLE: return "table";
    case WASM_EXTERN_MEMORY: return "memory";
  }
  return "tag";
}

JNIEXPORT jobjectArray JNICALL Java_dev_wedge_Native_moduleImports(JNIEnv *env, jclass c, jlong p) {
  wasm_importtype_vec_t v;
  wasm_module_imports(P(p), &v);
  (*env)->EnsureLocalCapacity(env, (jint)(16 + 3 * v.size));
  jobjectArray out = (*env)->NewObjectArray(env, (jsize)(3 * v.size), c_string, NULL);
  for (size_t i = 0; i < v.size; i++) {
    const wasm_name_t *m = wasm_importtype_module(v.data[i]), *n = wasm_importtype_name(v.data[i]);
    (*env)->SetObjectArrayElement(env, out, (jsize)(3 * i), new_string(env, m->data, m->size));
    (*env)->SetObjectArrayElement(env, out, (jsize)(3 * i + 1), new_string(env, n->data, n->size));
    (*env)->SetObjectArrayElement(
        env, out, (jsize)(3 * i + 2),
        (*env)->NewStringUTF(env, kind_name(wasm_externtype_kind(wasm_importtype_type(v.data[i])))));
  }
  wasm_importtype_vec_delete(&v);
  return out;
}
JNIEXPORT jobjectArray JNICALL Java_dev_wedge_Native_moduleExports(JNIEnv *env, jclass c, jlong p) {
  wasm_exporttype_vec_t v;
  wasm_module_exports(P(p), &v);
  (*env)->EnsureLocalCapacity(env, (jint)(16 + 2 * v.size));
  jobjectArray out = (*env)->NewObjectArray(env, (jsize)(2 * v.size), c_string, NULL);
  for (size_t i = 0; i < v.size; i++) {
    const wasm_name_t *n = wasm_exporttype_name(v.data[i]);
    (*env)->SetObjectArrayElement(env, out, (jsize)(2 * i), new_string(env, n->data, n->size));
    (*env)->SetObjectArrayElement(
        env, out, (jsize)(2 * i + 1),
        (*env)->NewStringUTF(env, kind_name(wasm_externtype_kind(wasm_exporttype_type(v.data[i])))));
  }
  wasm_exporttype_vec_delete(&v);
  return out;
}
JNIEXPORT jbyteArray JNICALL Java_dev_wedge_Native_moduleSerialize(JNIEnv *env, jclass c, jlong p) {
  wasm_byte_vec_t out;
  wedge_error_t *err = wedge_module_serialize(P(p), &out);
  if (err) {
    throw_error(env, err);
    return NULL;
  }
  jbyteArray a = (*env)->NewByteArray(env, (jsize)out.size);
  (*env)->SetByteArrayRegion(env, a, 0, (jsize)out.size, (const jbyte *)out.data);
  wasm_byte_vec_delete(&out);
  return a;
}

/* ---- functions ------------------------------------------------------------------------- */

struct host {
  jobject fn;    /* global ref to the HostFunction */
  jobject store; /* weak global ref to the Java Store */
  size_t nresults;
  wasm_valkind_t *kinds; /* the result kinds */
  wasm_store_t *cstore;
};

static wasm_trap_t *host_trap(JNIEnv *env, struct host *h, const char *msg) {
  wasm_message_t m;
  wasm_name_new_from_string_nt(&m, msg);
  wasm_trap_t *t = wasm_trap_new(h->cstore, &m);
  wasm_byte_vec_delete(&m);
  return t;
}

static wasm_trap_t *host_callback(void *envp, wedge_caller_t *caller, const wasm_val_vec_t *args,
                                  wasm_val_vec_t *results) {
  struct host *h = envp;
  JNIEnv *env;
  if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) {
    wasm_message_t m;
    wasm_name_new_from_string_nt(&m, "a Java host function was called on a thread the JVM does not know");
    wasm_trap_t *t = wasm_trap_new(h->cstore, &m);
    wasm_byte_vec_delete(&m);
    return t;
  }
  if ((*env)->PushLocalFrame(env, (jint)(args->size + 16)) != 0) return host_trap(env, h, "out of JNI references");
  struct scope scope = {NULL, 0, 0, current_scope};
  current_scope = &scope;
  jobject store = (*env)->NewLocalRef(env, h->store);
  jobject jcaller = (*env)->NewObject(env, c_caller, m_caller_init, J(caller), store);
  jobjectArray jargs = (*env)->NewObjectArray(env, (jsize)args->size, c_object, NULL);
  for (size_t i = 0; jargs && i < args->size; i++) {
    jobject b = box(env, &args->data[i]);
    (*env)->SetObjectArrayElement(env, jargs, (jsize)i, b);
    (*env)->DeleteLocalRef(env, b);
  }
  jobjectArray out = NULL;
  if (jcaller && jargs && !(*env)->ExceptionCheck(env))
    out = (*env)->CallObjectMethod(env, h->fn, m_host_call, jcaller, jargs);
  jthrowable thrown = (*env)->ExceptionOccurred(env);
  if (thrown) (*env)->ExceptionClear(env);
  if (jcaller) (*env)->SetLongField(env, jcaller, f_caller_ptr, 0);
  for (size_t i = 0; i < scope.len; i++) wasm_extern_delete(scope.items[i]);
  free(scope.items);
  current_scope = scope.outer;
  wasm_trap_t *trap = NULL;
  if (thrown) {
    jstring text = (*env)->CallObjectMethod(env, thrown, m_to_string);
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
    const char *t = text ? (*env)->GetStringUTFChars(env, text, NULL) : NULL;
    char buf[1024];
    snprintf(buf, sizeof buf, "host function threw %s", t ? t : "an exception");
    if (t) (*env)->ReleaseStringUTFChars(env, text, t);
    if (pending) (*env)->DeleteGlobalRef(env, pending);
    pending = (*env)->NewGlobalRef(env, thrown);
    trap = host_trap(env, h, buf);
  } else {
    jsize n = out ? (*env)->GetArrayLength(env, out) : 0;
    if (!out && h->nresults > 0) {
      trap = host_trap(env, h, "the host function returned null");
    } else if ((size_t)n != h->nresults) {
      char buf[128];
      snprintf(buf, sizeof buf, "the host function returned %d values, its type has %zu", (int)n, h->nresults);
      trap = host_trap(env, h, buf);
    } else {
      for (jsize i = 0; i < n && !trap; i++) {
        char why[128];
        jobject o = (*env)->GetObjectArrayElement(env, out, i);
        int ok = unbox(env, o, h->kinds[i], &results->data[i], why, sizeof why);
        (*env)->DeleteLocalRef(env, o);
        if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
        if (!ok) {
          char buf[200];
          snprintf(buf, sizeof buf, "host function result %d: %s", (int)i, why);
          trap = host_trap(env, h, buf);
        }
      }
    }
  }
  (*env)->PopLocalFrame(env, NULL);
  return trap;
}

static void host_finalize(void *envp) {
  struct host *h = envp;
  JNIEnv *env;
  if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK) {
    (*env)->DeleteGlobalRef(env, h->fn);
    (*env)->DeleteWeakGlobalRef(env, h->store);
  }
  free(h->kinds);
  free(h);
}

static wasm_valtype_vec_t valtypes(JNIEnv *env, jintArray kinds) {
  jsize n = (*env)->GetArrayLength(env, kinds);
  wasm_valtype_vec_t v;
  wasm_valtype_vec_new_uninitialized(&v, (size_t)n);
  jint *k = (*env)->GetIntArrayElements(env, kinds, NULL);
  for (jsize i = 0; i < n; i++) v.data[i] = wasm_valtype_new((wasm_valkind_t)k[i]);
  (*env)->ReleaseIntArrayElements(env, kinds, k, JNI_ABORT);
  return v;
}

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_funcNewHost(JNIEnv *env, jclass c, jlong store, jintArray params,
                                                          jintArray results, jobject fn, jobject owner) {
  wasm_valtype_vec_t p = valtypes(env, params), r = valtypes(env, results);
  struct host *h = malloc(sizeof *h);
  h->fn = (*env)->NewGlobalRef(env, fn);
  h->store = (*env)->NewWeakGlobalRef(env, owner);
  h->nresults = (size_t)(*env)->GetArrayLength(env, results);
  h->kinds = malloc(h->nresults ? h->nresults : 1);
  for (size_t i = 0; i < h->nresults; i++) h->kinds[i] = wasm_valtype_kind(r.data[i]);
  h->cstore = P(store);
  wasm_functype_t *ty = wasm_functype_new(&p, &r);
  wasm_func_t *f = wedge_func_new_with_caller(P(store), ty, host_callback, h, host_finalize);
  wasm_functype_delete(ty);
  return J(f);
}

JNIEXPORT jintArray JNICALL Java_dev_wedge_Native_funcType(JNIEnv *env, jclass c, jlong f, jboolean results) {
  wasm_functype_t *ty = wasm_func_type(P(f));
  const wasm_valtype_vec_t *v = results ? wasm_functype_results(ty) : wasm_functype_params(ty);
  jintArray out = (*env)->NewIntArray(env, (jsize)v->size);
  for (size_t i = 0; i < v->size; i++) {
    jint k = wasm_valtype_kind(v->data[i]);
    (*env)->SetIntArrayRegion(env, out, (jsize)i, 1, &k);
  }
  wasm_functype_delete(ty);
  return out;
}

JNIEXPORT jobjectArray JNICALL Java_dev_wedge_Native_funcCall(JNIEnv *env, jclass c, jlong f, jintArray params,
                                                              jintArray results, jobjectArray args) {
  jsize np = (*env)->GetArrayLength(env, params), nr = (*env)->GetArrayLength(env, results);
  wasm_val_t small[16];
  wasm_val_t *vals = (size_t)(np + nr) <= 16 ? small : malloc(sizeof(wasm_val_t) * (size_t)(np + nr));
  jint kinds[64];
  jint *pk = np <= 64 ? kinds : malloc(sizeof(jint) * (size_t)np);
  (*env)->GetIntArrayRegion(env, params, 0, np, pk);
  jobjectArray out = NULL;
  for (jsize i = 0; i < np; i++) {
    char why[128];
    jobject o = (*env)->GetObjectArrayElement(env, args, i);
    int ok = unbox(env, o, pk[i], &vals[i], why, sizeof why);
    (*env)->DeleteLocalRef(env, o);
    if ((*env)->ExceptionCheck(env)) goto done;
    if (!ok) {
      char buf[200];
      snprintf(buf, sizeof buf, "argument %d: %s", (int)i, why);
      throw_wasm(env, buf);
      goto done;
    }
  }
  wasm_val_vec_t a = {(size_t)np, vals}, r = {(size_t)nr, vals + np};
  wasm_trap_t *trap = wasm_func_call(P(f), &a, &r);
  if (trap) {
    throw_trap(env, trap);
    goto done;
  }
  out = (*env)->NewObjectArray(env, nr, c_object, NULL);
  for (jsize i = 0; out && i < nr; i++) {
    jobject b = box(env, &vals[np + i]);
    (*env)->SetObjectArrayElement(env, out, i, b);
    (*env)->DeleteLocalRef(env, b);
  }
done:
  if (vals != small) free(vals);
  if (pk != kinds) free(pk);
  return out;
}

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_funcAsExtern(JNIEnv *env, jclass c, jlong f) {
  return J(wasm_func_as_extern(P(f)));
}

/* ---- instances and externs ------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_instanceNew(JNIEnv *env, jclass c, jlong store, jlong module,
                                                          jlongArray externs) {
  jsize n = (*env)->GetArrayLength(env, externs);
  jlong *e = (*env)->GetLongArrayElements(env, externs, NULL);
  wasm_extern_t **items = malloc(sizeof(wasm_extern_t *) * (size_t)(n ? n : 1));
  for (jsize i = 0; i < n; i++) items[i] = P(e[i]);
  (*env)->ReleaseLongArrayElements(env, externs, e, JNI_ABORT);
  wasm_extern_vec_t v = {(size_t)n, items};
  wasm_trap_t *trap = NULL;
  wasm_instance_t *inst = wasm_instance_new(P(store), P(module), &v, &trap);
  free(items);
  if (trap) {
    throw_trap(env, trap);
    return 0;
  }
  if (!inst) throw_last_error(env, "instantiation failed");
  return J(inst);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_instanceDelete(JNIEnv *env, jclass c, jlong p) {
  wasm_instance_delete(P(p));
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_instanceExport(JNIEnv *env, jclass c, jlong inst, jstring name) {
  const char *n = (*env)->GetStringUTFChars(env, name, NULL);
  wasm_extern_t *e = wedge_instance_export_get(P(inst), n, strlen(n));
  (*env)->ReleaseStringUTFChars(env, name, n);
  return J(e);
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_callerExport(JNIEnv *env, jclass c, jlong caller, jstring name) {
  const char *n = (*env)->GetStringUTFChars(env, name, NULL);
  wasm_extern_t *e = wedge_caller_export_get(P(caller), n, strlen(n));
  (*env)->ReleaseStringUTFChars(env, name, n);
  struct scope *s = current_scope;
  if (e && s) {
    if (s->len == s->cap) {
      s->cap = s->cap ? 2 * s->cap : 4;
      s->items = realloc(s->items, sizeof(wasm_extern_t *) * s->cap);
    }
    s->items[s->len++] = e;
  }
  return J(e);
}
JNIEXPORT jint JNICALL Java_dev_wedge_Native_externKind(JNIEnv *env, jclass c, jlong e) {
  return wasm_extern_kind(P(e));
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_externAs(JNIEnv *env, jclass c, jlong e, jint kind) {
  switch (kind) {
    case WASM_EXTERN_FUNC: return J(wasm_extern_as_func(P(e)));
    case WASM_EXTERN_GLOBAL: return J(wasm_extern_as_global(P(e)));
    case WASM_EXTERN_MEMORY: return J(wasm_extern_as_memory(P(e)));
  }
  return 0;
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_externDelete(JNIEnv *env, jclass c, jlong e) { wasm_extern_delete(P(e)); }
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_wasiBindImport(JNIEnv *env, jclass c, jlong store, jlong module,
                                                            jint index) {
  wasm_importtype_vec_t v;
  wasm_module_imports(P(module), &v);
  wasm_extern_t *e = (size_t)index < v.size ? wasi_store_bind_import(P(store), v.data[index]) : NULL;
  wasm_importtype_vec_delete(&v);
  return J(e);
}

/* ---- memories and globals -------------------------------------------------------------- */

JNIEXPORT jobject JNICALL Java_dev_wedge_Native_memoryBuffer(JNIEnv *env, jclass c, jlong m) {
  size_t n = wasm_memory_data_size(P(m));
  return (*env)->NewDirectByteBuffer(env, wasm_memory_data(P(m)), (jlong)n);
}
JNIEXPORT jint JNICALL Java_dev_wedge_Native_memorySize(JNIEnv *env, jclass c, jlong m) {
  return (jint)wasm_memory_size(P(m));
}
JNIEXPORT jboolean JNICALL Java_dev_wedge_Native_memoryGrow(JNIEnv *env, jclass c, jlong m, jint delta) {
  return delta >= 0 && wasm_memory_grow(P(m), (wasm_memory_pages_t)delta);
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_memoryAsExtern(JNIEnv *env, jclass c, jlong m) {
  return J(wasm_memory_as_extern(P(m)));
}

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_globalNew(JNIEnv *env, jclass c, jlong store, jint kind,
                                                        jboolean mutable, jobject value) {
  wasm_val_t v;
  char why[128];
  if (!unbox(env, value, kind, &v, why, sizeof why)) {
    throw_wasm(env, why);
    return 0;
  }
  wasm_globaltype_t *ty = wasm_globaltype_new(wasm_valtype_new((wasm_valkind_t)kind), mutable ? WASM_VAR : WASM_CONST);
  wasm_global_t *g = wasm_global_new(P(store), ty, &v);
  wasm_globaltype_delete(ty);
  if (!g) throw_last_error(env, "cannot make the global");
  return J(g);
}
JNIEXPORT jobject JNICALL Java_dev_wedge_Native_globalGet(JNIEnv *env, jclass c, jlong g) {
  wasm_val_t v;
  wasm_global_get(P(g), &v);
  return box(env, &v);
}
JNIEXPORT jboolean JNICALL Java_dev_wedge_Native_globalSet(JNIEnv *env, jclass c, jlong g, jobject value) {
  wasm_globaltype_t *ty = wasm_global_type(P(g));
  int kind = wasm_valtype_kind(wasm_globaltype_content(ty));
  wasm_globaltype_delete(ty);
  wasm_val_t v;
  char why[128];
  if (!unbox(env, value, kind, &v, why, sizeof why)) return JNI_FALSE;
  return wedge_global_set(P(g), &v);
}
JNIEXPORT jlong JNICALL Java_dev_wedge_Native_globalAsExtern(JNIEnv *env, jclass c, jlong g) {
  return J(wasm_global_as_extern(P(g)));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_globalDelete(JNIEnv *env, jclass c, jlong g) { wasm_global_delete(P(g)); }

/* ---- WASI ------------------------------------------------------------------------------ */

JNIEXPORT jlong JNICALL Java_dev_wedge_Native_wasiConfigNew(JNIEnv *env, jclass c) { return J(wasi_config_new()); }
JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigDelete(JNIEnv *env, jclass c, jlong p) {
  wasi_config_delete(P(p));
}

/* Copies a Java String[] into C strings (free with free_strings). */
static char **strings(JNIEnv *env, jobjectArray a, jsize *n) {
  *n = (*env)->GetArrayLength(env, a);
  char **out = calloc((size_t)(*n ? *n : 1), sizeof(char *));
  for (jsize i = 0; i < *n; i++) {
    jstring s = (*env)->GetObjectArrayElement(env, a, i);
    const char *u = s ? (*env)->GetStringUTFChars(env, s, NULL) : "";
    out[i] = strdup(u);
    if (s) (*env)->ReleaseStringUTFChars(env, s, u);
  }
  return out;
}
static void free_strings(char **s, jsize n) {
  for (jsize i = 0; i < n; i++) free(s[i]);
  free(s);
}

JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigArgv(JNIEnv *env, jclass c, jlong p, jobjectArray argv) {
  jsize n;
  char **a = strings(env, argv, &n);
  wasi_config_set_argv(P(p), (size_t)n, (const char *const *)a);
  free_strings(a, n);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigEnv(JNIEnv *env, jclass c, jlong p, jobjectArray names,
                                                           jobjectArray values) {
  jsize n, m;
  char **k = strings(env, names, &n), **v = strings(env, values, &m);
  wasi_config_set_env(P(p), (size_t)n, (const char *const *)k, (const char *const *)v);
  free_strings(k, n);
  free_strings(v, m);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigStdinBytes(JNIEnv *env, jclass c, jlong p, jbyteArray bytes) {
  jsize n = (*env)->GetArrayLength(env, bytes);
  wasm_byte_vec_t v;
  wasm_byte_vec_new_uninitialized(&v, (size_t)n);
  (*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *)v.data);
  wasi_config_set_stdin_bytes(P(p), &v);
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigInheritStdio(JNIEnv *env, jclass c, jlong p) {
  wasi_config_inherit_stdin(P(p));
  wasi_config_inherit_stdout(P(p));
  wasi_config_inherit_stderr(P(p));
}
JNIEXPORT void JNICALL Java_dev_wedge_Native_wasiConfigCapture(JNIEnv *env, jclass c, jlong p) {
  wasi_config_capture_stdout(P(p));
  wasi_config_capture_stderr(P(p));
}
JNIEXPORT jboolean JNICALL Java_dev_wedge_Native_wasiConfigPreopen(JNIEnv *env, jclass c, jlong p, jstring host,
                                                                   jstring guest, jboolean readOnly) {
  const char *h = (*env)->GetStringUTFChars(env, host, NULL), *g = (*env)->GetStringUTFChars(env, guest, NULL);
  size_t dir = readOnly ? WASI_DIR_PERMS_READ : WASI_DIR_PERMS_READ | WASI_DIR_PERMS_WRITE;
  size_t file = readOnly ? WASI_FILE_PERMS_READ : WASI_FILE_PERMS_READ | WASI_FILE_PERMS_WRITE;
  jboolean ok = wasi_config_preopen_dir(P(p), h, g, dir, file);
  (*env)->ReleaseStringUTFChars(env, host, h);
  (*env)->ReleaseStringUTFChars(env, guest, g);
  return ok;
}
