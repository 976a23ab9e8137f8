package wedge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const arith = `(module $arith
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
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))`

// engines gives one engine per tier.
func engines(t *testing.T, configure func(*Config)) map[string]*Engine {
	out := map[string]*Engine{}
	for name, s := range map[string]Strategy{"interpreter": StrategyInterpreter, "auto": StrategyAuto, "tiered": StrategyTiered} {
		c := NewConfig()
		c.SetStrategy(s)
		if configure != nil {
			configure(c)
		}
		out[name] = NewEngineWithConfig(c)
	}
	return out
}

func instantiate(t *testing.T, e *Engine, s *Store, wat string, l *Linker) *Instance {
	t.Helper()
	m, err := NewModule(e, []byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		l = NewLinker(e)
	}
	i, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestCallsAndValues(t *testing.T) {
	for tier, e := range engines(t, nil) {
		s := NewStore(e)
		i := instantiate(t, e, s, arith, nil)
		if r, err := i.GetFunc("add").Call(2, 3); err != nil || r.(int32) != 5 {
			t.Fatalf("%s: add = %v, %v", tier, r, err)
		}
		if r, _ := i.GetFunc("add").Call(int32(0x7fffffff), 1); r.(int32) != -2147483648 {
			t.Fatalf("%s: wrapping add = %v", tier, r)
		}
		if r, _ := i.GetFunc("add64").Call(int64(1)<<62, int64(1)<<62); r.(int64) != -1<<63 {
			t.Fatalf("%s: add64 = %v", tier, r)
		}
		if r, _ := i.GetFunc("scale").Call(float32(1.5), 4.0); r.(float64) != 6 {
			t.Fatalf("%s: scale = %v", tier, r)
		}
		r, err := i.GetFunc("swap").Call(7, int64(1)<<40)
		vals := r.([]Val)
		if err != nil || vals[0].I64() != 1<<40 || vals[1].I32() != 7 {
			t.Fatalf("%s: swap = %v, %v", tier, r, err)
		}
		if i.GetExport("missing") != nil {
			t.Fatal("a missing export was found")
		}
		s.Close()
	}
}

func TestBadInput(t *testing.T) {
	e := NewEngine()
	if _, err := NewModule(e, []byte("\x00asm\x01\x00\x00\x00\x01\x05")); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("truncated module: %v", err)
	}
	if _, err := NewModule(e, []byte("(module (func (result i32) i64.const 1))")); err == nil || !strings.Contains(err.Error(), "type mismatch") {
		t.Fatalf("invalid module: %v", err)
	}
	s := NewStore(e)
	defer s.Close()
	add := instantiate(t, e, s, arith, nil).GetFunc("add")
	if _, err := add.Call(1); err == nil || !strings.Contains(err.Error(), "takes 2 arguments, got 1") {
		t.Fatalf("one argument: %v", err)
	}
	if _, err := add.Call("one", 2); err == nil || !strings.Contains(err.Error(), "cannot pass a string as i32") {
		t.Fatalf("a string argument: %v", err)
	}
	if _, err := add.Call(1<<40, 2); err == nil || !strings.Contains(err.Error(), "does not fit in i32") {
		t.Fatalf("a large argument: %v", err)
	}
	m, _ := NewModule(e, []byte(`(module (import "env" "f" (func)))`))
	if _, err := NewLinker(e).Instantiate(s, m); err == nil || !strings.Contains(err.Error(), "unknown import env::f") {
		t.Fatalf("missing import: %v", err)
	}
	g, _ := NewGlobal(s, ValI32(1), false)
	if _, err := NewInstance(s, m, []interface{}{g}); err == nil {
		t.Fatal("a global was accepted for a function import")
	}
	other := NewStore(e)
	defer other.Close()
	g2, _ := NewGlobal(other, ValI32(1), false)
	if _, err := NewInstance(s, m, []interface{}{g2}); err == nil || !strings.Contains(err.Error(), "another store") {
		t.Fatalf("an object of another store: %v", err)
	}
	if r, _ := add.Call(1, 2); r.(int32) != 3 {
		t.Fatal("the store does not work after bad input")
	}
}

