package dev.wedge;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Java binding's tests: a plain main that prints a line per test and exits non-zero
 *  when one fails (run: java -cp build/classes -Dwedge.jni.path=... dev.wedge.WedgeTest GUEST). */
public final class WedgeTest {
    static final String ARITH = """
        (module $arith
          (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
          (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
          (func (export "scale") (param f32 f64) (result f64) local.get 0 f64.promote_f32 local.get 1 f64.mul)
          (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0)
          (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
          (func $middle (param i32) (result i32) local.get 0 i32.const 0 call $div)
          (func $outer (export "outer") (result i32) i32.const 1 call $middle)
          (func (export "spin") (loop (br 0)))
          (func (export "count") (param i32) (result i32) (local $i i32)
            (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get 0)))
              (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0))) local.get $i)
          (memory (export "memory") 1 3)
          (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
        """;

    interface Test {
        void run(Config.Strategy tier) throws Exception;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static <T extends Throwable> T expect(Class<T> type, Runnable body, String contains) {
        try {
            body.run();
        } catch (Throwable t) {
            check(type.isInstance(t), "expected " + type.getSimpleName() + ", got " + t);
            check(t.getMessage() != null && t.getMessage().contains(contains),
                    "message \"" + t.getMessage() + "\" lacks \"" + contains + "\"");
            return type.cast(t);
        }
        throw new AssertionError("expected " + type.getSimpleName() + " containing \"" + contains + "\"");
    }

    static Engine engine(Config.Strategy tier) {
        return new Engine(new Config().strategy(tier).metering(true).interruptible(true));
    }

    static void calls(Config.Strategy tier) {
        try (Engine e = engine(tier); Store s = new Store(e); Module m = Module.fromWat(e, ARITH)) {
            Instance i = new Linker(e).instantiate(s, m);
            check(i.getFunc("add").call1(2, 3).equals(5), "add");
            check(i.getFunc("add").call1(Integer.MAX_VALUE, 1).equals(Integer.MIN_VALUE), "wrapping add");
            check(i.getFunc("add64").call1(1L << 62, 1L << 62).equals(Long.MIN_VALUE), "add64");
            check(i.getFunc("scale").call1(1.5f, 4.0).equals(6.0), "scale");
            Object[] r = i.getFunc("swap").call(7, 1L << 40);
            check(r[0].equals(1L << 40) && r[1].equals(7), "swap");
            check(i.getFunc("missing") == null, "a missing export");
            check(m.exports().get(0).equals(new Module.Export("add", "func")), "exports");
        }
    }

    static void badInput(Config.Strategy tier) {
        try (Engine e = engine(tier); Store s = new Store(e)) {
            expect(WasmException.class, () -> new Module(e, new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5}), "offset");
            expect(WasmException.class, () -> Module.fromWat(e, "(module (func (result i32) i64.const 1))"),
                    "type mismatch");
            Instance i = new Linker(e).instantiate(s, Module.fromWat(e, ARITH));
            Func add = i.getFunc("add");
            expect(WasmException.class, () -> add.call(1), "takes 2 arguments, got 1");
            expect(WasmException.class, () -> add.call("one", 2), "expected a number");
            expect(WasmException.class, () -> add.call(1L << 40, 2), "expected an Integer");
            Module needs = Module.fromWat(e, "(module (import \"env\" \"f\" (func)))");
            expect(WasmException.class, () -> new Linker(e).instantiate(s, needs), "unknown import env::f");
            Global g = new Global(s, ValType.I32, false, 1);
            expect(Trap.class, () -> new Instance(s, needs, g), "incompatible import type");
            check(add.call1(1, 2).equals(3), "the store works after bad input");
        }
    }

    static void traps(Config.Strategy tier) {
        try (Engine e = engine(tier); Store s = new Store(e)) {
            Instance i = new Linker(e).instantiate(s, Module.fromWat(e, ARITH));
            Trap t = expect(Trap.class, () -> i.getFunc("outer").call(), "integer divide by zero");
            check(t.trapMessage().equals("integer divide by zero"), "trap message " + t.trapMessage());
            List<String> names = new ArrayList<>();
            t.frames().forEach(f -> names.add(f.funcName()));
            check(names.equals(List.of("div", "middle", "outer")), "frames " + t.frames());
            check(t.frames().get(0).moduleName().equals("arith") && t.getMessage().contains("wasm backtrace"),
                    "backtrace " + t.getMessage());
            check(t.exitCode() == null && !t.gasExhausted() && !t.interrupted(), "trap flags");
        }
    }

