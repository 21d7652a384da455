//! Runs and their epochs on the server.

use std::path::PathBuf;

use postgres::Row;

use super::schema::NOW;
use super::{PgStore, parse_json, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::RunStore;

const RUN_COLUMNS: &str = "id, name, parent_id, state, failure, experiment_path, config_json, data_info_json, model,
    metric_name, created_at, seconds, params, best_epoch, train_json, val_json, test_json, checkpoint,
    train_dev_json, splits_json, extra_json, kind, worker, heartbeat";

impl PgStore {
    fn to_run(&self, r: &Row) -> Result<Run, StoreError> {
        let id: i64 = r.get(0);
        let what = |w: &str| format!("run {id}: {w}");
        let state: String = r.get(3);
        let state = RunState::parse(&state)
            .ok_or_else(|| self.corrupt(what(&format!("unknown state `{state}`"))))?;
        let kind: String = r.get(21);
        let kind = RunKind::parse(&kind)
            .ok_or_else(|| self.corrupt(what(&format!("unknown kind `{kind}`"))))?;
        let experiment = parse_json(self, Some(r.get(6)), &what("experiment"))?
            .expect("a run always has its experiment");
        let scores = |i: usize| {
            r.get::<_, Option<String>>(i)
                .and_then(|s| serde_json::from_str::<Scores>(&s).ok())
        };
        Ok(Run {
            id,
            name: r.get(1),
            parent_id: r.get(2),
            kind,
            state,
            failure: r.get(4),
            experiment_path: r.get(5),
            experiment,
            data_info: parse_json(self, r.get(7), &what("data description"))?,
            model: r.get(8),
            metric_name: r.get(9),
            created_at: r.get(10),
            seconds: r.get(11),
            params: r.get(12),
            best_epoch: r.get(13),
            train: scores(14),
            val: scores(15),
            test: scores(16),
            checkpoint: r.get::<_, Option<String>>(17).map(PathBuf::from),
            train_dev: scores(18),
            splits: parse_json(self, r.get(19), &what("splits"))?,
            extra: parse_json(self, r.get(20), &what("extra record"))?.unwrap_or_default(),
            worker: r.get(22),
            heartbeat: r.get(23),
        })
    }
}

impl RunStore for PgStore {
    fn create_run(&self, r: &NewRun) -> Result<i64, StoreError> {
        let config = to_json(r.experiment);
        let kind = r.kind.as_str();
        let id: i64 = self.with(|c| {
            c.query_one(
                &format!(
                    "INSERT INTO runs (name, parent_id, state, experiment_path, config_json, model, metric_name, created_at, kind, worker, heartbeat)
                     VALUES ($1, $2, 'running', $3, $4, $5, $6, {NOW}, $7, $8, {NOW}) RETURNING id"
                ),
                &[
                    &r.name,
                    &r.parent_id,
                    &r.experiment_path,
                    &config,
                    &r.model,
                    &r.metric_name,
                    &kind,
                    &self.worker,
                ],
            )
            .map(|row| row.get(0))
        })?;
        self.beating(&self.worker);
        Ok(id)
    }

    fn record_epoch(&self, run_id: i64, e: &EpochRecord) -> Result<(), StoreError> {
        let epoch = e.epoch as i64;
        self.with(|c| {
            c.execute(
                "INSERT INTO epochs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (run_id, epoch) DO UPDATE SET fit_loss = excluded.fit_loss,
                    train_loss = excluded.train_loss, train_error = excluded.train_error,
                    val_loss = excluded.val_loss, val_error = excluded.val_error,
                    val_metric = excluded.val_metric, lr = excluded.lr, seconds = excluded.seconds,
                    fit_seconds = excluded.fit_seconds",
                &[
                    &run_id,
                    &epoch,
                    &e.fit_loss,
                    &e.train_loss,
                    &e.train_error,
                    &e.val_loss,
                    &e.val_error,
                    &e.val_metric,
                    &e.lr,
                    &e.seconds,
                    &e.fit_seconds,
                ],
            )
        })?;
        Ok(())
    }

    fn finish_run(&self, run_id: i64, f: &Finish) -> Result<bool, StoreError> {
        if f.state == RunState::Running {
            return Err(self.corrupt(format!("run {run_id}: finishing needs a final state")));
        }
        let js = |s: &Option<Scores>| s.as_ref().map(to_json);
        let state = f.state.as_str();
        let params = f.params.map(|p| p as i64);
        let best = f.best_epoch.map(|e| e as i64);
        let (train, val, test, train_dev) =
            (js(&f.train), js(&f.val), js(&f.test), js(&f.train_dev));
        let checkpoint = f.checkpoint.map(|p| p.display().to_string());
        let info = f.data_info.map(to_json);
        let splits = f.splits.as_ref().map(to_json);
        let extra = f.extra.filter(|x| !x.is_empty()).map(to_json);
        let n = self.with(|c| {
            c.execute(
                &format!(
                    "UPDATE runs SET state=$2, failure=$3, finished_at={NOW}, seconds=$4, params=$5, best_epoch=$6,
                        train_json=$7, val_json=$8, test_json=$9, checkpoint=$10, data_info_json=$11,
                        train_dev_json=$12, splits_json=$13, extra_json=$14
                     WHERE id=$1 AND state='running'"
                ),
                &[
                    &run_id,
                    &state,
                    &f.failure,
                    &f.seconds,
                    &params,
                    &best,
                    &train,
                    &val,
                    &test,
                    &checkpoint,
                    &info,
                    &train_dev,
                    &splits,
                    &extra,
                ],
            )
        })?;
        Ok(n == 1)
    }

    fn run(&self, id: i64) -> Result<Run, StoreError> {
        let row = self
            .with(|c| {
                c.query_opt(
                    &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id=$1"),
                    &[&id],
                )
            })?
            .ok_or(StoreError::NoSuchRun(id))?;
        self.to_run(&row)
    }

    fn runs(&self) -> Result<Vec<Run>, StoreError> {
        let rows =
            self.with(|c| c.query(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"), &[]))?;
        rows.iter().map(|r| self.to_run(r)).collect()
    }

    fn epochs(&self, run_id: i64) -> Result<Vec<EpochRecord>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT epoch, fit_loss, train_loss, train_error, val_loss, val_error, val_metric, lr, seconds, fit_seconds
                 FROM epochs WHERE run_id=$1 ORDER BY epoch",
                &[&run_id],
            )
        })?;
        let f = |r: &Row, i: usize| r.get::<_, Option<f64>>(i).unwrap_or(f64::NAN);
        Ok(rows
            .iter()
            .map(|r| EpochRecord {
                epoch: r.get::<_, i64>(0) as usize,
                fit_loss: f(r, 1),
                train_loss: f(r, 2),
                train_error: f(r, 3),
                val_loss: f(r, 4),
                val_error: f(r, 5),
                val_metric: f(r, 6),
                lr: f(r, 7),
                seconds: f(r, 8),
                fit_seconds: r.get::<_, Option<f64>>(9).unwrap_or(0.0),
            })
            .collect())
    }

    fn artifacts_dir(&self) -> PathBuf {
        self.artifacts.clone()
    }

    fn save_artifact(&self, name: &str) -> Result<(), StoreError> {
        self.save_file(name)
    }

    fn fetch_artifact(&self, name: &str) -> Result<bool, StoreError> {
        self.fetch_file(name)
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}