func TestTrapsAndBacktraces(t *testing.T) {
	for tier, e := range engines(t, nil) {
		s := NewStore(e)
		i := instantiate(t, e, s, arith, nil)
		_, err := i.GetFunc("outer").Call()
		var trap *Trap
		if !errors.As(err, &trap) {
			t.Fatalf("%s: no trap: %v", tier, err)
		}
		if trap.Message() != "integer divide by zero" {
			t.Fatalf("%s: message %q", tier, trap.Message())
		}
		names := []string{}
		for _, f := range trap.Frames() {
			names = append(names, f.FuncName)
		}
		if strings.Join(names, ",") != "div,middle,outer" || trap.Frames()[0].ModuleName != "arith" {
			t.Fatalf("%s: frames %+v", tier, trap.Frames())
		}
		if !strings.Contains(trap.Error(), "wasm backtrace") {
			t.Fatalf("%s: description %q", tier, trap.Error())
		}
		if _, ok := trap.ExitCode(); ok {
			t.Fatal("a trap has an exit code")
		}
		s.Close()
	}
}

func TestHostFunctions(t *testing.T) {
	for tier, e := range engines(t, nil) {
		s := NewStore(e)
		l := NewLinker(e)
		var seen []string
		var kept *Memory
		l.DefineFunc("env", "log", NewFuncType([]ValKind{KindI32, KindI32}, nil), func(c *Caller, args []Val) ([]Val, error) {
			mem := c.GetExport("memory").(*Memory)
			kept = mem
			ptr, n := args[0].I32(), args[1].I32()
			seen = append(seen, string(mem.UnsafeData()[ptr:ptr+n]))
			copy(mem.UnsafeData()[ptr:], "HELLO")
			return nil, nil
		})
		l.DefineFunc("env", "pair", NewFuncType([]ValKind{KindI32}, []ValKind{KindI32, KindI64}), func(c *Caller, args []Val) ([]Val, error) {
			return []Val{ValI32(args[0].I32() * 10), ValI64(int64(args[0].I32()))}, nil
		})
		i := instantiate(t, e, s, `(module
		  (import "env" "log" (func $log (param i32 i32)))
		  (import "env" "pair" (func $pair (param i32) (result i32 i64)))
		  (memory (export "memory") 1) (data (i32.const 8) "hello from wasm")
		  (func (export "run") (call $log (i32.const 8) (i32.const 15)))
		  (func (export "pair") (param i32) (result i32) (call $pair (local.get 0)) drop))`, l)
		if _, err := i.GetFunc("run").Call(); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != "hello from wasm" || string(i.GetMemory("memory").UnsafeData()[8:23]) != "HELLO from wasm" {
			t.Fatalf("%s: seen %q", tier, seen)
		}
		if r, err := i.GetFunc("pair").Call(4); err != nil || r.(int32) != 40 {
			t.Fatalf("%s: pair = %v, %v", tier, r, err)
		}
		if kept.UnsafeData() != nil || kept.Grow(1) != errExpired {
			t.Fatalf("%s: a memory from a Caller works after the call", tier)
		}
		s.Close()
	}
}

func TestHostErrorsAndPanicsBecomeErrors(t *testing.T) {
	e := NewEngine()
	s := NewStore(e)
	defer s.Close()
	sentinel := errors.New("no such key")
	l := NewLinker(e)
	l.DefineFunc("env", "fail", NewFuncType([]ValKind{KindI32}, []ValKind{KindI32}), func(c *Caller, args []Val) ([]Val, error) {
		if args[0].I32() == 1 {
			panic("boom")
		}
		if args[0].I32() == 2 {
			return []Val{ValI64(1)}, nil
		}
		return nil, sentinel
	})
	i := instantiate(t, e, s, `(module (import "env" "fail" (func $f (param i32) (result i32)))
	  (func $inner (param i32) (result i32) local.get 0 call $f)
	  (func $run (export "run") (param i32) (result i32) local.get 0 call $inner))`, l)
	_, err := i.GetFunc("run").Call(0)
	var trap *Trap
	if !errors.Is(err, sentinel) || !errors.As(err, &trap) || len(trap.Frames()) != 2 || trap.Frames()[1].FuncName != "run" {
		t.Fatalf("error: %v", err)
	}
	if _, err := i.GetFunc("run").Call(1); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("panic: %v", err)
	}
	if _, err := i.GetFunc("run").Call(2); err == nil || !strings.Contains(err.Error(), "expected i32, got i64") {
		t.Fatalf("wrong result type: %v", err)
	}
	f, _ := NewFunc(s, NewFuncType(nil, []ValKind{KindI32}), func(c *Caller, args []Val) ([]Val, error) { return nil, nil })
	if _, err := f.Call(); err == nil || !strings.Contains(err.Error(), "returned 0 values") {
		t.Fatalf("missing result: %v", err)
	}
}

