//! The `tuneup` command line: parses flags into plain structs, runs a command, maps errors to
//! exit codes (2: bad input, 1: a failed run or an internal error).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod output;
mod plot;
mod progress;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A run that ended as failed (recorded in the store); exit code 1.
#[derive(Debug)]
pub struct RunFailed(pub String);

impl std::fmt::Display for RunFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl std::error::Error for RunFailed {}

/// Bad input is exit code 2: a file, key or argument the user gave was wrong.
fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if cause.downcast_ref::<tuneup_core::InputError>().is_some() {
            return 2;
        }
        if let Some(s) = cause.downcast_ref::<tuneup_store::StoreError>() {
            return match s {
                tuneup_store::StoreError::NotAStore { .. }
                | tuneup_store::StoreError::NoSuchRun(_) => 2,
                _ => 1,
            };
        }
    }
    1
}

fn main() -> ExitCode {
    // `tuneup runs | head` should end quietly, as other command-line tools do, not panic on
    // the closed pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
