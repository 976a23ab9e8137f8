;; Sieve of Eratosthenes over a byte array at address 0 of linear memory: exercises
;; byte loads and stores with their bounds checks.
;; run(n) returns the number of primes below n (n = 1_000_000 gives 78498). Memory grows
;; as needed, so every size up to 4 GiB - 64 KiB works; the array is cleared on each call.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i32)
    (local $pages i32) (local $i i32) (local $j i32) (local $count i32)
    ;; Make room for n bytes.
    (local.set $pages (i32.shr_u (i32.add (local.get $n) (i32.const 0xffff)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (unreachable)))))
    ;; 0 means "maybe prime", 1 means "composite".
    (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
    ;; Cross out the multiples of every prime i with i * i < n.
    (local.set $i (i32.const 2))
    (block $sieved
      (loop $outer
        (br_if $sieved (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $crossed
              (loop $inner
                (br_if $crossed (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    ;; Count what is left from 2 up.
    (local.set $i (i32.const 2))
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $count
          (i32.add (local.get $count) (i32.eqz (i32.load8_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count)))
    (local.get $count)))