func TestMemoryAndGlobals(t *testing.T) {
	e := NewEngine()
	s := NewStore(e)
	defer s.Close()
	i := instantiate(t, e, s, arith, nil)
	mem := i.GetMemory("memory")
	data := mem.UnsafeData()
	if len(data) != 65536 || mem.Size() != 1 {
		t.Fatalf("size %d", len(data))
	}
	if err := mem.Grow(1); err != nil {
		t.Fatal(err)
	}
	if r, _ := i.GetFunc("grow").Call(1); r.(int32) != 2 {
		t.Fatalf("memory.grow = %v", r)
	}
	if err := mem.Grow(1); err == nil {
		t.Fatal("grew past the maximum")
	}
	data[5] = 7 // the old slice stays valid
	if d := mem.UnsafeData(); len(d) != 3*65536 || d[5] != 7 {
		t.Fatal("data after growth")
	}
	g, _ := NewGlobal(s, ValI64(5), true)
	if err := g.Set(ValI64(9)); err != nil || g.Get().I64() != 9 {
		t.Fatal("global set")
	}
	if err := g.Set(ValI32(1)); err == nil {
		t.Fatal("a global took a value of another type")
	}
	k, _ := NewGlobal(s, ValF64(0.5), false)
	if err := k.Set(ValF64(1)); err == nil || k.Get().F64() != 0.5 {
		t.Fatal("a constant global changed")
	}
}

func TestLimits(t *testing.T) {
	for tier, e := range engines(t, func(c *Config) { c.SetMetering(true); c.SetInterruptible(true) }) {
		s := NewStore(e)
		i := instantiate(t, e, s, arith, nil)
		count := i.GetFunc("count")
		s.SetGasLimit(10000)
		if r, err := count.Call(10); err != nil || r.(int32) != 10 || s.GasUsed() == 0 || s.GasUsed() != s.InstructionCount() {
			t.Fatalf("%s: count = %v, %v; gas %d", tier, r, err, s.GasUsed())
		}
		_, err := count.Call(1000000)
		var trap *Trap
		if !errors.As(err, &trap) || !trap.GasExhausted() {
			t.Fatalf("%s: no gas trap: %v", tier, err)
		}
		s.SetGasLimit(Unlimited)
		s.SetTimeLimit(50 * time.Millisecond)
		if _, err := i.GetFunc("spin").Call(); !errors.As(err, &trap) || !trap.Interrupted() {
			t.Fatalf("%s: no interrupt: %v", tier, err)
		}
		s.SetTimeLimit(0)
		h := s.InterruptHandle()
		go func() { time.Sleep(50 * time.Millisecond); h.Interrupt() }()
		if _, err := i.GetFunc("spin").Call(); !errors.As(err, &trap) || !trap.Interrupted() {
			t.Fatalf("%s: no interrupt from a goroutine: %v", tier, err)
		}
		s.SetLimits(2, Unlimited, Unlimited)
		if r, _ := i.GetFunc("grow").Call(1); r.(int32) != 1 {
			t.Fatalf("%s: grow within the limit = %v", tier, r)
		}
		if r, _ := i.GetFunc("grow").Call(1); r.(int32) != -1 {
			t.Fatalf("%s: grow past the limit = %v", tier, r)
		}
		s.Close()
	}
}

