;; Tight arithmetic loop: exercises locals, constants, i32/i64 arithmetic and a back branch.
;; run(n) runs n rounds of
;;   x   = x * 1664525 + 1013904223                      (i32 wrapping)
;;   acc = (acc ^ extend_u(x)) * 0x100000001b3            (i64 wrapping)
;;   acc = acc ^ (acc >> 29)                              (logical shift)
;; starting from x = 1, acc = 0xcbf29ce484222325, and returns acc.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $acc i64)
    (local.set $x (i32.const 1))
    (local.set $acc (i64.const 0xcbf29ce484222325))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (local.set $x
          (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
        (local.set $acc
          (i64.mul
            (i64.xor (local.get $acc) (i64.extend_i32_u (local.get $x)))
            (i64.const 0x100000001b3)))
        (local.set $acc
          (i64.xor (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 29))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $acc)))
