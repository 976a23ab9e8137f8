// wedge.hh - a header-only C++17 wrapper over libwedge's C API (wasm.h, wasi.h, wedge.h).
//
// Objects own their C handles (RAII); copies of reference objects are new handles to the
// same object. Failures throw wedge::Error, wasm traps throw wedge::Trap (with the wasm
// backtrace), so a C++ program never checks a null pointer. Host functions are any callable
// taking and returning std::vector<wedge::Val>; a C++ exception thrown by one becomes a trap
// with the exception's message.
//
// Thread safety is the C API's (see wedge.h): an Engine may be shared; a Store and all
// objects made in it are used by one thread at a time; modules cross threads with
// Module::share and SharedModule::obtain.
//
// Build: c++ -std=c++17 prog.cc $(pkg-config --cflags --libs wedge)
#ifndef WEDGE_HH
#define WEDGE_HH

#include <wedge.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wedge {

// ---- Errors --------------------------------------------------------------------------

/// Something failed: an invalid module, a link error, a bad argument.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

/// One wasm frame of a trap's backtrace.
struct Frame {
  uint32_t func_index;
  std::string func_name;   // empty if the module has no name for it
  size_t func_offset;      // 0 when unknown (compiled code)
  size_t module_offset;    // 0 when unknown (compiled code)
};

/// A wasm trap (or a host function's error) with its backtrace.
class Trap : public Error {
 public:
  Trap(std::string message, std::string description, std::vector<Frame> frames,
       std::optional<int32_t> exit_status)
      : Error(std::move(description)),
        message_(std::move(message)),
        frames_(std::move(frames)),
        exit_status_(exit_status) {}
  /// The trap's message without the backtrace ("unreachable", a host's message, ...).
  const std::string &message() const { return message_; }
  /// The wasm frames, innermost first.
  const std::vector<Frame> &frames() const { return frames_; }
  /// The status a WASI program passed to proc_exit, if that is what ended it.
  std::optional<int32_t> exit_status() const { return exit_status_; }

 private:
  std::string message_;
  std::vector<Frame> frames_;
  std::optional<int32_t> exit_status_;
};

namespace detail {

inline std::string take_string(wasm_byte_vec_t &v) {
  std::string s(v.data ? v.data : "", v.size);
  if (!s.empty() && s.back() == '\0') s.pop_back();
  wasm_byte_vec_delete(&v);
  return s;
}

inline std::string last_error() {
  wasm_byte_vec_t v;
  if (!wedge_last_error_message(&v)) return "unknown error";
  return take_string(v);
}

[[noreturn]] inline void fail() { throw Error(last_error()); }

inline void check(wedge_error_t *e) {
  if (!e) return;
  wasm_byte_vec_t v;
  wedge_error_message(e, &v);
  wedge_error_delete(e);
  throw Error(take_string(v));
}

/// Throws the trap as a wedge::Trap, taking ownership of it.
[[noreturn]] inline void throw_trap(wasm_trap_t *t) {
  wasm_byte_vec_t v;
  wasm_trap_message(t, &v);
  std::string message = take_string(v);
  wedge_trap_describe(t, &v);
  std::string description = take_string(v);
  std::vector<Frame> frames;
  wasm_frame_vec_t trace;
  wasm_trap_trace(t, &trace);
  for (size_t i = 0; i < trace.size; i++) {
    wasm_byte_vec_t name;
    wedge_frame_func_name(trace.data[i], &name);
    frames.push_back(Frame{wasm_frame_func_index(trace.data[i]), take_string(name),
                           wasm_frame_func_offset(trace.data[i]), wasm_frame_module_offset(trace.data[i])});
  }
  wasm_frame_vec_delete(&trace);
  int32_t status = 0;
  std::optional<int32_t> exit;
  if (wasi_trap_exit_status(t, &status)) exit = status;
  wasm_trap_delete(t);
  throw Trap(std::move(message), std::move(description), std::move(frames), exit);
}

template <typename T, void (*Delete)(T *)>
struct Deleter {
  void operator()(T *p) const {
    if (p) Delete(p);
  }
};

template <typename T, void (*Delete)(T *)>
using Owned = std::unique_ptr<T, Deleter<T, Delete>>;

}  // namespace detail

// ---- Types ---------------------------------------------------------------------------

