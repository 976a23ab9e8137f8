;; GC field and element access: builds a list of 1000 structs (mutable i32 value, f64
;; weight, next) plus an array of the same nodes and a byte array, then runs n rounds that
;; walk the list (sum each value, increment it) and scan the arrays (each node's weight
;; through array.get, plus a byte, up to array.len). Nothing is allocated after setup, so
;; the rounds measure struct.get/set, array.get/get_u and array.len.
;; run(n) returns the sum as an i64.
(module
  (type $node (struct (field $v (mut i32)) (field $w f64) (field $next (ref null $node))))
  (type $nodes (array (mut (ref null $node))))
  (type $bytes (array (mut i8)))
  (func (export "run") (param $n i32) (result i64)
    (local $list (ref null $node)) (local $all (ref $nodes)) (local $b (ref $bytes))
    (local $p (ref null $node)) (local $i i32) (local $r i32) (local $sum i64)
    (local.set $all (array.new_default $nodes (i32.const 1000)))
    (local.set $b (array.new_default $bytes (i32.const 1000)))
    (loop $build
      (local.set $list
        (struct.new $node (local.get $i) (f64.convert_i32_u (local.get $i)) (local.get $list)))
      (array.set $nodes (local.get $all) (local.get $i) (local.get $list))
      (array.set $bytes (local.get $b) (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $build (i32.lt_u (local.get $i) (i32.const 1000))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $round
        (local.set $p (local.get $list))
        (block $end
          (loop $walk
            (br_if $end (ref.is_null (local.get $p)))
            (local.set $sum (i64.add (local.get $sum)
              (i64.extend_i32_u (struct.get $node $v (local.get $p)))))
            (struct.set $node $v (local.get $p)
              (i32.add (struct.get $node $v (local.get $p)) (i32.const 1)))
            (local.set $p (struct.get $node $next (local.get $p)))
            (br $walk)))
        (local.set $i (i32.const 0))
        (loop $scan
          (local.set $sum (i64.add (local.get $sum)
            (i64.add
              (i64.trunc_f64_u (struct.get $node $w
                (ref.as_non_null (array.get $nodes (local.get $all) (local.get $i)))))
              (i64.extend_i32_u (array.get_u $bytes (local.get $b) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $scan (i32.lt_u (local.get $i) (array.len (local.get $all)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $round (i32.lt_u (local.get $r) (local.get $n)))))
    (local.get $sum)))
