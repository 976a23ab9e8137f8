;; Recursive Fibonacci: exercises calls and returns.
;; run(n) = fib(n) with fib(0) = 0, fib(1) = 1 (fib(25) = 75025, fib(30) = 832040).
(module
  (func $fib (export "run") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