/// Value kinds (wasm_valkind_t).
enum class ValKind : uint8_t {
  I32 = WASM_I32,
  I64 = WASM_I64,
  F32 = WASM_F32,
  F64 = WASM_F64,
  V128 = WEDGE_V128,
  ExternRef = WASM_EXTERNREF,
  FuncRef = WASM_FUNCREF,
  AnyRef = WEDGE_ANYREF,
  ExnRef = WEDGE_EXNREF,
};

/// A function signature.
struct FuncType {
  std::vector<ValKind> params, results;

  /// A new C function type (owned by the caller).
  wasm_functype_t *to_c() const {
    auto vec = [](const std::vector<ValKind> &kinds) {
      wasm_valtype_vec_t v;
      wasm_valtype_vec_new_uninitialized(&v, kinds.size());
      for (size_t i = 0; i < kinds.size(); i++) v.data[i] = wasm_valtype_new(static_cast<wasm_valkind_t>(kinds[i]));
      return v;
    };
    wasm_valtype_vec_t p = vec(params), r = vec(results);
    return wasm_functype_new(&p, &r);
  }

  static FuncType from_c(const wasm_functype_t *t) {
    FuncType f;
    const wasm_valtype_vec_t *p = wasm_functype_params(t), *r = wasm_functype_results(t);
    for (size_t i = 0; i < p->size; i++) f.params.push_back(static_cast<ValKind>(wasm_valtype_kind(p->data[i])));
    for (size_t i = 0; i < r->size; i++) f.results.push_back(static_cast<ValKind>(wasm_valtype_kind(r->data[i])));
    return f;
  }
};

/// What a module imports or exports: kind and, for functions, the signature.
struct ExternDesc {
  std::string module;  // empty for exports
  std::string name;
  wasm_externkind_t kind;
  std::optional<FuncType> func;  // set for functions
};

// ---- Values and references -------------------------------------------------------------

class Func;

/// A reference to any object (function, foreign object, ...) or null, owning its handle.
class Ref {
 public:
  Ref() = default;
  /// Takes ownership of a C reference handle.
  explicit Ref(wasm_ref_t *r) : ref_(r) {}
  Ref(const Ref &o) : ref_(o.ref_ ? wasm_ref_copy(o.ref_.get()) : nullptr) {}
  Ref(Ref &&) noexcept = default;
  Ref &operator=(Ref o) noexcept {
    ref_.swap(o.ref_);
    return *this;
  }
  bool is_null() const { return !ref_; }
  /// Whether both name the same object.
  bool same(const Ref &o) const { return wasm_ref_same(ref_.get(), o.ref_.get()); }
  /// The object's host info (shared by all handles of the object).
  void *host_info() const { return ref_ ? wasm_ref_get_host_info(ref_.get()) : nullptr; }
  /// Sets host info and a finalizer run when the object's last handle goes.
  void set_host_info(void *info, void (*finalizer)(void *) = nullptr) {
    if (ref_) wasm_ref_set_host_info_with_finalizer(ref_.get(), info, finalizer);
  }
  /// The function this reference is, if it is one.
  std::optional<Func> as_func() const;
  wasm_ref_t *get() const { return ref_.get(); }
  wasm_ref_t *release() { return ref_.release(); }

 private:
  detail::Owned<wasm_ref_t, wasm_ref_delete> ref_;
};

/// A wasm value: a number, or a reference (owned).
class Val {
 public:
  Val() : v_{WASM_I32, {0}} {}
  Val(int32_t i) : v_{WASM_I32, {0}} { v_.of.i32 = i; }
  Val(int64_t i) : v_{WASM_I64, {0}} { v_.of.i64 = i; }
  Val(float f) : v_{WASM_F32, {0}} { v_.of.f32 = f; }
  Val(double f) : v_{WASM_F64, {0}} { v_.of.f64 = f; }
  /// An externref (null if the reference is null).
  static Val externref(Ref r) {
    Val v;
    v.v_.kind = WASM_EXTERNREF;
    v.v_.of.ref = r.release();
    return v;
  }
  /// A funcref (null if the reference is null).
  static Val funcref(Ref r) {
    Val v;
    v.v_.kind = WASM_FUNCREF;
    v.v_.of.ref = r.release();
    return v;
  }
  /// Takes ownership of a C value.
  static Val from_c(wasm_val_t raw) {
    Val v;
    v.v_ = raw;
    return v;
  }
  Val(const Val &o) { wasm_val_copy(&v_, &o.v_); }
  Val(Val &&o) noexcept : v_(o.v_) { o.v_ = wasm_val_t{WASM_I32, {0}}; }
  Val &operator=(Val o) noexcept {
    std::swap(v_, o.v_);
    return *this;
  }
  ~Val() { wasm_val_delete(&v_); }

