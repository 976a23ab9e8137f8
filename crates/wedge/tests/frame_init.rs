//! A call leaves the locals its callee always writes before reading as the value stack
//! holds them and zeroes only the others (see `interp/translate/assigned.rs`): every local
//! read on a path that did not write it must still read zero, in every tier, even when the
//! frame below reuses slots another call filled with other values.

use wedge::*;

/// A probe: its locals, its body (parameter `$c`, result i64) and what it returns for `c`.
struct Probe {
    name: &'static str,
    locals: &'static str,
    body: &'static str,
    expect: fn(i32) -> i64,
}

const PROBES: &[Probe] = &[
    Probe {
        name: "set_in_then",
        locals: "(local $a i32)",
        body: "(if (local.get $c) (then (local.set $a (i32.const 7))))
               (i64.extend_i32_u (local.get $a))",
        expect: |c| if c != 0 { 7 } else { 0 },
    },
    Probe {
        name: "set_after_br_if",
        locals: "(local $b i64)",
        body: "(block (br_if 0 (i32.eqz (local.get $c))) (local.set $b (i64.const 9)))
               (local.get $b)",
        expect: |c| if c != 0 { 9 } else { 0 },
    },
    Probe {
        name: "set_in_loop_after_exit",
        locals: "(local $f f64)",
        body: "(block $x (loop $l (br_if $x (i32.eqz (local.get $c)))
                 (local.set $f (f64.const 2.5)) (br $x)))
               (i64.trunc_f64_s (local.get $f))",
        expect: |c| if c != 0 { 2 } else { 0 },
    },
    Probe {
        name: "set_in_one_table_case",
        locals: "(local $g i64)",
        body: "(block $d (block $k0 (br_table $k0 $d (local.get $c)))
                 (local.set $g (i64.const 5)))
               (local.get $g)",
        expect: |c| if c == 0 { 5 } else { 0 },
    },
    Probe {
        name: "v128_set_in_then",
        locals: "(local $v v128)",
        body: "(if (local.get $c) (then (local.set $v (v128.const i64x2 3 4))))
               (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))",
        expect: |c| if c != 0 { 7 } else { 0 },
    },
    Probe {
        name: "set_in_both_arms",
        locals: "(local $e i32)",
        body: "(if (local.get $c) (then (local.set $e (i32.const 1)))
                 (else (local.set $e (i32.const 2))))
               (i64.extend_i32_u (local.get $e))",
        expect: |c| if c != 0 { 1 } else { 2 },
    },
    Probe {
        name: "read_at_loop_head",
        locals: "(local $r i64) (local $i i32)",
        body: "(loop $l
                 (local.set $r (i64.add (local.get $r) (i64.const 1)))
                 (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                   (local.get $c))))
               (local.get $r)",
        expect: |c| c.max(1) as i64,
    },
    Probe {
        name: "set_only_in_dead_code",
        locals: "(local $a i32)",
        body: "(block (br 0) (local.set $a (i32.const 3)))
               (i64.extend_i32_u (local.get $a))",
        expect: |_| 0,
    },
    Probe {
        name: "set_in_block_that_falls_through",
        locals: "(local $a i32) (local $h i64)",
        body: "(block (local.set $a (i32.const 4)))
               (block $o (block (br_if $o (local.get $c)) (local.set $h (i64.const 6))))
               (i64.add (i64.extend_i32_u (local.get $a)) (local.get $h))",
        expect: |c| if c != 0 { 4 } else { 10 },
    },
    Probe {
        name: "tee_then_get",
        locals: "(local $a i32)",
        body: "(drop (local.tee $a (i32.add (local.get $c) (i32.const 3))))
               (i64.extend_i32_u (local.get $a))",
        expect: |c| (c as u32).wrapping_add(3) as i64,
    },
];

/// The module: `$dirty` fills its frame's slots with all-ones, then each `run_<probe>`
/// calls it and the probe at the same place on the stack.
fn module_text() -> String {
    let mut wat = String::from("(module\n");
    let sets: String = (1..=32)
        .map(|i| format!("(local.set {i} (i64.const -1))"))
        .collect();
    wat.push_str(&format!(
        "(func $dirty (param i64) (result i64) (local {}) {sets}
           (local.set 33 (v128.const i64x2 -1 -1)) (local.set 34 (v128.const i64x2 -1 -1))
           (local.get 0))\n",
        "i64 ".repeat(32) + "v128 v128"
    ));
    for p in PROBES {
        wat.push_str(&format!(
            "(func ${name} (param $c i32) (result i64) {locals} {body})
             (func (export \"run_{name}\") (param i32) (result i64)
               (drop (call $dirty (i64.const -1)))
               (call ${name} (local.get 0)))\n",
            name = p.name,
            locals = p.locals,
            body = p.body
        ));
    }
    wat.push(')');
    wat
}

#[test]
fn locals_read_before_written_read_zero_in_every_tier() {
    let wat = module_text();
    let strategies = [
        ("interpreter", Strategy::Interpreter),
        ("compiler", Strategy::Compiler),
    ];
    for (label, strategy) in strategies {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        for p in PROBES {
            let run = instance
                .get_typed_func::<i32, i64>(&store, &format!("run_{}", p.name))
                .unwrap();
            for c in [0, 1, 2, 5, -1] {
                assert_eq!(
                    run.call(&mut store, c).unwrap(),
                    (p.expect)(c),
                    "{label} {} c={c}",
                    p.name
                );
            }
        }
    }
}
