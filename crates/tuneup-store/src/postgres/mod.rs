//! The server store: one PostgreSQL database shared by workers on any number of hosts
//! (`--store postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`). One connection per process
//! (another for its heartbeat thread); a lost connection is reopened with jittered backoff and
//! the statement retried, as are serialization failures and deadlocks, so a worker that loses
//! the server waits and goes on writing. Run files are kept in the database in chunks and
//! copied to a local folder when a process on another host needs them.

mod artifacts;
mod ledger;
mod live;
mod runs;
mod schema;
mod studies;
#[doc(hidden)]
pub mod test_server;
mod tls;

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, Config};

pub use schema::SCHEMA_VERSION;

use crate::StoreError;
use crate::live::{Beater, Workers, backoff};

pub struct PgStore {
    client: RefCell<Client>,
    config: Config,
    /// The URL with its password hidden, for messages.
    location: String,
    artifacts: PathBuf,
    worker: String,
    beats_for: Workers,
    beater: OnceCell<Beater>,
    /// Per study: every trial read so far and the change sequence read up to.
    cache: RefCell<HashMap<i64, studies::Cache>>,
}

/// How long a process keeps trying to reach a server it lost: `TUNEUP_PG_RECONNECT` seconds,
/// else five minutes.
fn reconnect_for() -> Duration {
    let s = std::env::var("TUNEUP_PG_RECONNECT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .unwrap_or(300.0);
    Duration::from_secs_f64(s)
}

/// `url` with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{tail}"),
        None => url.to_string(),
    }
}

/// Whether an error means the connection is gone (the server stopped, restarted or dropped us).
fn lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(c) => {
            c.code().starts_with("08")
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        }
        // No server error: an I/O error on the socket.
        None => std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// Whether the statement may simply be run again (the server rolled it back).
fn transient(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

impl PgStore {
    /// Connects to the server at `url`, creating tuneup's tables in an empty database and
    /// migrating older ones. `artifacts` is the local folder for run files (default:
    /// `tuneup-<database>.runs` in the working directory).
    pub fn open(url: &str, artifacts: Option<&Path>) -> Result<PgStore, StoreError> {
        Self::open_as(url, artifacts, false)
    }

    /// Opens an existing store whose every transaction is read-only (the session's default,
    /// set for every connection, reconnections included): a dashboard that cannot write.
    pub fn open_read_only(url: &str, artifacts: Option<&Path>) -> Result<PgStore, StoreError> {
        Self::open_as(url, artifacts, true)
    }

    fn open_as(
        url: &str,
        artifacts: Option<&Path>,
        read_only: bool,
    ) -> Result<PgStore, StoreError> {
        let location = redact(url);
        let mut config: Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::BadUrl {
                url: location.clone(),
                why: e.to_string(),
            })?;
        if config.get_dbname().is_none() {
            return Err(StoreError::BadUrl {
                url: location,
                why: "no database named".into(),
            });
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("tuneup");
        if read_only {
            let options = config.get_options().unwrap_or("").to_string();
            config.options(format!("{options} -c default_transaction_read_only=on").trim());
        }
        let client = connect(&config, &location)?;
        let db = config.get_dbname().unwrap_or("tuneup").to_string();
        let artifacts = match artifacts {
            Some(a) => a.to_path_buf(),
            None => PathBuf::from(format!("tuneup-{db}.runs")),
        };
        let store = PgStore {
            client: RefCell::new(client),
            config,
            location,
            artifacts: std::path::absolute(&artifacts).unwrap_or(artifacts),
            worker: crate::live::worker_id(),
            beats_for: Default::default(),
            beater: Default::default(),
            cache: Default::default(),
        };
        store.check_format(read_only)?;
        Ok(store)
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let v: String = self.with(|c| {
            c.query_one(
                "SELECT value FROM tuneup_meta WHERE key = 'schema_version'",
                &[],
            )
            .map(|r| r.get(0))
        })?;
        v.parse()
            .map_err(|_| self.corrupt("unreadable schema version".into()))
    }

    /// Runs `f` on the connection; when the connection is lost, reconnects with jittered
    /// backoff and runs it again, as it does after a serialization failure or a deadlock,
    /// until [`reconnect_for`] has passed. `f` must be one statement or one transaction.
    fn with<T>(
        &self,
        mut f: impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let deadline = Instant::now() + reconnect_for();
        let mut attempt = 0;
        loop {
            let res = f(&mut self.client.borrow_mut());
            let e = match res {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let gone = lost(&e) || self.client.borrow().is_closed();
            if !(gone || transient(&e)) || Instant::now() >= deadline {
                return Err(self.err(e));
            }
            attempt += 1;
            if gone {
                if attempt == 1 {
                    eprintln!(
                        "store {}: connection lost ({e}); reconnecting",
                        self.location
                    );
                }
                self.reconnect(deadline)?;
            } else {
                std::thread::sleep(backoff(attempt));
            }
        }
    }

    fn reconnect(&self, deadline: Instant) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            std::thread::sleep(backoff(attempt));
            match connect(&self.config, &self.location) {
                Ok(c) => {
                    *self.client.borrow_mut() = c;
                    eprintln!("store {}: reconnected", self.location);
                    return Ok(());
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => {}
            }
        }
    }

    fn err(&self, source: postgres::Error) -> StoreError {
        StoreError::Postgres {
            location: self.location.clone(),
            source,
        }
    }

    fn corrupt(&self, why: String) -> StoreError {
        StoreError::Corrupt {
            path: PathBuf::from(&self.location),
            why,
        }
    }

    /// Checks that the database is a tuneup store (or empty: then creates one) at a version
    /// this binary reads, migrating an older one; one transaction under an advisory lock, so
    /// processes opening a new database at once create it once.
    fn check_format(&self, read_only: bool) -> Result<(), StoreError> {
        let not = |why: String| StoreError::NotAStore {
            path: PathBuf::from(&self.location),
            why,
        };
        enum Found {
            Created,
            Empty,
            Old(i64),
            Foreign(i64),
            Format(Option<String>),
            Version(Option<String>),
            Migrated,
        }
        let found = self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock(7460293157)", &[])?;
            let has_meta: bool = tx
                .query_one("SELECT to_regclass('tuneup_meta') IS NOT NULL", &[])?
                .get(0);
            if !has_meta && read_only {
                return Ok(Found::Empty);
            }
            if !has_meta {
                let tables: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                        &[],
                    )?
                    .get(0);
                if tables > 0 {
                    return Ok(Found::Foreign(tables));
                }
                tx.batch_execute(&schema::create())?;
                tx.commit()?;
                return Ok(Found::Created);
            }
            let format: Option<String> = tx
                .query_opt("SELECT value FROM tuneup_meta WHERE key = 'format'", &[])?
                .map(|r| r.get(0));
            if format.as_deref() != Some(crate::sqlite::FORMAT) {
                return Ok(Found::Format(format));
            }
            let version: Option<String> = tx
                .query_opt(
                    "SELECT value FROM tuneup_meta WHERE key = 'schema_version'",
                    &[],
                )?
                .map(|r| r.get(0));
            let Some(v) = version.as_deref().and_then(|v| v.parse::<i64>().ok()) else {
                return Ok(Found::Version(version));
            };
            if v > SCHEMA_VERSION {
                return Ok(Found::Version(version));
            }
            if read_only && v < SCHEMA_VERSION {
                return Ok(Found::Old(v));
            }
            for (to, sql) in schema::migrations().iter().filter(|(to, _)| *to > v) {
                tx.batch_execute(sql)?;
                tx.execute(
                    "UPDATE tuneup_meta SET value = $1 WHERE key = 'schema_version'",
                    &[&to.to_string()],
                )?;
            }
            tx.commit()?;
            Ok(Found::Migrated)
        })?;
        match found {
            Found::Created | Found::Migrated => Ok(()),
            Found::Old(v) => Err(not(format!(
                "schema version {v}, this tuneup reads {SCHEMA_VERSION}: run any other tuneup command on it once to upgrade it"
            ))),
            Found::Empty => Err(not(
                "no tuneup store in this database yet (nothing has been recorded in it)".into(),
            )),
            Found::Foreign(n) => Err(not(format!(
                "the database holds {n} tables of another program and none of tuneup's; name an empty database"
            ))),
            Found::Format(f) => Err(not(format!("format is {f:?}"))),
            Found::Version(Some(v)) if v.parse::<i64>().is_ok() => Err(not(format!(
                "schema version {v} is newer than this tuneup's {SCHEMA_VERSION}: upgrade tuneup"
            ))),
            Found::Version(v) => Err(not(format!("unreadable schema version {v:?}"))),
        }
    }
}