  ValKind kind() const { return static_cast<ValKind>(v_.kind); }
  int32_t i32() const { return expect(ValKind::I32).of.i32; }
  int64_t i64() const { return expect(ValKind::I64).of.i64; }
  float f32() const { return expect(ValKind::F32).of.f32; }
  double f64() const { return expect(ValKind::F64).of.f64; }
  /// The reference of a reference value (a new handle; null for null).
  Ref ref() const {
    if (v_.kind < WASM_EXTERNREF) throw Error("not a reference value");
    return Ref(v_.of.ref ? wasm_ref_copy(v_.of.ref) : nullptr);
  }
  const wasm_val_t &c() const { return v_; }
  /// Gives up the C value (and ownership of its reference).
  wasm_val_t release() {
    wasm_val_t r = v_;
    v_ = wasm_val_t{WASM_I32, {0}};
    return r;
  }

 private:
  const wasm_val_t &expect(ValKind k) const {
    if (kind() != k) throw Error("value is of another kind");
    return v_;
  }
  wasm_val_t v_;
};

// ---- Engine, store ---------------------------------------------------------------------

/// Engine settings (wasm.h config plus wedge.h switches).
class Config {
 public:
  Config() : c_(wasm_config_new()) {}
  /// Chooses the tier: WEDGE_STRATEGY_AUTO, _INTERPRETER or _COMPILER.
  Config &strategy(uint8_t s) {
    if (!wedge_config_strategy(c_.get(), s)) detail::fail();
    return *this;
  }
  /// Turns a WebAssembly feature on or off by name ("simd", "gc", "threads", ...).
  Config &feature(const std::string &name, bool enable) {
    if (!wedge_config_wasm_feature(c_.get(), name.c_str(), enable)) detail::fail();
    return *this;
  }
  Config &metering(bool yes) {
    wedge_config_metering(c_.get(), yes);
    return *this;
  }
  Config &cost_table(std::string_view text) {
    detail::check(wedge_config_cost_table(c_.get(), text.data(), text.size()));
    return *this;
  }
  Config &interruptible(bool yes) {
    wedge_config_interruptible(c_.get(), yes);
    return *this;
  }
  Config &deterministic(bool yes) {
    wedge_config_deterministic(c_.get(), yes);
    return *this;
  }
  Config &max_call_depth(size_t depth) {
    wedge_config_max_call_depth(c_.get(), depth);
    return *this;
  }
  wasm_config_t *release() { return c_.release(); }

 private:
  detail::Owned<wasm_config_t, wasm_config_delete> c_;
};

/// A compilation environment; may be shared by threads.
class Engine {
 public:
  Engine() : e_(wasm_engine_new()) {}
  /// An engine with these settings (the config is used up).
  explicit Engine(Config &config) : e_(wasm_engine_new_with_config(config.release())) {}
  explicit Engine(Config &&config) : Engine(config) {}
  bool compiles() const { return wedge_engine_compiles(e_.get()); }
  wasm_engine_t *get() const { return e_.get(); }

 private:
  detail::Owned<wasm_engine_t, wasm_engine_delete> e_;
};

