;; Legacy exception handling: `delegate` hands exceptions of a try body to the
;; handlers of an outer label (or to the caller).

(module
  (tag $e (param i32))

  (func $thrower (param i32) (throw $e (local.get 0)))

  (func (export "delegate-to-outer") (result i32)
    try (result i32)
      try (result i32)
        i32.const 4
        call $thrower
        i32.const 0
      delegate 0
    catch $e
      i32.const 1
      i32.add
    end)

  (func (export "delegate-skips-middle") (result i32)
    try (result i32)
      try (result i32)
        try (result i32)
          i32.const 7
          call $thrower
          i32.const 0
        delegate 1
      catch $e
        drop
        i32.const 100
      end
    catch $e
      i32.const 1000
      i32.add
    end)

  (func (export "delegate-to-block") (result i32)
    try (result i32)
      block (result i32)
        try (result i32)
          i32.const 2
          call $thrower
          i32.const 0
        delegate 0
      end
    catch $e
      i32.const 10
      i32.add
    end)

  (func $delegate-to-caller (export "delegate-to-caller") (result i32)
    try (result i32)
      i32.const 1
      call $thrower
      i32.const 0
    delegate 0)

  (func (export "call-delegate-to-caller") (result i32)
    try (result i32)
      call $delegate-to-caller
    catch $e
      i32.const 20
      i32.add
    end)

  (func (export "delegate-no-throw") (result i32)
    try (result i32)
      i32.const 8
    delegate 0)

  (func (export "delegate-chain") (result i32)
    try (result i32)
      try (result i32)
        try (result i32)
          i32.const 30
          call $thrower
          i32.const 0
        delegate 0
      delegate 0
    catch $e
    end)

  (func (export "delegate-from-catch-body") (result i32)
    try (result i32)
      try (result i32)
        i32.const 0
        call $thrower
        i32.const 0
      catch $e
        try (result i32)
          i32.const 50
          call $thrower
          i32.const 0
        delegate 0
        drop
      end
    catch $e
      i32.const 1
      i32.add
    end)
)

(assert_return (invoke "delegate-to-outer") (i32.const 5))
(assert_return (invoke "delegate-skips-middle") (i32.const 1007))
(assert_return (invoke "delegate-to-block") (i32.const 12))
(assert_exception (invoke "delegate-to-caller"))
(assert_return (invoke "call-delegate-to-caller") (i32.const 21))
(assert_return (invoke "delegate-no-throw") (i32.const 8))
(assert_return (invoke "delegate-chain") (i32.const 30))
(assert_return (invoke "delegate-from-catch-body") (i32.const 51))
