//! A polite stop (Ctrl-C, SIGTERM): the command line sets it from its signal handler; training
//! finishes the batch it is in and ends the run, and the loops (a study's trials, an improve
//! chain's steps, cross-validation's folds) start nothing more. Plain atomics: safe to set from
//! a signal handler.

use std::sync::atomic::{AtomicI32, Ordering};

static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Asks everything to stop; `signal` is what asked (2 for SIGINT, 15 for SIGTERM). Returns
/// whether a stop had already been asked for.
pub fn request(signal: i32) -> bool {
    SIGNAL.swap(signal.max(1), Ordering::SeqCst) != 0
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    SIGNAL.load(Ordering::Relaxed) != 0
}

/// The signal's name, when a stop was asked for.
pub fn by() -> Option<&'static str> {
    match SIGNAL.load(Ordering::Relaxed) {
        0 => None,
        2 => Some("SIGINT"),
        15 => Some("SIGTERM"),
        _ => Some("a stop request"),
    }
}

/// The error a command ends with when it was stopped.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by {by}")]
pub struct Interrupted {
    pub by: &'static str,
}

/// `Err(Interrupted)` when a stop was asked for.
pub fn check() -> Result<(), Interrupted> {
    match by() {
        Some(by) => Err(Interrupted { by }),
        None => Ok(()),
    }
}