/// WASI settings for a store.
class WasiConfig {
 public:
  WasiConfig() : c_(wasi_config_new()) {}
  WasiConfig &argv(const std::vector<std::string> &args) {
    std::vector<const char *> p;
    for (auto &a : args) p.push_back(a.c_str());
    wasi_config_set_argv(c_.get(), p.size(), p.data());
    return *this;
  }
  WasiConfig &env(const std::vector<std::pair<std::string, std::string>> &vars) {
    std::vector<const char *> n, v;
    for (auto &kv : vars) {
      n.push_back(kv.first.c_str());
      v.push_back(kv.second.c_str());
    }
    wasi_config_set_env(c_.get(), n.size(), n.data(), v.data());
    return *this;
  }
  WasiConfig &stdin_bytes(std::string_view bytes) {
    wasm_byte_vec_t v;
    wasm_byte_vec_new(&v, bytes.size(), bytes.data());
    wasi_config_set_stdin_bytes(c_.get(), &v);
    return *this;
  }
  WasiConfig &inherit_stdio() {
    wasi_config_inherit_stdin(c_.get());
    wasi_config_inherit_stdout(c_.get());
    wasi_config_inherit_stderr(c_.get());
    return *this;
  }
  WasiConfig &capture_stdout() {
    wasi_config_capture_stdout(c_.get());
    return *this;
  }
  WasiConfig &capture_stderr() {
    wasi_config_capture_stderr(c_.get());
    return *this;
  }
  /// Gives the guest a host directory under a guest name, read-only unless writable.
  WasiConfig &preopen_dir(const std::string &host, const std::string &guest, bool writable = false) {
    size_t perms = WASI_DIR_PERMS_READ | (writable ? WASI_DIR_PERMS_WRITE : 0);
    if (!wasi_config_preopen_dir(c_.get(), host.c_str(), guest.c_str(), perms, perms)) detail::fail();
    return *this;
  }
  wasi_config_t *release() { return c_.release(); }

 private:
  detail::Owned<wasi_config_t, wasi_config_delete> c_;
};

/// A store: owner of instances and their objects; one thread at a time.
class Store {
 public:
  explicit Store(const Engine &engine) : s_(wasm_store_new(engine.get())) {}
  wasm_store_t *get() const { return s_.get(); }

  /// Makes `config` the WASI state of the store's guests.
  /// (The config is used up.)
  void set_wasi(WasiConfig &config) {
    if (!wasi_store_set_config(s_.get(), config.release())) detail::fail();
  }
  void set_wasi(WasiConfig &&config) { set_wasi(config); }
  /// What guests wrote to a captured stdout / stderr so far.
  std::string captured_stdout() {
    wasm_byte_vec_t v;
    wasi_store_captured_stdout(s_.get(), &v);
    std::string s(v.data ? v.data : "", v.size);
    wasm_byte_vec_delete(&v);
    return s;
  }
  std::string captured_stderr() {
    wasm_byte_vec_t v;
    wasi_store_captured_stderr(s_.get(), &v);
    std::string s(v.data ? v.data : "", v.size);
    wasm_byte_vec_delete(&v);
    return s;
  }
  void set_gas_limit(uint64_t gas) { wedge_store_set_gas_limit(s_.get(), gas); }
  uint64_t gas_used() const { return wedge_store_gas_used(s_.get()); }
  uint64_t instruction_count() const { return wedge_store_instruction_count(s_.get()); }
  void set_time_limit_ms(uint64_t ms) { wedge_store_set_time_limit(s_.get(), ms); }
  void set_limits(uint64_t memory_pages, uint64_t memory_bytes = UINT64_MAX, uint64_t table_elements = UINT64_MAX) {
    wedge_store_set_limits(s_.get(), memory_pages, memory_bytes, table_elements);
  }

 private:
  detail::Owned<wasm_store_t, wasm_store_delete> s_;
};

// ---- Externs ---------------------------------------------------------------------------

/// An extern: function, global, table, memory or tag (owning its handle).
class Extern {
 public:
  explicit Extern(wasm_extern_t *e) : e_(e) {}
  Extern(const Extern &o) : e_(wasm_extern_copy(o.e_.get())) {}
  Extern(Extern &&) noexcept = default;
  Extern &operator=(Extern o) noexcept {
    e_.swap(o.e_);
    return *this;
  }
  wasm_externkind_t kind() const { return wasm_extern_kind(e_.get()); }
  wasm_extern_t *get() const { return e_.get(); }
  std::optional<Func> func() const;
  std::optional<class Memory> memory() const;
  std::optional<class Global> global() const;
  std::optional<class Table> table() const;

 protected:
  detail::Owned<wasm_extern_t, wasm_extern_delete> e_;
};

/// A function: exported by an instance, or a host function made from a C++ callable.
class Func : public Extern {
 public:
  using Callback = std::function<std::vector<Val>(const std::vector<Val> &)>;

