//! Studies and their trials. Asking for a trial is one `BEGIN IMMEDIATE` transaction (read the
//! history, let the sampler choose, insert the trial as running), so processes sharing a store
//! take distinct trial numbers and each sampler sees the trials the others are running.

use rusqlite::{OptionalExtension, params};
use tuneup_core::tune::{Params, Trial};

use super::{SqliteStore, now, parse_json, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::StudyStore;

impl StudyStore for SqliteStore {
    fn open_study(&self, s: &NewStudy) -> Result<(Study, bool), StoreError> {
        let config = serde_json::json!({ "text": s.text });
        let created = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO studies (name, experiment_path, config_json, search_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.name, s.experiment_path, config.to_string(), to_json(s.search), now()],
            )
            .map_err(|e| self.err(e))?
            == 1;
        let study = self
            .study(s.name)?
            .ok_or_else(|| self.corrupt(format!("study {} vanished as it was opened", s.name)))?;
        Ok((study, created))
    }

    fn study(&self, name: &str) -> Result<Option<Study>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, name, experiment_path, config_json, search_json, created_at, plan_json FROM studies WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, f64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, name, experiment_path, config, search, created_at, plan)) = row else {
            return Ok(None);
        };
        let config: serde_json::Value =
            parse_json(self, Some(config), &format!("study {name}: config"))?.unwrap_or_default();
        let search = parse_json(self, Some(search), &format!("study {name}: search"))?
            .ok_or_else(|| self.corrupt(format!("study {name}: no search")))?;
        let plan = parse_json(self, plan, &format!("study {name}: plan"))?;
        Ok(Some(Study {
            id,
            text: config["text"].as_str().unwrap_or_default().to_string(),
            search,
            name,
            experiment_path,
            created_at,
            plan,
        }))
    }

    fn studies(&self) -> Result<Vec<(String, usize)>, StoreError> {
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

    fn trials(&self, study_id: i64) -> Result<Vec<StoredTrial>, StoreError> {
        trials_on(&self.conn, study_id).map_err(|e| self.err(e))
    }

    fn ask_trial(
        &self,
        study_id: i64,
        worker: &str,
        choose: &mut dyn FnMut(&[StoredTrial], usize) -> Option<Params>,
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
                    "INSERT INTO trials (study_id, number, state, params_json, worker, started_at, heartbeat)
                     VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?5)",
                    params![study_id, number as i64, to_json(&params), worker, now()],
                )
                .map_err(|e| self.err(e))?;
            self.beating(worker);
            Ok(Some((number, params)))
        })
    }

    fn set_trial_run(&self, study_id: i64, number: usize, run_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE trials SET run_id = ?3 WHERE study_id = ?1 AND number = ?2",
                params![study_id, number as i64, run_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn set_study_plan(&self, study_id: i64, plan: &StudyPlan) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE studies SET plan_json = ?2 WHERE id = ?1",
                params![study_id, to_json(plan)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn report_value(
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

    fn finish_trial(
        &self,
        study_id: i64,
        number: usize,
        end: &TrialEnd,
    ) -> Result<bool, StoreError> {
        if !end.state.is_finished() {
            return Err(self.corrupt(format!("trial {number}: finishing needs a final state")));
        }
        let n = self
            .conn
            .execute(
                "UPDATE trials SET state = ?3, value = ?4, failure = ?5, finished_at = ?6
                 WHERE study_id = ?1 AND number = ?2 AND state = 'running'",
                params![
                    study_id,
                    number as i64,
                    end.state.as_str(),
                    end.value,
                    end.failure,
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
        "SELECT number, state, params_json, value, run_id, failure, worker, started_at, finished_at, heartbeat
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
            heartbeat: r.get(9)?,
        })
    })?;
    rows.collect()
}
