//! `br_table`: the compiler turns tables with few runs of equal targets into chains of
//! compares and keeps a jump table for the others; every index, in range or not, reaches
//! the same target as in the interpreter and as the table says.

use wedge::*;

/// Functions that return 10 + the label index (0-3) a `br_table` over their argument picks.
const WAT: &str = r#"(module
  (func $pick (param $i i32) (param $which i32) (result i32)
    (block $d
      (block $c
        (block $b
          (block $a
            (block $t3
              (block $t2
                (block $t1
                  (block $t0
                    (br_table $t0 $t1 $t2 $t3 (local.get $which)))
                  ;; 3 runs: [a a b] default c
                  (br_table $a $a $b $c (local.get $i)))
                ;; 2 runs: [a b b] default b
                (br_table $a $b $b $b (local.get $i)))
              ;; 4 runs (a jump table): [a b a b] default c
              (br_table $a $b $a $b $c (local.get $i)))
            ;; 1 run: only the default
            (br_table $d (local.get $i)))
          (return (i32.const 10)))
        (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 13))
  (func (export "pick") (param i32 i32) (result i32)
    (call $pick (local.get 0) (local.get 1)))
)"#;

/// The label index each table of `WAT` picks for an index (as the spec says: the entry at
/// the index, or the default past the end).
fn expected(which: i32, index: i32) -> i32 {
    let (entries, default): (&[i32], i32) = match which {
        0 => (&[0, 0, 1], 2),
        1 => (&[0, 1, 1], 1),
        2 => (&[0, 1, 0, 1], 2),
        _ => (&[], 3),
    };
    10 + entries
        .get(index as u32 as usize)
        .copied()
        .unwrap_or(default)
}

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).inlining(inlining);
    Engine::new(&config)
}

#[test]
fn small_and_large_tables_pick_the_same_targets_in_every_tier() {
    let engines = [
        ("interpreter", engine(Strategy::Interpreter, false)),
        ("compiler", engine(Strategy::Compiler, false)),
        ("compiler with inlining", engine(Strategy::Compiler, true)),
    ];
    let indices = [0, 1, 2, 3, 4, 5, 100, -1, i32::MIN, i32::MAX];
    for (name, engine) in &engines {
        let module = Module::new(engine, WAT).expect("valid");
        let mut store = Store::new(engine, ());
        let instance = Linker::new(engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let pick = instance
            .get_typed_func::<(i32, i32), i32>(&store, "pick")
            .unwrap();
        for which in 0..4 {
            for index in indices {
                assert_eq!(
                    pick.call(&mut store, (index, which)).unwrap(),
                    expected(which, index),
                    "{name}: table {which}, index {index}"
                );
            }
        }
    }
}