  /// Takes ownership of a C function handle.
  explicit Func(wasm_func_t *f) : Extern(wasm_func_as_extern(f)) {}
  /// A host function of type `ty` calling `f`.
  Func(Store &store, const FuncType &ty, Callback f) : Extern(nullptr) {
    wasm_functype_t *t = ty.to_c();
    auto *env = new Callback(std::move(f));
    wasm_func_t *func = wasm_func_new_with_env(store.get(), t, &Func::trampoline, env, &Func::finalize);
    wasm_functype_delete(t);
    e_.reset(wasm_func_as_extern(func));
  }

  wasm_func_t *c() const { return wasm_extern_as_func(e_.get()); }
  FuncType type() const {
    wasm_functype_t *t = wasm_func_type(c());
    FuncType f = FuncType::from_c(t);
    wasm_functype_delete(t);
    return f;
  }

  /// Calls the function; throws Trap on a trap or a bad argument.
  std::vector<Val> call(const std::vector<Val> &args) const {
    std::vector<wasm_val_t> in;
    for (auto &a : args) in.push_back(a.c());
    std::vector<wasm_val_t> out(wasm_func_result_arity(c()), wasm_val_t{WASM_I32, {0}});
    wasm_val_vec_t in_vec{in.size(), in.data()}, out_vec{out.size(), out.data()};
    if (wasm_trap_t *t = wasm_func_call(c(), &in_vec, &out_vec)) detail::throw_trap(t);
    std::vector<Val> results;
    for (auto &o : out) results.push_back(Val::from_c(o));
    return results;
  }

  /// Calls with plain arguments: f(1, 2) returns the results.
  template <typename... Args>
  std::vector<Val> operator()(Args... args) const {
    return call(std::vector<Val>{Val(args)...});
  }

 private:
  static wasm_trap_t *trampoline(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
    std::vector<Val> in;
    for (size_t i = 0; i < args->size; i++) {
      wasm_val_t copy;
      wasm_val_copy(&copy, &args->data[i]);
      in.push_back(Val::from_c(copy));
    }
    try {
      std::vector<Val> out = (*static_cast<Callback *>(env))(in);
      if (out.size() != results->size) throw Error("host function returned the wrong number of results");
      for (size_t i = 0; i < out.size(); i++) results->data[i] = out[i].release();
      return nullptr;
    } catch (const std::exception &e) {
      return make_trap(e.what());
    } catch (...) {
      return make_trap("unknown C++ exception in a host function");
    }
  }
  static wasm_trap_t *make_trap(const char *what) {
    wasm_message_t msg;
    wasm_name_new_from_string_nt(&msg, what);
    wasm_trap_t *t = wasm_trap_new(nullptr, &msg);
    wasm_name_delete(&msg);
    return t;
  }
  static void finalize(void *env) { delete static_cast<Callback *>(env); }
};

/// A linear memory.
class Memory : public Extern {
 public:
  explicit Memory(wasm_memory_t *m) : Extern(wasm_memory_as_extern(m)) {}
  wasm_memory_t *c() const { return wasm_extern_as_memory(e_.get()); }
  /// The bytes (valid until the memory grows).
  uint8_t *data() const { return reinterpret_cast<uint8_t *>(wasm_memory_data(c())); }
  size_t data_size() const { return wasm_memory_data_size(c()); }
  uint32_t pages() const { return wasm_memory_size(c()); }
  /// Grows by `delta` pages; false if it cannot.
  bool grow(uint32_t delta) { return wasm_memory_grow(c(), delta); }
};

/// A global.
class Global : public Extern {
 public:
  explicit Global(wasm_global_t *g) : Extern(wasm_global_as_extern(g)) {}
  /// A new global of `kind`, mutable or not, with an initial value.
  Global(Store &store, ValKind kind, bool mutable_, const Val &init) : Extern(nullptr) {
    wasm_globaltype_t *t = wasm_globaltype_new(wasm_valtype_new(static_cast<wasm_valkind_t>(kind)),
                                               mutable_ ? WASM_VAR : WASM_CONST);
    wasm_global_t *g = wasm_global_new(store.get(), t, &init.c());
    wasm_globaltype_delete(t);
    if (!g) detail::fail();
    e_.reset(wasm_global_as_extern(g));
  }
  wasm_global_t *c() const { return wasm_extern_as_global(e_.get()); }
  Val get() const {
    wasm_val_t v;
    wasm_global_get(c(), &v);
    return Val::from_c(v);
  }
  void set(const Val &v) {
    if (!wedge_global_set(c(), &v.c())) detail::fail();
  }
};

