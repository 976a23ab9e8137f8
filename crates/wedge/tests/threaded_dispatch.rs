//! A bytecode interpreter's dispatch loop (`loop` starting with a fetch and a `br_table`
//! over the opcode, cases branching back to the loop head) runs the same in every tier,
//! edges included: the default case, an exit to an outer block, values left on the stack at
//! the back edge, a nested loop in a case, a fetch that traps out of bounds. (A compiler
//! that copies the dispatch into each case's back edge, as commit 233b452 did, must keep
//! all of these.)

use wedge::*;

/// `run(pc)` interprets the byte code at `pc` in memory (one byte per instruction:
/// 0 = acc += 1, 1 = acc *= 2, 2 = acc += 3 three times in an inner loop, 3 = exit,
/// anything else = acc -= 1) and returns the accumulator; a `pc` past the memory traps.
const WAT: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "\00\01\00\02\07\01\00\03")
  (data (i32.const 65530) "\00\01\00\02\00")
  (func (export "run") (param $pc i32) (result i32)
    (local $acc i32) (local $op i32) (local $n i32)
    (block $exit
      (loop $next
        (local.set $op (i32.load8_u (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (block $other
          (block $three
            (block $two
              (block $one
                (block $zero
                  (br_table $zero $one $two $three $other (local.get $op)))
                (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                (br $next))
              (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))
              ;; a value left on the stack below the back edge
              (i32.const 99)
              (br $next))
            (local.set $n (i32.const 3))
            (loop $inner
              (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $inner (local.get $n)))
            (br $next))
          (br $exit))
        (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)"#;

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).inlining(inlining);
    Engine::new(&config)
}

/// Each run's result, or the trap's message.
fn results(engine: &Engine) -> Vec<String> {
    let module = Module::new(engine, WAT).expect("valid");
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    [0, 1, 2, 3, 4, 5, 6, 7, 65530, 65532]
        .into_iter()
        .map(|pc| match run.call(&mut store, pc) {
            Ok(v) => v.to_string(),
            Err(e) => format!("trap: {e}"),
        })
        .collect()
}

#[test]
fn dispatch_loops_run_alike_in_every_tier() {
    let expected = results(&engine(Strategy::Interpreter, false));
    // 0 1 0 2 7 1 0 3: (1*2+1+9-1)*2+1 = 23, then exit.
    assert_eq!(expected[0], "23");
    // From 65530 the fetch runs off the end of memory.
    assert!(expected[8].starts_with("trap"), "{}", expected[8]);
    for (name, engine) in [
        ("compiler", engine(Strategy::Compiler, false)),
        ("compiler with inlining", engine(Strategy::Compiler, true)),
    ] {
        assert_eq!(results(&engine), expected, "{name}");
    }
}
