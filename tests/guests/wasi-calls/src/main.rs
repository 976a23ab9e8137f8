//! Exercises every `wasi_snapshot_preview1` function through raw calls and checks results
//! and exact errno values. `wasi-calls GROUP` runs one group; the host tests set up the
//! files, descriptors and stdin each group expects and check its output and exit code.
//! A failed check prints `FAIL file:line: ...` on stderr and exits with code 1.

mod fs;
mod misc;
mod sandbox;
mod sys;

/// Checks a condition, failing the program with the location and a message.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            eprintln!("FAIL {}:{}: {}", file!(), line!(), stringify!($cond));
            std::process::exit(1);
        }
    };
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            eprintln!("FAIL {}:{}: {}: {}", file!(), line!(), stringify!($cond), format!($($msg)+));
            std::process::exit(1);
        }
    };
}

/// Checks that a raw call returned exactly this errno (0 for success).
#[macro_export]
macro_rules! errno {
    ($call:expr, $want:expr) => {{
        let got: i32 = $call;
        if got != $want {
            eprintln!("FAIL {}:{}: {} returned errno {}, expected {}", file!(), line!(), stringify!($call), got, $want);
            std::process::exit(1);
        }
    }};
}

/// Unwraps a `Result<_, errno>`, failing the program on an error.
#[macro_export]
macro_rules! ok {
    ($call:expr) => {
        match $call {
            Ok(v) => v,
            Err(e) => {
                eprintln!("FAIL {}:{}: {} failed with errno {}", file!(), line!(), stringify!($call), e);
                std::process::exit(1);
            }
        }
    };
}

/// Checks that a `Result<_, errno>` failed with exactly this errno.
#[macro_export]
macro_rules! fails {
    ($call:expr, $want:expr) => {
        match $call {
            Ok(_) => {
                eprintln!("FAIL {}:{}: {} succeeded, expected errno {}", file!(), line!(), stringify!($call), $want);
                std::process::exit(1);
            }
            Err(e) if e != $want => {
                eprintln!("FAIL {}:{}: {} failed with errno {}, expected {}", file!(), line!(), stringify!($call), e, $want);
                std::process::exit(1);
            }
            Err(_) => {}
        }
    };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let group = args.get(1).map(String::as_str).unwrap_or("");
    match group {
        "args" => misc::args(),
        "env" => misc::env(),
        "clocks" => misc::clocks(),
        "random" => misc::random(),
        "poll" => misc::poll(),
        "exit" => misc::exit(&args[2]),
        "raise" => misc::raise(),
        "yield" => misc::sched(),
        "sock" => misc::sock(),
        "misuse" => misc::misuse(),
        "files" => fs::files(),
        "readdir" => fs::readdir(),
        "paths" => fs::paths(),
        "escapes" => sandbox::escapes(),
        "readonly" => sandbox::readonly(),
        "swap" => sandbox::swap(),
        "race" => sandbox::race(),
        _ => {
            eprintln!("usage: wasi-calls GROUP");
            std::process::exit(2);
        }
    }
    println!("{group}: ok");
}
