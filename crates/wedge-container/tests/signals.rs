//! SIGTERM interrupts a guest spinning in a loop: the command returns 143 (its own test
//! binary, since the signal goes to the whole process).

use wedge_container::{Command, ModuleSource, Tier};

#[test]
fn sigterm_interrupts_a_spinning_guest() {
    for tier in [Tier::Compiled, Tier::Interpreted] {
        let spin = r#"(module (func (export "_start") (loop (br 0))))"#;
        let command = Command {
            source: ModuleSource::Bytes(wat::parse_str(spin).unwrap()),
            name: "spin.wasm".into(),
            func: "_start".into(),
            args: vec!["spin.wasm".into()],
            envs: vec![],
            preopens: vec![],
            tier,
            native_code_key: None,
            code_cache: None,
        };
        let signaller = std::thread::spawn(|| {
            // The guest is (very likely) spinning by then; if not, the interrupt stops the
            // next call as soon as it starts.
            std::thread::sleep(std::time::Duration::from_millis(1000));
            // SAFETY: sending a signal to our own process.
            unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
        });
        assert_eq!(command.run(), 143, "{tier:?}");
        signaller.join().unwrap();
    }
}
