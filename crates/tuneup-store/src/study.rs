//! Studies and their trials, in the same store as runs. Asking for a trial is one `BEGIN
//! IMMEDIATE` transaction (read the history, let the sampler choose, insert the trial as
//! running), so processes sharing a store take distinct trial numbers and each sampler sees
//! the trials the others are running.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tuneup_core::tune::{Params, Trial, TrialState};

use super::{Store, StoreError, now};

pub(crate) const SCHEMA: &str = "
CREATE TABLE studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    experiment_path TEXT NOT NULL,
    config_json TEXT NOT NULL,
    search_json TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE trials (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
    params_json TEXT NOT NULL,
    value REAL,
    run_id INTEGER REFERENCES runs(id),
    failure TEXT,
    worker TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (study_id, number)
);
CREATE TABLE trial_values (
    study_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (study_id, number, step)
);
";

/// A study as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Study {
    pub id: i64,
    pub name: String,
    pub experiment_path: String,
    /// The experiment file's text when the study was created.
    pub config: serde_json::Value,
    /// The search: space, sampler, pruner, direction, seed (JSON).
    pub search: serde_json::Value,
    pub created_at: f64,
}

/// A trial with what the store keeps beside what samplers see.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTrial {
    #[serde(flatten)]
    pub trial: Trial,
    pub run_id: Option<i64>,
    pub failure: Option<String>,
    /// Who ran it: `host:pid:start`.
    pub worker: String,
    pub started_at: f64,
    pub finished_at: Option<f64>,
}

impl StoredTrial {
    pub fn seconds(&self) -> Option<f64> {
        self.finished_at.map(|f| f - self.started_at)
    }
}

impl Store {
    /// The study called `name`, creating it with this experiment and search when there is none.
    /// Returns the study and whether it was created now.
    pub fn open_study(
        &self,
        name: &str,
        experiment_path: &str,
        config: &serde_json::Value,
        search: &serde_json::Value,
    ) -> Result<(Study, bool), StoreError> {
        let created = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO studies (name, experiment_path, config_json, search_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, experiment_path, config.to_string(), search.to_string(), now()],
            )
            .map_err(|e| self.err(e))?
            == 1;
        let study = self
            .study(name)?
            .expect("the study was just inserted or already there");
        Ok((study, created))
    }

    pub fn study(&self, name: &str) -> Result<Option<Study>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, name, experiment_path, config_json, search_json, created_at FROM studies WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, f64>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, name, experiment_path, config, search, created_at)) = row else {
            return Ok(None);
        };
        let parse = |s: &str, what: &str| {
            serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                why: format!("study {name}: {what}: {e}"),
            })
        };
        Ok(Some(Study {
            id,
            experiment_path,
            config: parse(&config, "config")?,
            search: parse(&search, "search")?,
            name: name.clone(),
            created_at,
        }))
    }

    /// Every study's name and trial count.
    pub fn studies(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.name, (SELECT count(*) FROM trials t WHERE t.study_id = s.id) FROM studies s ORDER BY s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The study's trials in number order, with their intermediate values.
    pub fn trials(&self, study_id: i64) -> Result<Vec<StoredTrial>, StoreError> {
        trials_on(&self.conn, study_id).map_err(|e| self.err(e))
    }

    /// Takes the next trial: inside one immediate transaction, `choose` sees the history and
    /// returns the parameters (or `None`: nothing left to try), which are recorded as a running
    /// trial of `worker`. Returns the trial's number and parameters.
    pub fn ask_trial(
        &self,
        study_id: i64,
        worker: &str,
        choose: impl FnOnce(&[StoredTrial], usize) -> Option<Params>,
    ) -> Result<Option<(usize, Params)>, StoreError> {
        self.immediate(|| {
            let history = trials_on(&self.conn, study_id).map_err(|e| self.err(e))?;
            let number = history
                .iter()
                .map(|t| t.trial.number + 1)
                .max()
                .unwrap_or(0);
            let Some(params) = choose(&history, number) else {
                return Ok(None);
            };
            self.conn
                .execute(
                    "INSERT INTO trials (study_id, number, state, params_json, worker, started_at)
                     VALUES (?1, ?2, 'running', ?3, ?4, ?5)",
                    params![
                        study_id,
                        number as i64,
                        serde_json::to_string(&params).unwrap_or_default(),
                        worker,
                        now()
                    ],
                )
                .map_err(|e| self.err(e))?;
            Ok(Some((number, params)))
        })
    }

    pub fn set_trial_run(
        &self,
        study_id: i64,
        number: usize,
        run_id: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE trials SET run_id = ?3 WHERE study_id = ?1 AND number = ?2",
                params![study_id, number as i64, run_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records a running trial's value at a step (an epoch).
    pub fn report_value(
        &self,
        study_id: i64,
        number: usize,
        step: usize,
        value: f64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO trial_values VALUES (?1, ?2, ?3, ?4)",
                params![study_id, number as i64, step as i64, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Ends a running trial; a trial that already ended is left alone (returns `false`).
    pub fn finish_trial(
        &self,
        study_id: i64,
        number: usize,
        state: TrialState,
        value: Option<f64>,
        failure: Option<&str>,
    ) -> Result<bool, StoreError> {
        assert!(
            state != TrialState::Running,
            "finish_trial needs a final state"
        );
        let n = self
            .conn
            .execute(
                "UPDATE trials SET state = ?3, value = ?4, failure = ?5, finished_at = ?6
                 WHERE study_id = ?1 AND number = ?2 AND state = 'running'",
                params![
                    study_id,
                    number as i64,
                    state.as_str(),
                    value,
                    failure,
                    now()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }
}

fn trials_on(conn: &rusqlite::Connection, study_id: i64) -> rusqlite::Result<Vec<StoredTrial>> {
    let mut values: std::collections::HashMap<usize, Vec<(usize, f64)>> = Default::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT number, step, value FROM trial_values WHERE study_id = ?1 ORDER BY number, step",
        )?;
        let rows = stmt.query_map([study_id], |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, Option<f64>>(2)?.unwrap_or(f64::NAN),
            ))
        })?;
        for row in rows {
            let (n, s, v) = row?;
            values.entry(n).or_default().push((s, v));
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT number, state, params_json, value, run_id, failure, worker, started_at, finished_at
         FROM trials WHERE study_id = ?1 ORDER BY number",
    )?;
    let rows = stmt.query_map([study_id], |r| {
        let number = r.get::<_, i64>(0)? as usize;
        let state: String = r.get(1)?;
        let params: String = r.get(2)?;
        Ok(StoredTrial {
            trial: Trial {
                number,
                state: TrialState::parse(&state).unwrap_or(TrialState::Failed),
                params: serde_json::from_str(&params).unwrap_or_default(),
                value: r.get(3)?,
                intermediate: values.remove(&number).unwrap_or_default(),
            },
            run_id: r.get(4)?,
            failure: r.get(5)?,
            worker: r.get(6)?,
            started_at: r.get(7)?,
            finished_at: r.get(8)?,
        })
    })?;
    rows.collect()
}
