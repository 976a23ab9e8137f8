//! Runs a WASI command as a container's process: the part the containerd shim
//! (`crates/wedge-shim`) and the crun drop-in library (`crates/wedge-wasmedge-compat`) share.
//!
//! A [`Command`] names the module (bytes or a file inside the container), the function to
//! call, argv, the environment and the directories to preopen; [`Command::run`] returns the
//! container's exit code, having explained any failure on stderr:
//!
//! | outcome | exit code |
//! |---|---|
//! | the entry function returns | 0 |
//! | the guest calls `proc_exit(n)` | n |
//! | SIGTERM / SIGINT (the guest is interrupted) | 143 / 130 |
//! | the guest traps | 134 |
//! | the module cannot be read, validated, linked or has no such entry | 1 |

mod command;
pub mod signals;

pub use command::{Command, ModuleSource, Tier, LOAD_FAILED, TRAPPED};