/// Opens a connection, saying plainly why one cannot be had.
fn connect(config: &Config, location: &str) -> Result<Client, StoreError> {
    let e = match tls::open(config) {
        Ok(c) => return Ok(c),
        Err(tls::Failure::Setup(why)) => {
            return Err(StoreError::Unreachable {
                location: location.to_string(),
                why,
            });
        }
        Err(tls::Failure::Server(e)) => e,
    };
    Err({
        let why = match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD => {
                "the server refused the user name or password".to_string()
            }
            Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                format!("the server refused the user: {}", db_message(&e))
            }
            Some(c) if *c == SqlState::INVALID_CATALOG_NAME => format!(
                "{}; create it first (createdb {})",
                db_message(&e),
                config.get_dbname().unwrap_or("DATABASE")
            ),
            Some(_) => db_message(&e),
            None => {
                let detail = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.to_string());
                if e.to_string().contains("TLS") || detail.contains("certificate") {
                    format!(
                        "TLS: {detail}; if the server's certificate is signed by a private CA, set TUNEUP_PG_CA to that CA's PEM file"
                    )
                } else {
                    format!("{detail}; is a PostgreSQL server running there?")
                }
            }
        };
        StoreError::Unreachable {
            location: location.to_string(),
            why,
        }
    })
}

fn db_message(e: &postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}

/// Parses a JSON column, naming what it is when it is corrupt.
fn parse_json<T: serde::de::DeserializeOwned>(
    store: &PgStore,
    text: Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    crate::json::parse(text, what).map_err(|why| store.corrupt(why))
}

use crate::json::to_json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://me:secret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(redact("postgres://me@db/x"), "postgres://me@db/x");
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) < Duration::from_millis(200));
        assert!(backoff(20) <= Duration::from_secs_f64(7.5));
        assert!(backoff(20) >= Duration::from_secs_f64(2.5));
    }
}