    static void hostFunctions(Config.Strategy tier) {
        try (Engine e = engine(tier); Store s = new Store(e)) {
            List<String> seen = new ArrayList<>();
            List<Memory> kept = new ArrayList<>();
            Linker l = new Linker(e);
            l.defineFunc("env", "log", FuncType.of(new ValType[] {ValType.I32, ValType.I32}), (caller, args) -> {
                kept.add(caller.getMemory("memory"));
                ByteBuffer mem = kept.get(0).buffer();
                int ptr = (Integer) args[0], len = (Integer) args[1];
                byte[] b = new byte[len];
                mem.get(ptr, b);
                seen.add(new String(b, StandardCharsets.UTF_8));
                mem.put(ptr, "HELLO".getBytes(StandardCharsets.UTF_8));
                return new Object[0];
            });
            l.defineFunc("env", "fail", FuncType.of(new ValType[] {ValType.I32}, ValType.I32), (caller, args) -> {
                int mode = (Integer) args[0];
                if (mode == 0) {
                    throw new IllegalStateException("no such key");
                }
                if (mode == 1) {
                    return new Object[] {"text"};
                }
                return new Object[] {mode * 10};
            });
            Instance i = l.instantiate(s, Module.fromWat(e, """
                (module (import "env" "log" (func $log (param i32 i32)))
                  (import "env" "fail" (func $fail (param i32) (result i32)))
                  (memory (export "memory") 1) (data (i32.const 8) "hello from wasm")
                  (func (export "run") (call $log (i32.const 8) (i32.const 15)))
                  (func $inner (param i32) (result i32) local.get 0 call $fail)
                  (func $try (export "try") (param i32) (result i32) local.get 0 call $inner))
                """));
            i.getFunc("run").call();
            byte[] b = new byte[15];
            i.getMemory("memory").buffer().get(8, b);
            check(seen.equals(List.of("hello from wasm")) && new String(b, StandardCharsets.UTF_8).equals("HELLO from wasm"),
                    "host memory access " + seen);
            expect(WasmException.class, () -> kept.get(0).buffer(), "after its host function returned");
            Trap t = expect(Trap.class, () -> i.getFunc("try").call(0), "host function threw java.lang.IllegalStateException: no such key");
            check(t.getCause() instanceof IllegalStateException && t.frames().size() == 2
                    && "try".equals(t.frames().get(1).funcName()), "host exception cause " + t.getCause() + " " + t.frames());
            expect(Trap.class, () -> i.getFunc("try").call(1), "expected a number");
            check(i.getFunc("try").call1(4).equals(40), "host result");
            Func twice = new Func(s, FuncType.of(new ValType[] {ValType.I64}, ValType.I64),
                    (c, args) -> new Object[] {2 * (Long) args[0]});
            check(twice.call1(21L).equals(42L), "a host function called from Java");
            Func wrongCount = new Func(s, FuncType.of(new ValType[0], ValType.I32), (c, args) -> new Object[0]);
            expect(Trap.class, wrongCount::call, "returned 0 values");
        }
    }

    static void memoryAndGlobals(Config.Strategy tier) {
        try (Engine e = engine(tier); Store s = new Store(e)) {
            Instance i = new Linker(e).instantiate(s, Module.fromWat(e, ARITH));
            Memory m = i.getMemory("memory");
            ByteBuffer old = m.buffer();
            check(old.capacity() == 65536 && m.size() == 1, "memory size");
            m.grow(1);
            check(i.getFunc("grow").call1(1).equals(2), "memory.grow");
            expect(WasmException.class, () -> m.grow(1), "cannot grow");
            old.put(5, (byte) 7);
            check(m.buffer().capacity() == 3 * 65536 && m.buffer().get(5) == 7, "buffer after growth");
            Global g = new Global(s, ValType.I64, true, 5L);
            g.set(9L);
            check(g.get().equals(9L), "global set");
            expect(WasmException.class, () -> g.set(1.5), "constant or of another type");
            Global k = new Global(s, ValType.F64, false, 0.5);
            expect(WasmException.class, () -> k.set(1.0), "constant");
        }
    }

