;; call_indirect-heavy loop: exercises table lookups, signature checks and calls.
;; run(n) runs n rounds of acc = table[i % 6](acc, i) for i = 0 .. n-1, starting from
;; acc = 0, and returns acc. The six entries are:
;;   0: acc + i    1: acc ^ i    2: acc * 3 + i
;;   3: rotl(acc, 5) ^ i    4: acc - (i << 1)    5: (acc >> 3) + i * 7   (all i32 wrapping)
(module
  (type $op (func (param i32 i32) (result i32)))
  (table 6 funcref)
  (elem (i32.const 0) $add $xor $mul3 $rot $sub2 $mix)
  (func $add (type $op) (i32.add (local.get 0) (local.get 1)))
  (func $xor (type $op) (i32.xor (local.get 0) (local.get 1)))
  (func $mul3 (type $op)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (local.get 1)))
  (func $rot (type $op)
    (i32.xor (i32.rotl (local.get 0) (i32.const 5)) (local.get 1)))
  (func $sub2 (type $op)
    (i32.sub (local.get 0) (i32.shl (local.get 1) (i32.const 1))))
  (func $mix (type $op)
    (i32.add (i32.shr_u (local.get 0) (i32.const 3)) (i32.mul (local.get 1) (i32.const 7))))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (call_indirect (type $op)
            (local.get $acc) (local.get $i) (i32.rem_u (local.get $i) (i32.const 6))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
