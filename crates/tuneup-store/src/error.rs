//! What can go wrong with a store.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a tuneup store (another SQLite database, or not SQLite).
    #[error("{path}: not a tuneup store ({why}); choose another file with --store")]
    NotAStore { path: PathBuf, why: String },
    #[error("no run {0} in this store (see `tuneup runs`)")]
    NoSuchRun(i64),
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("store {path}: stored record is corrupt: {why}")]
    Corrupt { path: PathBuf, why: String },
    /// A `postgres://` store location that does not parse.
    #[error(
        "--store {url}: not a PostgreSQL URL ({why}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
    )]
    BadUrl { url: String, why: String },
    /// The server refused us: not running, wrong password, no such database.
    #[error("store {location}: cannot connect: {why}")]
    Unreachable { location: String, why: String },
    #[error("store {location}: {source}")]
    Postgres {
        location: String,
        source: postgres::Error,
    },
}

impl StoreError {
    /// Whether the user's input caused it (a wrong --store, a run id that is not there).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            StoreError::NotAStore { .. }
                | StoreError::NoSuchRun(_)
                | StoreError::BadUrl { .. }
                | StoreError::Unreachable { .. }
        )
    }
}
