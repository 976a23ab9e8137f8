// Tests of wedge.hh: RAII handles, exceptions for traps and errors, host functions from
// lambdas (and C++ exceptions thrown in them), memories, globals, tables, references,
// modules shared between threads, AOT round trips and WASI. Prints what it checks;
// the expected output is test_wedge.expected.
#include <wedge.hh>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n";     \
      std::exit(1);                                                                  \
    }                                                                                \
  } while (0)

static const char *WAT = R"((module $demo
  (import "host" "log" (func $log (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $add)
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "log_twice") (param i32) (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $log (call $log (local.get 0))))
  (func $crash (export "crash") (unreachable))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
)";

static wedge::Engine engine_for_tests() {
  const char *interp = std::getenv("WEDGE_TEST_INTERPRET");
  if (interp && std::string(interp) == "1") return wedge::Engine(wedge::Config().strategy(WEDGE_STRATEGY_INTERPRETER));
  return wedge::Engine();
}

int main() {
  wedge::Engine engine = engine_for_tests();
  wedge::Store store(engine);
  wedge::Module module(engine, WAT);

  std::cout << "imports:";
  for (auto &i : module.imports()) std::cout << " " << i.module << "." << i.name << "/" << i.func->params.size();
  std::cout << "\nexports:";
  for (auto &e : module.exports()) std::cout << " " << e.name;
  std::cout << "\n";

  int logged = 0;
  wedge::Func log(store, {{wedge::ValKind::I32}, {wedge::ValKind::I32}},
                  [&logged](const std::vector<wedge::Val> &args) -> std::vector<wedge::Val> {
                    logged++;
                    if (args[0].i32() < 0) throw std::runtime_error("negative numbers are not logged");
                    std::cout << "log(" << args[0].i32() << ")\n";
                    return {wedge::Val(args[0].i32() * 10)};
                  });
  wedge::Instance instance(store, module, {log});

  auto add = instance.func("add");
  std::cout << "add(2, 3) = " << add(2, 3)[0].i32() << "\n";
  int32_t twice = instance.func("log_twice")(4)[0].i32();
  std::cout << "log_twice(4) = " << twice << "\n";

  try {
    instance.func("log_twice")(-1);
    CHECK(false);
  } catch (const wedge::Trap &t) {
    std::cout << "host exception became a trap: " << t.message() << " (" << t.frames().size() << " frame)\n";
  }
  try {
    instance.func("crash")();
    CHECK(false);
  } catch (const wedge::Trap &t) {
    std::cout << "trap: " << t.message() << " in " << t.frames().at(0).func_name << "\n";
  }
  try {
    add(1);
    CHECK(false);
  } catch (const wedge::Trap &t) {
    std::cout << "bad call: " << t.message() << "\n";
  }
  try {
    wedge::Module bad(engine, std::string_view("\0asm\x02\0\0\0", 8));
    CHECK(false);
  } catch (const wedge::Error &e) {
    std::cout << "bad module: " << e.what() << "\n";
  }
  try {
    wedge::Instance missing(store, module, {});
    CHECK(false);
  } catch (const wedge::Trap &t) {
    std::cout << "missing import: " << t.message() << "\n";
  }

  // Memory, global, table.
  auto memory = instance.memory("memory");
  instance.func("store")(100, 42);
  std::cout << "memory: " << memory.pages() << " page, byte 100 = " << int(memory.data()[100]) << "\n";
  CHECK(memory.grow(2));
  std::cout << "after grow: " << memory.pages() << " pages, " << memory.data_size() << " bytes\n";
  CHECK(!memory.grow(5));
  auto counter = instance.get("counter")->global();
  std::cout << "counter = " << counter->get().i32() << "\n";
  counter->set(wedge::Val(int32_t(7)));
  std::cout << "counter set to " << counter->get().i32() << "\n";
  try {
    counter->set(wedge::Val(int64_t(1)));
    CHECK(false);
  } catch (const wedge::Error &e) {
    std::cout << "wrong kind refused: " << e.what() << "\n";
  }
  auto table = instance.get("table")->table();
  auto entry = table->get(0).as_func();
  std::cout << "table[0] is add: " << (entry && entry->call({wedge::Val(20), wedge::Val(22)})[0].i32() == 42 ? "yes" : "no") << "\n";
  table->set(1, wedge::Ref(wasm_func_as_ref(wasm_func_copy(log.c()))));
  std::cout << "table[1] is null: " << (table->get(1).is_null() ? "yes" : "no") << ", size " << table->size() << "\n";

  // References keep their identity through wasm.
  wedge::Module refs(engine, R"((module (func (export "id") (param externref) (result externref) (local.get 0))))");
  wedge::Instance ri(store, refs, {});
  wedge::Ref obj = wedge::foreign(store);
  static int finalized = 0;
  obj.set_host_info(&finalized, [](void *p) { ++*static_cast<int *>(p); });
  auto back = ri.func("id").call({wedge::Val::externref(obj)})[0].ref();
  std::cout << "externref round trip: same " << (back.same(obj) ? "yes" : "no") << "\n";

  // AOT round trip.
  std::string file = module.serialize();
  wedge::Module loaded = wedge::Module::deserialize(store, file);
  std::cout << "deserialized module runs natively: " << (loaded.is_native() == engine.compiles() ? "as the engine does" : "no") << "\n";

  // Threads: one module, a store each.
  wedge::SharedModule shared = wedge::Module(engine, R"((module (func (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))))").share();
  int results[4] = {0, 0, 0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&, t] {
      wedge::Store s(engine);
      wedge::Instance i(s, shared.obtain(s), {});
      results[t] = i.func("sq")(t + 3)[0].i32();
    });
  for (auto &t : threads) t.join();
  std::cout << "threads: " << results[0] << " " << results[1] << " " << results[2] << " " << results[3] << "\n";

  // WASI.
  wedge::Store wasi_store(engine);
  wasi_store.set_wasi(wedge::WasiConfig().argv({"greet", "from-c++"}).stdin_bytes("piped\n").capture_stdout());
  FILE *f = std::fopen("../../../crates/wedge-c-api/tests/c/guest/greet.wasm", "rb");
  CHECK(f);
  std::string bytes;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
  std::fclose(f);
  wedge::Module greet(engine, bytes);
  wedge::Instance gi = wedge::Instance::with_wasi(wasi_store, greet);
  try {
    gi.func("_start")();
  } catch (const wedge::Trap &t) {
    std::cout << "greet exited with " << t.exit_status().value_or(-1) << "; first line: ";
    std::string out = wasi_store.captured_stdout();
    std::cout << out.substr(0, out.find('\n')) << "\n";
  }
  std::cout << "host function called " << logged << " times\n";
  return 0;
}
