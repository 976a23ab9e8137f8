//! Threads: one shared memory imported by stores on several OS threads, atomic
//! read-modify-writes, `memory.atomic.wait`/`notify` that really block and wake, and growth
//! seen by every thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wedge::*;

/// Threads incrementing the shared counter.
const THREADS: usize = 4;
/// Increments each thread performs (in a wasm loop).
const ROUNDS: i32 = 100_000;

const COUNTER: &str = r#"(module
  (import "env" "memory" (memory 1 2 shared))
  ;; Adds 1 to the i32 at address 0, `n` times, atomically.
  (func (export "count") (param $n i32)
    (loop $again
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (local.get $n))))
  (func (export "wait") (param $expected i32) (param $timeout i64) (result i32)
    (memory.atomic.wait32 (i32.const 8) (local.get $expected) (local.get $timeout)))
  ;; Sets the word at 16 to 1, then waits on address 8 (no interruption point in between).
  (func (export "announce_and_wait") (result i32)
    (i32.atomic.store (i32.const 16) (i32.const 1))
    (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))
  (func (export "notify") (param $count i32) (result i32)
    (memory.atomic.notify (i32.const 8) (local.get $count)))
  ;; Spins until memory 0 has grown to two pages and page 1 holds a non-zero word, then
  ;; reads that word with a plain load (whose cached memory length predates the growth).
  (func (export "read_grown") (result i32)
    (loop $small (br_if $small (i32.lt_u (memory.size) (i32.const 2))))
    (loop $zero (br_if $zero (i32.eqz (i32.atomic.load (i32.const 65536)))))
    (i32.load (i32.const 65536))))"#;

fn shared_memory() -> SharedMemory {
    let ty = MemoryType {
        minimum: 1,
        maximum: Some(2),
        shared: true,
        ..MemoryType::default()
    };
    SharedMemory::new(ty).expect("shared memory")
}

/// Instantiates the counter module in a fresh store importing `memory`.
fn instance(engine: &Engine, module: &Module, memory: &SharedMemory) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .define_shared_memory("env", "memory", memory.clone())
        .unwrap();
    let instance = linker.instantiate(&mut store, module).unwrap();
    (store, instance)
}

fn read_u32(memory: &SharedMemory, at: usize) -> u32 {
    let mut word = [0u8; 4];
    memory.read(at, &mut word).unwrap();
    u32::from_le_bytes(word)
}

#[test]
fn stores_and_shared_memories_can_cross_threads() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Store<()>>();
    send_sync::<SharedMemory>();
    send_sync::<Engine>();
    send_sync::<Module>();
}

#[test]
fn threads_increment_a_shared_counter_atomically() {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER).unwrap();
    let memory = shared_memory();
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
            std::thread::spawn(move || {
                let (mut store, instance) = instance(&engine, &module, &memory);
                let count = instance.get_typed_func::<i32, ()>(&store, "count").unwrap();
                count.call(&mut store, ROUNDS).unwrap();
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker thread");
    }
    assert_eq!(read_u32(&memory, 0), THREADS as u32 * ROUNDS as u32);
}

#[test]
fn wait_blocks_until_another_thread_notifies() {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER).unwrap();
    let memory = shared_memory();
    let returned = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        let returned = returned.clone();
        std::thread::spawn(move || {
            let (mut store, instance) = instance(&engine, &module, &memory);
            let wait = instance
                .get_typed_func::<(i32, i64), i32>(&store, "wait")
                .unwrap();
            // Expected value 0 (the word is 0) and no timeout: blocks until notified.
            let result = wait.call(&mut store, (0, -1)).unwrap();
            returned.store(true, Ordering::SeqCst);
            result
        })
    };
    let (mut store, instance) = instance(&engine, &module, &memory);
    let notify = instance
        .get_typed_func::<i32, i32>(&store, "notify")
        .unwrap();
    // Until the waiter has parked, a notify wakes nobody (and the waiter is still blocked).
    let mut woken = 0;
    while woken == 0 {
        assert!(
            !returned.load(Ordering::SeqCst),
            "wait returned before notify"
        );
        woken = notify.call(&mut store, 1).unwrap();
        std::thread::yield_now();
    }
    assert_eq!(woken, 1);
    assert_eq!(waiter.join().unwrap(), 0, "0 means woken by notify");
    assert_eq!(
        notify.call(&mut store, 1).unwrap(),
        0,
        "nobody left to wake"
    );
}

