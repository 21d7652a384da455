//! Runs and their epochs.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, now, parse_json, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::RunStore;

const RUN_COLUMNS: &str = "id, name, parent_id, state, failure, experiment_path, config_json, data_info_json, model,
    metric_name, created_at, seconds, params, best_epoch, train_json, val_json, test_json, checkpoint,
    train_dev_json, splits_json, extra_json, kind, worker, heartbeat";

/// A run row's columns, before the JSON ones are parsed.
struct Row {
    id: i64,
    name: Option<String>,
    parent_id: Option<i64>,
    state: String,
    failure: Option<String>,
    experiment_path: String,
    config: String,
    data_info: Option<String>,
    model: String,
    metric_name: String,
    created_at: f64,
    seconds: Option<f64>,
    params: Option<i64>,
    best_epoch: Option<i64>,
    scores: [Option<String>; 4],
    checkpoint: Option<String>,
    splits: Option<String>,
    extra: Option<String>,
    kind: String,
    worker: Option<String>,
    heartbeat: Option<f64>,
}

fn read_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        name: r.get(1)?,
        parent_id: r.get(2)?,
        state: r.get(3)?,
        failure: r.get(4)?,
        experiment_path: r.get(5)?,
        config: r.get(6)?,
        data_info: r.get(7)?,
        model: r.get(8)?,
        metric_name: r.get(9)?,
        created_at: r.get(10)?,
        seconds: r.get(11)?,
        params: r.get(12)?,
        best_epoch: r.get(13)?,
        // train, val, test, train-dev
        scores: [r.get(14)?, r.get(15)?, r.get(16)?, r.get(18)?],
        checkpoint: r.get(17)?,
        splits: r.get(19)?,
        extra: r.get(20)?,
        kind: r.get(21)?,
        worker: r.get(22)?,
        heartbeat: r.get(23)?,
    })
}

impl SqliteStore {
    fn to_run(&self, row: Row) -> Result<Run, StoreError> {
        let id = row.id;
        let what = |w: &str| format!("run {id}: {w}");
        let state = RunState::parse(&row.state)
            .ok_or_else(|| self.corrupt(what(&format!("unknown state `{}`", row.state))))?;
        let kind = RunKind::parse(&row.kind)
            .ok_or_else(|| self.corrupt(what(&format!("unknown kind `{}`", row.kind))))?;
        let experiment = parse_json(self, Some(row.config), &what("experiment"))?
            .expect("a run always has its experiment");
        // A split's scores with a value that is not finite were written as null; such a split
        // reads as unscored, as it always has.
        let [train, val, test, train_dev] = row
            .scores
            .map(|s| s.and_then(|s| serde_json::from_str::<Scores>(&s).ok()));
        Ok(Run {
            id,
            name: row.name,
            parent_id: row.parent_id,
            kind,
            state,
            failure: row.failure,
            experiment_path: row.experiment_path,
            experiment,
            data_info: parse_json(self, row.data_info, &what("data description"))?,
            model: row.model,
            metric_name: row.metric_name,
            created_at: row.created_at,
            seconds: row.seconds,
            params: row.params,
            best_epoch: row.best_epoch,
            train,
            val,
            train_dev,
            test,
            checkpoint: row.checkpoint.map(PathBuf::from),
            splits: parse_json(self, row.splits, &what("splits"))?,
            extra: parse_json(self, row.extra, &what("extra record"))?.unwrap_or_default(),
            worker: row.worker,
            heartbeat: row.heartbeat,
        })
    }
}

impl RunStore for SqliteStore {
    fn create_run(&self, r: &NewRun) -> Result<i64, StoreError> {
        let t = now();
        self.conn
            .execute(
                "INSERT INTO runs (name, parent_id, state, experiment_path, config_json, model, metric_name, created_at, kind, worker, heartbeat)
                 VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?7)",
                params![
                    r.name,
                    r.parent_id,
                    r.experiment_path,
                    to_json(r.experiment),
                    r.model,
                    r.metric_name,
                    t,
                    r.kind.as_str(),
                    self.me()
                ],
            )
            .map_err(|e| self.err(e))?;
        self.beating(&self.worker);
        Ok(self.conn.last_insert_rowid())
    }

    fn record_epoch(&self, run_id: i64, e: &EpochRecord) -> Result<(), StoreError> {
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

    fn finish_run(&self, run_id: i64, f: &Finish) -> Result<bool, StoreError> {
        if f.state == RunState::Running {
            return Err(self.corrupt(format!("run {run_id}: finishing needs a final state")));
        }
        let js = |s: &Option<Scores>| s.as_ref().map(to_json);
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
                    f.checkpoint.map(|p| p.display().to_string()),
                    f.data_info.map(to_json),
                    js(&f.train_dev),
                    f.splits.as_ref().map(to_json),
                    f.extra.filter(|x| !x.is_empty()).map(to_json),
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    fn run(&self, id: i64) -> Result<Run, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id=?1"),
                [id],
                read_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoSuchRun(id))?;
        self.to_run(row)
    }

    fn runs(&self) -> Result<Vec<Run>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], read_row)
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter().map(|r| self.to_run(r)).collect()
    }

    fn epochs(&self, run_id: i64) -> Result<Vec<EpochRecord>, StoreError> {
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

    /// `<store file>.runs/` beside the store.
    fn artifacts_dir(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".runs");
        self.path.with_file_name(name)
    }

    /// The folder is the only place: nothing to copy.
    fn save_artifact(&self, _name: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn fetch_artifact(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.artifacts_dir().join(name).exists())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}
