//! The run store: an embedded SQLite file (no server). Every run is recorded with its resolved
//! experiment, per-epoch curves, final numbers, state, timing and checkpoint path.
//!
//! The only crate that sees SQL. Writes are single statements or transactions, so a crash leaves
//! the file consistent; WAL mode and a busy timeout let several processes share one store.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tuneup_core::run::{EpochRecord, RunState, Scores};

mod ledger;
mod study;
pub use ledger::{NewStep, Step};
pub use study::{StoredTrial, Study};

/// The value of `meta.format` in every tuneup store.
const FORMAT: &str = "tuneup-store";
const SCHEMA_VERSION: i64 = 4;

/// Version 4: studies and trials (`tuneup tune`), the improve loop's ledger.
fn schema_4() -> String {
    format!("{}{}", study::SCHEMA, ledger::SCHEMA)
}

/// What each schema version adds to the one before it; applied in order to older stores.
fn migrations() -> Vec<(i64, String)> {
    vec![
        (
            2,
            "ALTER TABLE runs ADD COLUMN train_dev_json TEXT;
     ALTER TABLE runs ADD COLUMN splits_json TEXT;
     ALTER TABLE runs ADD COLUMN extra_json TEXT;"
                .into(),
        ),
        (3, "ALTER TABLE epochs ADD COLUMN fit_seconds REAL;".into()),
        (4, schema_4()),
    ]
}

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
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A run as listed and shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub id: i64,
    pub name: Option<String>,
    pub parent_id: Option<i64>,
    pub state: RunState,
    pub failure: Option<String>,
    pub experiment_path: String,
    /// The resolved experiment (JSON of `tuneup_core::spec::Experiment`).
    pub config: serde_json::Value,
    /// What the model needs to read new data (JSON of `tuneup_core::data::DataInfo`).
    pub data_info: Option<serde_json::Value>,
    pub model: String,
    pub metric_name: String,
    pub created_at: f64,
    pub seconds: Option<f64>,
    pub params: Option<i64>,
    pub best_epoch: Option<i64>,
    pub train: Option<Scores>,
    pub val: Option<Scores>,
    pub train_dev: Option<Scores>,
    pub test: Option<Scores>,
    pub checkpoint: Option<String>,
    /// Samples per split: {"train": n, "val": n, "train_dev": n, "test": n}.
    pub splits: Option<serde_json::Value>,
    /// Results of a study run (a learning curve's points and fit), as JSON.
    pub extra: Option<serde_json::Value>,
}

/// What a new run starts with.
pub struct NewRun<'a> {
    pub name: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub experiment_path: &'a str,
    pub config: &'a serde_json::Value,
    pub model: &'a str,
    pub metric_name: &'a str,
}

/// How a run ended.
pub struct Finish<'a> {
    pub state: RunState,
    pub failure: Option<&'a str>,
    pub seconds: f64,
    pub params: Option<usize>,
    pub best_epoch: Option<usize>,
    pub train: Option<Scores>,
    pub val: Option<Scores>,
    pub train_dev: Option<Scores>,
    pub test: Option<Scores>,
    pub checkpoint: Option<&'a str>,
    pub data_info: Option<&'a serde_json::Value>,
    pub splits: Option<&'a serde_json::Value>,
    pub extra: Option<&'a serde_json::Value>,
}

