//! The storage contract as tests: one suite that every implementation of [`Storage`] passes
//! (SQLite now, PostgreSQL later). Each test takes a [`Backend`] that makes fresh, empty stores;
//! the process tests also start `store-worker` processes (this crate's binary) on the same
//! store.
//!
//! An implementation's test file calls [`run_all`] (or each test by name, to see them apart).

mod processes;
mod readers;
pub(crate) mod records;
mod worker;

use crate::{Storage, StoreError};

pub use processes::{concurrent_workers, reopen_after_kill};
pub use readers::readers;
pub use records::{ledger_steps, run_kinds_and_extras, runs_round_trip, studies_and_trials};
pub use worker::{Job, work};

#[doc(hidden)]
pub use records::{experiment as records_experiment, search as records_search};

/// How a test reaches an implementation.
pub trait Backend {
    /// The implementation's name, for messages.
    fn name(&self) -> &str;
    /// A new, empty store's location (a file path, a database URL).
    fn fresh(&self) -> String;
    /// Opens (or creates) the store at `location`.
    fn open(&self, location: &str) -> Result<Box<dyn Storage>, StoreError>;
    /// The `store-worker` binary, for the tests that need several processes.
    fn worker_exe(&self) -> std::path::PathBuf;
}

/// Every contract test, in turn.
pub fn run_all(b: &dyn Backend) {
    runs_round_trip(b);
    run_kinds_and_extras(b);
    studies_and_trials(b);
    ledger_steps(b);
    concurrent_workers(b);
    reopen_after_kill(b);
    readers(b);
}