    static void limits(Config.Strategy tier) throws Exception {
        try (Engine e = engine(tier); Store s = new Store(e)) {
            Instance i = new Linker(e).instantiate(s, Module.fromWat(e, ARITH));
            s.setGasLimit(10_000);
            check(i.getFunc("count").call1(10).equals(10) && s.gasUsed() > 0, "count under a gas limit");
            Trap t = expect(Trap.class, () -> i.getFunc("count").call(1_000_000), "gas");
            check(t.gasExhausted(), "gas flag");
            s.setGasLimit(-1);
            s.setTimeLimit(50);
            check(expect(Trap.class, () -> i.getFunc("spin").call(), "interrupt").interrupted(), "time limit");
            s.setTimeLimit(0);
            Runnable interrupt = s.interruptHandle();
            Thread other = new Thread(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // fall through to the interrupt
                }
                interrupt.run();
            });
            other.start();
            check(expect(Trap.class, () -> i.getFunc("spin").call(), "interrupt").interrupted(), "interrupt handle");
            other.join();
            s.setLimits(2, -1, -1);
            check(i.getFunc("grow").call1(1).equals(1) && i.getFunc("grow").call1(1).equals(-1), "memory limit");
        }
    }

    static Path guest;

    static void wasi(Config.Strategy tier) throws Exception {
        Path dir = Files.createTempDirectory("wedge-java");
        Files.writeString(dir.resolve("message.txt"), "a message from the host\n");
        try (Engine e = engine(tier); Module m = new Module(e, Files.readAllBytes(guest))) {
            for (boolean readOnly : new boolean[] {true, false}) {
                Files.deleteIfExists(dir.resolve("new.txt"));
                try (Store s = new Store(e)) {
                    s.setWasi(new WasiConfig().argv("app", "x y", "3")
                            .env(new String[] {"GREETING"}, new String[] {"hello from Java"})
                            .stdin("line from stdin\n".getBytes(StandardCharsets.UTF_8)).captureOutput()
                            .preopenDir(dir.toString(), "/data", readOnly));
                    Instance i = new Linker(e).defineWasi().instantiate(s, m);
                    Trap t = expect(Trap.class, () -> i.getFunc("_start").call(), "exit");
                    check(Integer.valueOf(3).equals(t.exitCode()), "exit code " + t.exitCode());
                    String want = "hello from WASI, 3 args: app x y 3\nGREETING=hello from Java\nstdin: line from stdin\n"
                            + "file: a message from the host\ncreate in /data: "
                            + (readOnly ? "Capabilities insufficient" : "allowed") + "\nopen /etc/passwd: refused\n";
                    String out = new String(s.capturedStdout(), StandardCharsets.UTF_8);
                    check(out.equals(want), "stdout " + out);
                    check(new String(s.capturedStderr(), StandardCharsets.UTF_8).equals("to stderr\n"), "stderr");
                    check(Files.exists(dir.resolve("new.txt")) != readOnly, "read-only " + readOnly);
                    int ptr = (Integer) i.getFunc("buffer").call1();
                    byte[] payload = "checksum me".getBytes(StandardCharsets.UTF_8);
                    i.getMemory("memory").buffer().put(ptr, payload);
                    int want32 = 0;
                    for (int k = 0; k < payload.length; k++) {
                        want32 += payload[k] * (k + 1);
                    }
                    check(i.getFunc("checksum").call1(payload.length).equals(want32), "checksum");
                }
            }
            try (Store s = new Store(e)) {
                WasiConfig bad = new WasiConfig().preopenDir(dir.resolve("missing").toString(), "/data", false);
                expect(WasmException.class, () -> s.setWasi(bad), "missing");
            }
        }
    }

    static void closedStore(Config.Strategy tier) {
        try (Engine e = engine(tier)) {
            Store s = new Store(e);
            Func add = new Linker(e).instantiate(s, Module.fromWat(e, ARITH)).getFunc("add");
            s.close();
            expect(WasmException.class, () -> add.call(1, 2), "closed");
        }
    }

    public static void main(String[] args) throws Exception {
        guest = Path.of(args[0]);
        List<Object[]> tests = List.of(
                new Object[] {"calls", (Test) WedgeTest::calls},
                new Object[] {"bad_input", (Test) WedgeTest::badInput},
                new Object[] {"traps", (Test) WedgeTest::traps},
                new Object[] {"host_functions", (Test) WedgeTest::hostFunctions},
                new Object[] {"memory_and_globals", (Test) WedgeTest::memoryAndGlobals},
                new Object[] {"limits", (Test) WedgeTest::limits},
                new Object[] {"wasi", (Test) WedgeTest::wasi},
                new Object[] {"closed_store", (Test) WedgeTest::closedStore});
        int passed = 0;
        int failed = 0;
        for (Object[] t : tests) {
            for (Config.Strategy tier : new Config.Strategy[] {Config.Strategy.INTERPRETER, Config.Strategy.AUTO}) {
                String name = t[0] + "[" + tier.name().toLowerCase() + "]";
                try {
                    ((Test) t[1]).run(tier);
                    passed++;
                    System.out.println("ok   " + name);
                } catch (Throwable err) {
                    failed++;
                    System.out.println("FAIL " + name + ": " + err);
                    err.printStackTrace(System.out);
                }
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
