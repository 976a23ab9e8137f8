;; Legacy exception handling: `rethrow` of the exception a `catch` holds.

(module
  (tag $e (param i32))
  (tag $e0)

  (func (export "rethrow-caught") (result i32)
    try (result i32)
      try
        i32.const 5
        throw $e
      catch $e
        drop
        rethrow 0
      end
      i32.const 0
    catch $e
    end)

  (func (export "rethrow-outer") (result i32)
    try (result i32)
      try
        i32.const 1
        throw $e
      catch $e
        drop
        try
          throw $e0
        catch $e0
          rethrow 1
        end
      end
      i32.const 0
    catch $e
    catch $e0
      i32.const 99
    end)

  (func (export "rethrow-catch-all") (result i32)
    try (result i32)
      try
        i32.const 3
        throw $e
      catch_all
        rethrow 0
      end
      i32.const 0
    catch $e
      i32.const 10
      i32.add
    end)

  (func (export "rethrow-uncaught")
    try
      throw $e0
    catch_all
      rethrow 0
    end)

  (func (export "rethrow-in-block") (result i32)
    try (result i32)
      try
        i32.const 4
        throw $e
      catch $e
        drop
        block
          rethrow 1
        end
      end
      i32.const 0
    catch $e
    end)
)

(assert_return (invoke "rethrow-caught") (i32.const 5))
(assert_return (invoke "rethrow-outer") (i32.const 1))
(assert_return (invoke "rethrow-catch-all") (i32.const 13))
(assert_exception (invoke "rethrow-uncaught"))
(assert_return (invoke "rethrow-in-block") (i32.const 4))

(assert_invalid (module (func rethrow 0)) "invalid rethrow label")
(assert_invalid (module (func block rethrow 0 end)) "invalid rethrow label")