/// A table of references.
class Table : public Extern {
 public:
  explicit Table(wasm_table_t *t) : Extern(wasm_table_as_extern(t)) {}
  wasm_table_t *c() const { return wasm_extern_as_table(e_.get()); }
  uint32_t size() const { return wasm_table_size(c()); }
  Ref get(uint32_t i) const { return Ref(wasm_table_get(c(), i)); }
  void set(uint32_t i, const Ref &r) {
    if (!wasm_table_set(c(), i, r.get())) detail::fail();
  }
  bool grow(uint32_t delta, const Ref &init = Ref()) { return wasm_table_grow(c(), delta, init.get()); }
};

inline std::optional<Func> Extern::func() const {
  if (kind() != WASM_EXTERN_FUNC) return std::nullopt;
  return Func(wasm_extern_as_func(wasm_extern_copy(e_.get())));
}
inline std::optional<Memory> Extern::memory() const {
  if (kind() != WASM_EXTERN_MEMORY) return std::nullopt;
  return Memory(wasm_extern_as_memory(wasm_extern_copy(e_.get())));
}
inline std::optional<Global> Extern::global() const {
  if (kind() != WASM_EXTERN_GLOBAL) return std::nullopt;
  return Global(wasm_extern_as_global(wasm_extern_copy(e_.get())));
}
inline std::optional<Table> Extern::table() const {
  if (kind() != WASM_EXTERN_TABLE) return std::nullopt;
  return Table(wasm_extern_as_table(wasm_extern_copy(e_.get())));
}
inline std::optional<Func> Ref::as_func() const {
  wasm_func_t *f = ref_ ? wasm_ref_as_func(ref_.get()) : nullptr;
  if (!f) return std::nullopt;
  return Func(wasm_func_copy(f));
}

/// A new foreign object (an opaque host reference wasm can hold as externref).
inline Ref foreign(Store &store) { return Ref(wasm_foreign_as_ref(wasm_foreign_new(store.get()))); }

// ---- Modules and instances ---------------------------------------------------------------

class SharedModule;

/// A compiled module (binary or text format).
class Module {
 public:
  Module(const Engine &engine, std::string_view bytes) {
    wasm_module_t *m = nullptr;
    detail::check(wedge_module_new(engine.get(), reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), &m));
    m_.reset(m);
  }
  explicit Module(wasm_module_t *m) : m_(m) {}
  Module(const Module &o) : m_(wasm_module_copy(o.m_.get())) {}
  Module(Module &&) noexcept = default;

  /// Loads what serialize() wrote.
  static Module deserialize(Store &store, std::string_view bytes) {
    wasm_byte_vec_t v;
    wasm_byte_vec_new(&v, bytes.size(), bytes.data());
    wasm_module_t *m = wasm_module_deserialize(store.get(), &v);
    wasm_byte_vec_delete(&v);
    if (!m) detail::fail();
    return Module(m);
  }
  /// The module as an AOT file (module plus native code).
  std::string serialize() const {
    wasm_byte_vec_t v;
    wasm_module_serialize(m_.get(), &v);
    std::string s(v.data ? v.data : "", v.size);
    wasm_byte_vec_delete(&v);
    return s;
  }
  bool is_native() const { return wedge_module_is_native(m_.get()); }

  std::vector<ExternDesc> imports() const {
    wasm_importtype_vec_t v;
    wasm_module_imports(m_.get(), &v);
    std::vector<ExternDesc> out;
    for (size_t i = 0; i < v.size; i++) {
      const wasm_name_t *mod = wasm_importtype_module(v.data[i]), *name = wasm_importtype_name(v.data[i]);
      out.push_back(describe(std::string(mod->data, mod->size), std::string(name->data, name->size),
                             wasm_importtype_type(v.data[i])));
    }
    wasm_importtype_vec_delete(&v);
    return out;
  }
  std::vector<ExternDesc> exports() const {
    wasm_exporttype_vec_t v;
    wasm_module_exports(m_.get(), &v);
    std::vector<ExternDesc> out;
    for (size_t i = 0; i < v.size; i++) {
      const wasm_name_t *name = wasm_exporttype_name(v.data[i]);
      out.push_back(describe("", std::string(name->data, name->size), wasm_exporttype_type(v.data[i])));
    }
    wasm_exporttype_vec_delete(&v);
    return out;
  }
  SharedModule share() const;
  wasm_module_t *get() const { return m_.get(); }

 private:
  static ExternDesc describe(std::string mod, std::string name, const wasm_externtype_t *t) {
    ExternDesc d{std::move(mod), std::move(name), wasm_externtype_kind(t), std::nullopt};
    if (const wasm_functype_t *f = wasm_externtype_as_functype_const(t)) d.func = FuncType::from_c(f);
    return d;
  }
  detail::Owned<wasm_module_t, wasm_module_delete> m_;
};

