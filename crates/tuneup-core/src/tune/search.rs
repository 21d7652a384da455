//! The `[search]` table of an experiment: the space, the sampler, the pruner and the study's
//! defaults; and how a trial's parameters become an experiment.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Direction;
use super::pruner::Pruner;
use super::sampler::SamplerSpec;
use super::space::{Params, Space, set_key, to_toml};
use crate::InputError;
use crate::spec::Experiment;

/// A study's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    pub space: Space,
    pub sampler: SamplerSpec,
    pub pruner: Pruner,
    /// Default: from the metric (accuracy is maximised, RMSE minimised).
    pub direction: Option<Direction>,
    /// The sampler's seed; default: the experiment's seed.
    pub seed: Option<u64>,
    /// Defaults for `tuneup tune`'s --trials and --timeout.
    pub trials: Option<usize>,
    pub timeout: Option<String>,
    /// How many times a trial whose worker stopped (its heartbeat went stale) is tried again
    /// with the same parameters, from its last checkpoint when one is reachable (default 0: it
    /// is left interrupted and the sampler asks for a new point).
    #[serde(default)]
    pub retry_stale: usize,
}

impl Search {
    /// Parses `[search]`; errors name the key (`search.sampler`, `search.space."optimizer.lr"`).
    pub fn parse(t: &toml::Table) -> Result<Search, (String, String)> {
        for k in t.keys() {
            if ![
                "space",
                "sampler",
                "pruner",
                "direction",
                "seed",
                "trials",
                "timeout",
                "retry_stale",
            ]
            .contains(&k.as_str())
            {
                return Err((
                    format!("search.{k}"),
                    "unknown key: expected space, sampler, pruner, direction, seed, trials, timeout, retry_stale"
                        .into(),
                ));
            }
        }
        let space = match t.get("space") {
            Some(toml::Value::Table(s)) => Space::parse(s)?,
            _ => {
                return Err((
                    "search.space".into(),
                    "expected a [search.space] table of the keys to search".into(),
                ));
            }
        };
        // `sampler = "tpe"` is short for `sampler = { kind = "tpe" }`.
        let kind_table = |v: Option<&toml::Value>| -> Option<toml::Value> {
            match v? {
                toml::Value::String(s) => {
                    let mut t = toml::Table::new();
                    t.insert("kind".into(), toml::Value::String(s.clone()));
                    Some(toml::Value::Table(t))
                }
                other => Some(other.clone()),
            }
        };
        let sampler: SamplerSpec = match kind_table(t.get("sampler")) {
            None => SamplerSpec::default(),
            Some(v) => v.try_into().map_err(|e: toml::de::Error| {
                (
                    "search.sampler".to_string(),
                    format!(
                        "expected grid, random, tpe or cmaes (or a table with kind and its knobs): {}",
                        e.message()
                    ),
                )
            })?,
        };
        sampler
            .check(&space)
            .map_err(|m| ("search.sampler".to_string(), m))?;
        let pruner: Pruner = match kind_table(t.get("pruner")) {
            None => Pruner::None,
            Some(v) => v.try_into().map_err(|e: toml::de::Error| {
                (
                    "search.pruner".to_string(),
                    format!(
                        "expected none, median, percentile, asha or hyperband (or a table with kind and its knobs): {}",
                        e.message()
                    ),
                )
            })?,
        };
        pruner
            .check()
            .map_err(|(k, m)| (format!("search.pruner.{k}"), m))?;
        let direction = match t.get("direction") {
            None => None,
            Some(toml::Value::String(s)) if s == "minimize" => Some(Direction::Minimize),
            Some(toml::Value::String(s)) if s == "maximize" => Some(Direction::Maximize),
            Some(v) => {
                return Err((
                    "search.direction".into(),
                    format!("expected \"minimize\" or \"maximize\", found {v}"),
                ));
            }
        };
        let int = |k: &str| -> Result<Option<u64>, (String, String)> {
            match t.get(k) {
                None => Ok(None),
                Some(v) => v
                    .as_integer()
                    .filter(|i| *i >= 0)
                    .map(|i| Some(i as u64))
                    .ok_or_else(|| {
                        (
                            format!("search.{k}"),
                            format!("expected a non-negative integer, found {v}"),
                        )
                    }),
            }
        };
        let timeout = match t.get("timeout") {
            None => None,
            Some(toml::Value::String(s)) if crate::duration::parse(s).is_some() => Some(s.clone()),
            Some(v) => {
                return Err((
                    "search.timeout".into(),
                    format!("expected a duration such as \"90s\", \"10m\" or \"1h\", found {v}"),
                ));
            }
        };
        Ok(Search {
            space,
            sampler,
            pruner,
            direction,
            seed: int("seed")?,
            trials: int("trials")?.map(|n| n as usize),
            timeout,
            retry_stale: int("retry_stale")?.unwrap_or(0) as usize,
        })
    }
}

/// The experiment file's text with `[search]` removed and each parameter set at its key.
pub fn with_params(text: &str, params: &Params) -> Result<String, InputError> {
    let mut doc: toml::Table = toml::from_str(text).map_err(|e| InputError::new(e.to_string()))?;
    doc.remove("search");
    for (k, v) in params {
        let Some(tv) = to_toml(v) else { continue };
        set_key(&mut doc, k, tv).map_err(|m| InputError::new(m).key(k.clone()))?;
    }
    toml::to_string(&doc).map_err(|e| InputError::new(e.to_string()))
}

/// The experiment of a trial: [`with_params`], parsed as any experiment file is (relative
/// paths from `base`).
pub fn trial_experiment(
    text: &str,
    base: &Path,
    params: &Params,
) -> Result<Experiment, InputError> {
    Experiment::parse(&with_params(text, params)?, base)
}