impl<'a> Finish<'a> {
    /// An ending with nothing but its state, failure and time; set the rest with `..`.
    pub fn bare(state: RunState, failure: Option<&'a str>, seconds: f64) -> Finish<'a> {
        Finish {
            state,
            failure,
            seconds,
            params: None,
            best_epoch: None,
            train: None,
            val: None,
            train_dev: None,
            test: None,
            checkpoint: None,
            data_info: None,
            splits: None,
            extra: None,
        }
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Store {
    /// Opens a store, creating it when the file does not exist. An existing file must be a
    /// tuneup store.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let exists = path.exists();
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        // A file of zero bytes is one another process has just created and not yet written:
        // an empty database, not a foreign file.
        let empty = std::fs::metadata(path)
            .map(|m| m.len() == 0)
            .unwrap_or(true);
        if exists && !empty {
            // Check the SQLite header ourselves: opening a random file "succeeds" lazily.
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
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        // Check or create the schema inside one immediate transaction, so that processes
        // opening a new store at the same moment create it once.
        store.immediate(|| store.check_format())?;
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction (the write lock taken at the start,
    /// so a read-then-write cannot interleave with another process's): committed when `f`
    /// succeeds, rolled back when it fails.
    fn immediate<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
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
            return self.create_schema();
        }
        let format: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM tuneup_meta WHERE key='format'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| not(e.to_string()))?;
        if format.as_deref() != Some(FORMAT) {
            return Err(not(format!("format is {format:?}")));
        }
        let version: i64 = self
            .conn
            .query_row(
                "SELECT value FROM tuneup_meta WHERE key='schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .map_err(|e| not(e.to_string()))?
            .parse()
            .map_err(|_| not("unreadable schema version".into()))?;
        if version > SCHEMA_VERSION {
            return Err(not(format!(
                "schema version {version} is newer than this tuneup's {SCHEMA_VERSION}: upgrade tuneup"
            )));
        }
        for (to, sql) in migrations().iter().filter(|(to, _)| *to > version) {
            // Inside the opening transaction: a crash leaves the store at its old version.
            self.conn
                .execute_batch(&format!(
                    "{sql} UPDATE tuneup_meta SET value = '{to}' WHERE key = 'schema_version';"
                ))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn create_schema(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE tuneup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO tuneup_meta VALUES ('format', '{FORMAT}'), ('schema_version', '{SCHEMA_VERSION}');
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT,
                    parent_id INTEGER REFERENCES runs(id),
                    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed')),
                    failure TEXT,
                    experiment_path TEXT NOT NULL,
                    config_json TEXT NOT NULL,
                    data_info_json TEXT,
                    model TEXT NOT NULL,
                    metric_name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    finished_at REAL,
                    seconds REAL,
                    params INTEGER,
                    best_epoch INTEGER,
                    train_json TEXT,
                    val_json TEXT,
                    train_dev_json TEXT,
                    test_json TEXT,
                    checkpoint TEXT,
                    splits_json TEXT,
                    extra_json TEXT
                );
                CREATE TABLE epochs (
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    epoch INTEGER NOT NULL,
                    fit_loss REAL, train_loss REAL, train_error REAL,
                    val_loss REAL, val_error REAL, val_metric REAL,
                    lr REAL, seconds REAL, fit_seconds REAL,
                    PRIMARY KEY (run_id, epoch)
                );
                {}",
                schema_4()
            ))
            .map_err(|e| self.err(e))
    }

    pub fn create_run(&self, r: &NewRun) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO runs (name, parent_id, state, experiment_path, config_json, model, metric_name, created_at)
                 VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7)",
                params![r.name, r.parent_id, r.experiment_path, r.config.to_string(), r.model, r.metric_name, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn record_epoch(&self, run_id: i64, e: &EpochRecord) -> Result<(), StoreError> {
        // SQLite stores NaN as NULL; read back as NaN.
        self.conn
            .execute(
                "INSERT OR REPLACE INTO epochs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    run_id,
                    e.epoch as i64,
                    e.fit_loss,
                    e.train_loss,
                    e.train_error,
                    e.val_loss,
                    e.val_error,
                    e.val_metric,
                    e.lr,
                    e.seconds,
                    e.fit_seconds
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Ends a running run. A run that already finished is left as it is (finished runs are
    /// immutable) and this returns `false`.
    pub fn finish_run(&self, run_id: i64, f: &Finish) -> Result<bool, StoreError> {
        assert!(
            f.state != RunState::Running,
            "finish_run needs a final state"
        );
        let js = |s: &Option<Scores>| {
            s.as_ref()
                .map(|s| serde_json::to_string(s).unwrap_or_default())
        };
        let n = self
            .conn
            .execute(
                "UPDATE runs SET state=?2, failure=?3, finished_at=?4, seconds=?5, params=?6, best_epoch=?7,
                        train_json=?8, val_json=?9, test_json=?10, checkpoint=?11, data_info_json=?12,
                        train_dev_json=?13, splits_json=?14, extra_json=?15
                 WHERE id=?1 AND state='running'",
                params![
                    run_id,
                    f.state.as_str(),
                    f.failure,
                    now(),
                    f.seconds,
                    f.params.map(|p| p as i64),
                    f.best_epoch.map(|e| e as i64),
                    js(&f.train),
                    js(&f.val),
                    js(&f.test),
                    f.checkpoint,
                    f.data_info.map(|d| d.to_string()),
                    js(&f.train_dev),
                    f.splits.map(|d| d.to_string()),
                    f.extra.map(|d| d.to_string()),
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    const RUN_COLUMNS: &'static str = "id, name, parent_id, state, failure, experiment_path, config_json, data_info_json, model,
        metric_name, created_at, seconds, params, best_epoch, train_json, val_json, test_json, checkpoint,
        train_dev_json, splits_json, extra_json";

    fn row_to_run(&self, r: &rusqlite::Row) -> rusqlite::Result<Result<Run, StoreError>> {
        let corrupt = |why: String| StoreError::Corrupt {
            path: self.path.clone(),
            why,
        };
        let state: String = r.get(3)?;
        let json = |i: usize| -> rusqlite::Result<Option<String>> { r.get(i) };
        let scores = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Scores>(&s).ok());
        let config: String = r.get(6)?;
        let Some(state) = RunState::parse(&state) else {
            return Ok(Err(corrupt(format!("unknown run state `{state}`"))));
        };
        let config = match serde_json::from_str(&config) {
            Ok(c) => c,
            Err(e) => return Ok(Err(corrupt(format!("run config: {e}")))),
        };
        Ok(Ok(Run {
            id: r.get(0)?,
            name: r.get(1)?,
            parent_id: r.get(2)?,
            state,
            failure: r.get(4)?,
            experiment_path: r.get(5)?,
            config,
            data_info: json(7)?.and_then(|s| serde_json::from_str(&s).ok()),
            model: r.get(8)?,
            metric_name: r.get(9)?,
            created_at: r.get(10)?,
            seconds: r.get(11)?,
            params: r.get(12)?,
            best_epoch: r.get(13)?,
            train: scores(json(14)?),
            val: scores(json(15)?),
            test: scores(json(16)?),
            checkpoint: r.get(17)?,
            train_dev: scores(json(18)?),
            splits: json(19)?.and_then(|s| serde_json::from_str(&s).ok()),
            extra: json(20)?.and_then(|s| serde_json::from_str(&s).ok()),
        }))
    }

    pub fn runs(&self) -> Result<Vec<Run>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM runs ORDER BY id",
                Self::RUN_COLUMNS
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| self.row_to_run(r))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(|e| self.err(e))??);
        }
        Ok(out)
    }

    pub fn run(&self, id: i64) -> Result<Run, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM runs WHERE id=?1", Self::RUN_COLUMNS),
                [id],
                |r| self.row_to_run(r),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoSuchRun(id))?
    }

    pub fn epochs(&self, run_id: i64) -> Result<Vec<EpochRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT epoch, fit_loss, train_loss, train_error, val_loss, val_error, val_metric, lr, seconds, fit_seconds FROM epochs WHERE run_id=?1 ORDER BY epoch")
            .map_err(|e| self.err(e))?;
        let f = |r: &rusqlite::Row, i: usize| -> rusqlite::Result<f64> {
            Ok(r.get::<_, Option<f64>>(i)?.unwrap_or(f64::NAN))
        };
        let rows = stmt
            .query_map([run_id], |r| {
                Ok(EpochRecord {
                    epoch: r.get::<_, i64>(0)? as usize,
                    fit_loss: f(r, 1)?,
                    train_loss: f(r, 2)?,
                    train_error: f(r, 3)?,
                    val_loss: f(r, 4)?,
                    val_error: f(r, 5)?,
                    val_metric: f(r, 6)?,
                    lr: f(r, 7)?,
                    seconds: f(r, 8)?,
                    fit_seconds: r.get::<_, Option<f64>>(9)?.unwrap_or(0.0),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The folder where this store keeps checkpoints: `<store file>.runs/` beside it.
    pub fn artifacts_dir(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".runs");
        self.path.with_file_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(e: usize, v: f64) -> EpochRecord {
        EpochRecord {
            epoch: e,
            fit_loss: 1.0,
            train_loss: 0.9,
            train_error: 0.2,
            val_loss: 1.1,
            val_error: 0.3,
            val_metric: v,
            lr: 0.001,
            seconds: 0.5,
            fit_seconds: 0.0,
        }
    }

    #[test]
    fn run_lifecycle_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        let config = serde_json::json!({"task": "classification"});
        let id = store
            .create_run(&NewRun {
                name: Some("a"),
                parent_id: None,
                experiment_path: "e.toml",
                config: &config,
                model: "mlp",
                metric_name: "accuracy",
            })
            .unwrap();
        store.record_epoch(id, &epoch(1, 0.7)).unwrap();
        store.record_epoch(id, &epoch(2, f64::NAN)).unwrap();
        assert_eq!(store.run(id).unwrap().state, RunState::Running);
        let s = Scores {
            loss: 0.1,
            error: 0.05,
            metric: 0.95,
        };
        let fin = Finish {
            state: RunState::Complete,
            failure: None,
            seconds: 1.5,
            params: Some(10),
            best_epoch: Some(1),
            train: Some(s),
            val: Some(s),
            train_dev: None,
            test: None,
            checkpoint: Some("x.bpk"),
            data_info: None,
            splits: None,
            extra: None,
        };
        assert!(store.finish_run(id, &fin).unwrap());
        // Finished runs are immutable.
        assert!(
            !store
                .finish_run(
                    id,
                    &Finish {
                        state: RunState::Failed,
                        ..fin
                    }
                )
                .unwrap()
        );
        drop(store);
        let store = Store::open(&path).unwrap();
        let run = store.run(id).unwrap();
        assert_eq!(run.state, RunState::Complete);
        assert_eq!(run.val, Some(s));
        assert_eq!(run.config, config);
        let eps = store.epochs(id).unwrap();
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0], epoch(1, 0.7));
        assert!(eps[1].val_metric.is_nan());
        assert!(matches!(store.run(99), Err(StoreError::NoSuchRun(99))));
        assert_eq!(store.runs().unwrap().len(), 1);
    }

    #[test]
    fn refuses_files_that_are_not_tuneup_stores() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "hello, not a database at all").unwrap();
        assert!(matches!(
            Store::open(&text),
            Err(StoreError::NotAStore { .. })
        ));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER);")
            .unwrap();
        let e = Store::open(&other).err().unwrap();
        assert!(e.to_string().contains("not a tuneup store"), "{e}");
        // Neither file was changed.
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "hello, not a database at all"
        );
    }

    #[test]
    fn version_1_stores_are_migrated_to_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(Store::open(&path).unwrap());
        // Make it a version-1 store, as the first release wrote them.
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "ALTER TABLE runs DROP COLUMN train_dev_json; ALTER TABLE runs DROP COLUMN splits_json;
                 ALTER TABLE runs DROP COLUMN extra_json; ALTER TABLE epochs DROP COLUMN fit_seconds;
                 DROP TABLE studies; DROP TABLE trials; DROP TABLE trial_values; DROP TABLE ledger;
                 UPDATE tuneup_meta SET value = '1' WHERE key = 'schema_version';",
            )
            .unwrap();
        let store = Store::open(&path).unwrap();
        let config = serde_json::json!({});
        let id = store
            .create_run(&NewRun {
                name: None,
                parent_id: None,
                experiment_path: "e",
                config: &config,
                model: "mlp",
                metric_name: "accuracy",
            })
            .unwrap();
        assert_eq!(store.run(id).unwrap().splits, None);
        // The columns of later versions are there to write and read.
        let mut e = epoch(1, 0.5);
        e.fit_seconds = 0.25;
        store.record_epoch(id, &e).unwrap();
        assert_eq!(store.epochs(id).unwrap(), vec![e]);
        let v: String = store
            .conn
            .query_row(
                "SELECT value FROM tuneup_meta WHERE key='schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION.to_string());
        // Version 4's study tables are there too.
        let (study, created) = store
            .open_study("s", "e.toml", &config, &serde_json::json!({"space": 1}))
            .unwrap();
        assert!(created);
        assert!(store.trials(study.id).unwrap().is_empty());
    }

    #[test]
    fn trials_are_asked_for_one_at_a_time_and_end_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let j = serde_json::json!({});
        let (s, _) = store.open_study("s", "e.toml", &j, &j).unwrap();
        let (again, created) = store.open_study("s", "other.toml", &j, &j).unwrap();
        assert!(!created);
        assert_eq!(again.id, s.id);
        let mut p = tuneup_core::tune::Params::new();
        p.insert("lr".into(), serde_json::json!(0.1));
        for want in 0..3 {
            let (n, _) = store
                .ask_trial(s.id, "w", |history, number| {
                    assert_eq!(history.len(), want);
                    assert_eq!(number, want);
                    Some(p.clone())
                })
                .unwrap()
                .unwrap();
            assert_eq!(n, want);
        }
        assert_eq!(store.ask_trial(s.id, "w", |_, _| None).unwrap(), None);
        store.report_value(s.id, 1, 1, 0.5).unwrap();
        store.report_value(s.id, 1, 2, f64::NAN).unwrap();
        use tuneup_core::tune::TrialState;
        assert!(
            store
                .finish_trial(
                    s.id,
                    1,
                    TrialState::Pruned,
                    Some(0.5),
                    Some("pruned at epoch 2")
                )
                .unwrap()
        );
        assert!(
            !store
                .finish_trial(s.id, 1, TrialState::Complete, Some(0.9), None)
                .unwrap()
        );
        let t = store.trials(s.id).unwrap();
        assert_eq!(t[1].trial.state, TrialState::Pruned);
        assert_eq!(t[1].trial.intermediate[0], (1, 0.5));
        assert!(t[1].trial.intermediate[1].1.is_nan());
        assert_eq!(t[0].trial.state, TrialState::Running);
        assert_eq!(store.studies().unwrap(), vec![("s".to_string(), 3)]);
    }

    #[test]
    fn artifacts_live_beside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("tuneup.db")).unwrap();
        assert_eq!(store.artifacts_dir(), dir.path().join("tuneup.db.runs"));
    }
}