#[test]
fn wait_reports_not_equal_and_timeout() {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER).unwrap();
    let memory = shared_memory();
    let (mut store, instance) = instance(&engine, &module, &memory);
    let wait = instance
        .get_typed_func::<(i32, i64), i32>(&store, "wait")
        .unwrap();
    assert_eq!(wait.call(&mut store, (5, -1)).unwrap(), 1, "not-equal");
    assert_eq!(
        wait.call(&mut store, (0, 1_000_000)).unwrap(),
        2,
        "timed-out"
    );
}

#[test]
fn growth_by_one_thread_is_seen_by_a_running_thread() {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER).unwrap();
    let memory = shared_memory();
    let reader = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        std::thread::spawn(move || {
            let (mut store, instance) = instance(&engine, &module, &memory);
            let read = instance
                .get_typed_func::<(), i32>(&store, "read_grown")
                .unwrap();
            read.call(&mut store, ())
        })
    };
    assert_eq!(memory.grow(1).unwrap(), 1);
    memory.write(65536, &77u32.to_le_bytes()).unwrap();
    assert_eq!(reader.join().unwrap().unwrap(), 77);
}

#[test]
fn a_module_defined_shared_memory_can_be_handed_to_another_store() {
    let engine = Engine::default();
    let owner = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1 1 shared)
             (func (export "put") (i32.atomic.store (i32.const 4) (i32.const 99))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &owner)
        .unwrap();
    let exported = instance.get_memory(&store, "memory").unwrap();
    let shared = exported.to_shared(&store).expect("the memory is shared");
    assert!(
        exported.data(&store).is_empty(),
        "no plain slice of shared bytes"
    );
    let put = instance.get_typed_func::<(), ()>(&store, "put").unwrap();
    put.call(&mut store, ()).unwrap();

    let user = Module::new(
        &engine,
        r#"(module (import "env" "memory" (memory 1 1 shared))
             (func (export "get") (result i32) (i32.atomic.load (i32.const 4))))"#,
    )
    .unwrap();
    let handle = std::thread::spawn(move || {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .define_shared_memory("env", "memory", shared)
            .unwrap();
        let instance = linker.instantiate(&mut store, &user).unwrap();
        let get = instance.get_typed_func::<(), i32>(&store, "get").unwrap();
        get.call(&mut store, ()).unwrap()
    });
    assert_eq!(handle.join().unwrap(), 99);
}

#[test]
fn atomics_on_unshared_memory_work_but_wait_traps() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (memory 1)
             (func (export "cas") (result i64)
               (drop (i64.atomic.rmw.cmpxchg (i32.const 8) (i64.const 0) (i64.const 7)))
               (i64.atomic.rmw.xchg (i32.const 8) (i64.const 9)))
             (func (export "misaligned") (result i32) (i32.atomic.load (i32.const 2)))
             (func (export "wait") (result i32)
               (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let cas = instance.get_typed_func::<(), i64>(&store, "cas").unwrap();
    assert_eq!(cas.call(&mut store, ()).unwrap(), 7);
    let misaligned = instance
        .get_typed_func::<(), i32>(&store, "misaligned")
        .unwrap();
    let err = misaligned.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::UnalignedAtomic);
    let wait = instance.get_typed_func::<(), i32>(&store, "wait").unwrap();
    let err = wait.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.as_trap().unwrap().kind(),
        TrapKind::ExpectedSharedMemory
    );
}

#[test]
fn an_interrupt_ends_an_endless_wait_when_the_engine_is_interruptible() {
    let mut config = Config::new();
    config.interruptible(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, COUNTER).unwrap();
    let memory = shared_memory();
    let (mut store, instance) = instance(&engine, &module, &memory);
    let handle = store.interrupt_handle();
    let waiter = std::thread::spawn(move || {
        let wait = instance
            .get_typed_func::<(), i32>(&store, "announce_and_wait")
            .unwrap();
        wait.call(&mut store, ())
    });
    // Past the function's entry (its interruption point): the trap can only come from the wait.
    while read_u32(&memory, 16) == 0 {
        std::thread::yield_now();
    }
    handle.interrupt();
    let err = waiter.join().unwrap().unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Interrupted);
}