func TestWasi(t *testing.T) {
	guest, err := os.ReadFile(filepath.Join("..", "guest", "wasi_app.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "message.txt"), []byte("a message from the host\n"), 0o644)
	for tier, e := range engines(t, nil) {
		m, err := NewModule(e, guest)
		if err != nil {
			t.Fatal(err)
		}
		for _, readOnly := range []bool{true, false} {
			os.Remove(filepath.Join(dir, "new.txt"))
			s := NewStore(e)
			c := NewWasiConfig()
			c.SetArgv([]string{"app", "x y", "3"})
			c.SetEnv([]string{"GREETING"}, []string{"hello from Go"})
			c.SetStdinBytes([]byte("line from stdin\n"))
			c.CaptureStdout()
			c.CaptureStderr()
			if err := c.PreopenDir(dir, "/data", readOnly); err != nil {
				t.Fatal(err)
			}
			if err := s.SetWasi(c); err != nil {
				t.Fatal(err)
			}
			l := NewLinker(e)
			l.DefineWasi()
			i, err := l.Instantiate(s, m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = i.GetFunc("_start").Call()
			var trap *Trap
			if !errors.As(err, &trap) {
				t.Fatalf("%s: no exit: %v", tier, err)
			}
			if code, ok := trap.ExitCode(); !ok || code != 3 {
				t.Fatalf("%s: exit code %d %v", tier, code, ok)
			}
			create := "allowed"
			if readOnly {
				create = "Capabilities insufficient"
			}
			want := "hello from WASI, 3 args: app x y 3\nGREETING=hello from Go\nstdin: line from stdin\n" +
				"file: a message from the host\ncreate in /data: " + create + "\nopen /etc/passwd: refused\n"
			if got := string(s.CapturedStdout()); got != want {
				t.Fatalf("%s: stdout %q", tier, got)
			}
			if got := string(s.CapturedStderr()); got != "to stderr\n" {
				t.Fatalf("%s: stderr %q", tier, got)
			}
			_, statErr := os.Stat(filepath.Join(dir, "new.txt"))
			if readOnly == (statErr == nil) {
				t.Fatalf("%s: read-only %v but new.txt exists: %v", tier, readOnly, statErr == nil)
			}
			// The program's exports, with bytes passed through its memory.
			ptr, _ := i.GetFunc("buffer").Call()
			payload := []byte("checksum me")
			copy(i.GetMemory("memory").UnsafeData()[ptr.(int32):], payload)
			want32 := uint32(0)
			for k, b := range payload {
				want32 += uint32(b) * uint32(k+1)
			}
			if r, err := i.GetFunc("checksum").Call(len(payload)); err != nil || uint32(r.(int32)) != want32 {
				t.Fatalf("%s: checksum = %v, %v", tier, r, err)
			}
			s.Close()
		}
	}
	c := NewWasiConfig()
	c.PreopenDir(filepath.Join(dir, "missing"), "/data", false)
	if err := NewStore(NewEngine()).SetWasi(c); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a missing directory: %v", err)
	}
}

func TestStoresOnGoroutinesShareAModule(t *testing.T) {
	e := NewEngine()
	m, err := NewModule(e, []byte(arith))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]int32, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := NewStore(e)
			defer s.Close()
			i, err := NewLinker(e).Instantiate(s, m)
			if err != nil {
				t.Error(err)
				return
			}
			r, _ := i.GetFunc("count").Call(10000 + g)
			results[g] = r.(int32)
		}(g)
	}
	wg.Wait()
	for g, r := range results {
		if r != int32(10000+g) {
			t.Fatalf("goroutine %d: %d", g, r)
		}
	}
}

func TestSerialize(t *testing.T) {
	e := NewEngine()
	m, _ := NewModule(e, []byte(arith))
	aot, err := m.Serialize()
	if !e.Compiles() {
		if err == nil {
			t.Fatal("an interpreter serialized native code")
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m2, err := NewModule(e, aot)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(e)
	defer s.Close()
	i, _ := NewLinker(e).Instantiate(s, m2)
	if r, _ := i.GetFunc("add").Call(20, 22); r.(int32) != 42 {
		t.Fatal("deserialized module")
	}
	if got := len(m2.Imports()) + len(m2.Exports()); got != 10 {
		t.Fatalf("reflection: %d", got)
	}
}