/// A module that may be handed to another thread.
class SharedModule {
 public:
  explicit SharedModule(wasm_shared_module_t *s) : s_(s) {}
  /// The module for a store of this thread.
  Module obtain(Store &store) const {
    wasm_module_t *m = wasm_module_obtain(store.get(), s_.get());
    if (!m) detail::fail();
    return Module(m);
  }

 private:
  detail::Owned<wasm_shared_module_t, wasm_shared_module_delete> s_;
};

inline SharedModule Module::share() const { return SharedModule(wasm_module_share(m_.get())); }

/// An instance of a module.
class Instance {
 public:
  /// Instantiates with one extern per import, in order; throws Trap if the start function
  /// traps or an import is missing or mistyped.
  Instance(Store &store, const Module &module, const std::vector<Extern> &imports) {
    std::vector<wasm_extern_t *> ptrs;
    for (auto &e : imports) ptrs.push_back(e.get());
    wasm_extern_vec_t vec{ptrs.size(), ptrs.data()};
    wasm_trap_t *trap = nullptr;
    wasm_instance_t *i = wasm_instance_new(store.get(), module.get(), &vec, &trap);
    if (!i) detail::throw_trap(trap);
    i_.reset(i);
  }
  /// Instantiates a module that imports only WASI, with the store's WASI state.
  static Instance with_wasi(Store &store, const Module &module) {
    wasm_extern_vec_t imports;
    if (!wasi_store_imports(store.get(), module.get(), &imports)) detail::fail();
    std::vector<Extern> owned;
    for (size_t i = 0; i < imports.size; i++) owned.emplace_back(wasm_extern_copy(imports.data[i]));
    wasm_extern_vec_delete(&imports);
    return Instance(store, module, owned);
  }
  /// The export named `name`, if any.
  std::optional<Extern> get(std::string_view name) const {
    wasm_extern_t *e = wedge_instance_export_get(i_.get(), name.data(), name.size());
    if (!e) return std::nullopt;
    return Extern(e);
  }
  /// The exported function named `name`; throws if there is none.
  Func func(std::string_view name) const {
    auto e = get(name);
    auto f = e ? e->func() : std::nullopt;
    if (!f) throw Error("no exported function named " + std::string(name));
    return *f;
  }
  /// The exported memory named `name`; throws if there is none.
  Memory memory(std::string_view name) const {
    auto e = get(name);
    auto m = e ? e->memory() : std::nullopt;
    if (!m) throw Error("no exported memory named " + std::string(name));
    return *m;
  }
  std::vector<Extern> exports() const {
    wasm_extern_vec_t v;
    wasm_instance_exports(i_.get(), &v);
    std::vector<Extern> out;
    for (size_t i = 0; i < v.size; i++) out.emplace_back(wasm_extern_copy(v.data[i]));
    wasm_extern_vec_delete(&v);
    return out;
  }
  wasm_instance_t *get() const { return i_.get(); }

 private:
  detail::Owned<wasm_instance_t, wasm_instance_delete> i_;
};

/// Converts WebAssembly text to a binary module.
inline std::string wat2wasm(std::string_view text) {
  wasm_byte_vec_t v;
  detail::check(wedge_wat2wasm(text.data(), text.size(), &v));
  std::string s(v.data ? v.data : "", v.size);
  wasm_byte_vec_delete(&v);
  return s;
}

}  // namespace wedge

#endif
