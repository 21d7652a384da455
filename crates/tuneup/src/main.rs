//! The `tuneup` command line: parses flags into plain structs, makes one call into the lab (or
//! the core) per command, prints the result; maps errors to exit codes (2: bad input, 1: a failed
//! run or an internal error).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod output;
mod progress;
mod signals;
mod views;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bad input is exit code 2: a file, key or argument the user gave was wrong.
fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if cause.downcast_ref::<tuneup_core::InputError>().is_some() {
            return 2;
        }
        if let Some(s) = cause.downcast_ref::<tuneup_store::StoreError>() {
            return if s.is_input() { 2 } else { 1 };
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
        Err(e) if e.downcast_ref::<tuneup_core::stop::Interrupted>().is_some() => {
            eprintln!(
                "{e}: what was running is recorded as interrupted. Run the same command again to go on: a study or an improve chain continues where it stopped (the interrupted trial or step does not count); `train` and `cv` start their run again."
            );
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
