//! The embedded store: one SQLite file (no server). WAL mode and a busy timeout let several
//! processes share it; every write is one statement or one transaction, so a crash leaves the
//! file consistent. Checkpoints live in `<file>.runs/` beside it.

mod ledger;
mod live;
mod runs;
mod schema;
mod studies;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension};

pub(crate) use schema::FORMAT;
pub use schema::SCHEMA_VERSION;

use crate::StoreError;

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Who this process is, and every worker name it has recorded running records under (the
    /// heartbeat thread beats for all of them).
    worker: String,
    beats_for: crate::live::Workers,
    beater: std::cell::OnceCell<crate::live::Beater>,
}

pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl SqliteStore {
    /// Opens a store, creating it when the file does not exist and migrating it when it was
    /// written by an older tuneup. An existing file must be a tuneup store.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        check_header(path)?;
        let store = SqliteStore::on(Connection::open(path).map_err(sql)?, path)?;
        // Check or create the schema inside one immediate transaction, so that processes
        // opening a new store at the same moment create it once, and a crash during a
        // migration leaves the store at its old version.
        store.immediate(|| store.check_format())?;
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        Ok(store)
    }

    /// Opens an existing store for reading only (a dashboard): the connection cannot write, so
    /// it never takes the write lock a running study needs, and WAL lets it read while others
    /// write. The file must be a tuneup store at this tuneup's schema version.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        let not = |why: String| StoreError::NotAStore {
            path: path.to_path_buf(),
            why,
        };
        if !path.is_file() {
            return Err(not("no such file".into()));
        }
        check_header(path)?;
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let store = SqliteStore::on(conn, path)?;
        let version = store.format_version()?;
        if version != SCHEMA_VERSION {
            return Err(not(format!(
                "schema version {version}, this tuneup reads {SCHEMA_VERSION}: {}",
                if version < SCHEMA_VERSION {
                    "run any other tuneup command on it once to upgrade it"
                } else {
                    "upgrade tuneup"
                }
            )));
        }
        Ok(store)
    }

    /// A store over an open connection (with the busy timeout every connection has).
    fn on(conn: Connection, path: &Path) -> Result<SqliteStore, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            worker: crate::live::worker_id(),
            beats_for: Default::default(),
            beater: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of a file whose format row says it is a tuneup store.
    fn format_version(&self) -> Result<i64, StoreError> {
        let not = |why: String| StoreError::NotAStore {
            path: self.path.clone(),
            why,
        };
        let format: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM tuneup_meta WHERE key='format'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| not(e.to_string()))?;
        if format.as_deref() != Some(schema::FORMAT) {
            return Err(not(format!("format is {format:?}")));
        }
        self.schema_version()
            .map_err(|_| not("unreadable schema version".into()))
    }

    /// The schema version the file is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let v: String = self
            .conn
            .query_row(
                "SELECT value FROM tuneup_meta WHERE key='schema_version'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        v.parse()
            .map_err(|_| self.corrupt("unreadable schema version".into()))
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction (the write lock taken at the start,
    /// so a read-then-write cannot interleave with another process's): committed when `f`
    /// succeeds, rolled back when it fails.
    fn immediate<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        // The busy timeout is not fair: under many writers one process can wait it out while
        // others take turns. Such a process backs off (jittered) and asks again, for up to five
        // minutes, rather than failing its worker.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        let mut attempt = 0;
        loop {
            match self.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    attempt += 1;
                    std::thread::sleep(crate::live::backoff(attempt));
                }
                Err(e) => return Err(self.err(e)),
            }
        }
        match f() {
            Ok(v) => {
                self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn corrupt(&self, why: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            why,
        }
    }

    fn check_format(&self) -> Result<(), StoreError> {
        let not = |why: String| StoreError::NotAStore {
            path: self.path.clone(),
            why,
        };
        let has_meta: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='tuneup_meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| not(e.to_string()))?
            > 0;
        if !has_meta {
            let tables: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| not(e.to_string()))?;
            if tables > 0 {
                return Err(not("an SQLite database without tuneup's tables".into()));
            }
            return self
                .conn
                .execute_batch(&schema::create())
                .map_err(|e| self.err(e));
        }
        let version = self.format_version()?;
        if version > SCHEMA_VERSION {
            return Err(not(format!(
                "schema version {version} is newer than this tuneup's {SCHEMA_VERSION}: upgrade tuneup"
            )));
        }
        for (to, sql) in schema::migrations().iter().filter(|(to, _)| *to > version) {
            self.conn
                .execute_batch(&format!(
                    "{sql} UPDATE tuneup_meta SET value = '{to}' WHERE key = 'schema_version';"
                ))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

/// An existing, non-empty file must start with SQLite's header: opening a random file
/// "succeeds" lazily. A file of zero bytes is one another process has just created and not yet
/// written: an empty database, not a foreign file.
fn check_header(path: &Path) -> Result<(), StoreError> {
    let empty = std::fs::metadata(path)
        .map(|m| m.len() == 0)
        .unwrap_or(true);
    if !path.exists() || empty {
        return Ok(());
    }
    let mut head = [0u8; 16];
    let ok = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok();
    if !ok || &head != b"SQLite format 3\0" {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            why: "not an SQLite database".into(),
        });
    }
    Ok(())
}

/// Parses a JSON column, naming what it is when it is corrupt.
fn parse_json<T: serde::de::DeserializeOwned>(
    store: &SqliteStore,
    text: Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    crate::json::parse(text, what).map_err(|why| store.corrupt(why))
}

use crate::json::to_json;

#[cfg(test)]
mod tests;
