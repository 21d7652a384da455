//! A chain's start: the options checked, the baseline experiment and its data, the judge (the
//! validation split, or cross-validation when it is small), steps left running by a worker that
//! is gone marked interrupted.

use std::time::Instant;

use tuneup_core::InputError;
use tuneup_core::cv::CvSpec;
use tuneup_core::data::Prepared;
use tuneup_core::diagnose::remedies::RemedyId;
use tuneup_core::spec::Experiment;
use tuneup_store::StepState;

use super::{CV_BELOW, Chain, Options};
use crate::Lab;
use crate::cv::{Folds, Plan};
use crate::record::check_model;
use crate::worker::{Seen, reap_run, stale, worker_id};

/// The cross-validation the chain judges by, if any: `--cv auto|off|K` against the experiment
/// and its validation split.
fn cv_mode(flag: &str, exp: &Experiment, data: &Prepared) -> Result<Option<CvSpec>, InputError> {
    let spec = exp.cv.clone().unwrap_or_default();
    match flag {
        "off" => Ok(None),
        "auto" => Ok((exp.data.val.is_none() && data.val.len() < CV_BELOW).then_some(spec)),
        k => match k.parse::<usize>() {
            Ok(k) if k >= 2 => {
                if exp.data.val.is_some() {
                    return Err(InputError::new(
                        "--cv: cross-validation splits the training data into folds; this experiment has a validation file (data.val): use --cv off",
                    ).key("--cv"));
                }
                Ok(Some(CvSpec { folds: k, ..spec }))
            }
            _ => Err(InputError::new(format!(
                "--cv: expected auto, off or a number of folds (at least 2), found `{k}`"
            ))
            .key("--cv")),
        },
    }
}

/// `--remedies`, each a known remedy.
fn remedy_filter(ids: Option<&[String]>) -> Result<Option<Vec<RemedyId>>, InputError> {
    let Some(ids) = ids else {
        return Ok(None);
    };
    ids.iter()
        .map(|i| {
            RemedyId::parse(i).ok_or_else(|| {
                let known: Vec<&str> = RemedyId::ALL.iter().map(|r| r.as_str()).collect();
                InputError::new(format!(
                    "--remedies: unknown remedy `{i}`; expected some of {}",
                    known.join(", ")
                ))
                .key("--remedies")
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The experiment a chain starts from: the experiment file, or `init`'s baseline of a data
/// file; without a `[search]`.
fn base_experiment(opts: &Options) -> anyhow::Result<Experiment> {
    let mut base = if opts.source.extension().is_some_and(|e| e == "toml") {
        let d = &opts.data;
        if d.target.is_some() || d.test.is_some() || d.drop_missing_target {
            return Err(InputError::new(
                "--target, --test and --drop-missing-target apply to a data file; an experiment file says them in [data] (target, test, drop_missing_target)",
            )
            .key("--target")
            .into());
        }
        Experiment::load(opts.source)?
    } else {
        crate::init::baseline(opts.source, &opts.data)?
    };
    base.search = None;
    if let Some(p) = opts.max_params {
        base.max_params = Some(p);
    }
    Ok(base)
}

/// A chain checked before anything is recorded: the budget, the remedies, the baseline
/// experiment, its data and model, the judge, and every fold's data and model.
pub struct Checked {
    budget: f64,
    remedies: Option<Vec<RemedyId>>,
    base: Experiment,
    base_data: Prepared,
    cv: Option<CvSpec>,
    base_folds: Option<(Folds, Vec<Plan>)>,
    name: String,
}

/// Checks the options and the baseline.
pub fn check(opts: &Options) -> anyhow::Result<Checked> {
    let budget = tuneup_core::duration::parse_flag("--budget", opts.budget)?;
    let remedies = remedy_filter(opts.remedies)?;
    let base = base_experiment(opts)?;
    let base_data = tuneup_core::data::prepare(&base)?;
    check_model(&base, &base_data, opts.source)?;
    let cv = cv_mode(opts.cv, &base, &base_data)?;
    let base_folds = match &cv {
        Some(spec) => {
            let f = Folds::new(&base, spec.clone(), opts.source)?;
            let plans = f.plans(&base, opts.source)?;
            Some((f, plans))
        }
        None => None,
    };
    let name = opts.chain.map(str::to_string).unwrap_or_else(|| {
        opts.source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "improve".into())
    });
    Ok(Checked {
        budget,
        remedies,
        base,
        base_data,
        cv,
        base_folds,
        name,
    })
}

/// Opens the chain: its steps left running by a worker that is gone are marked interrupted.
/// Returns the chain, and the baseline's folds when it is judged by cross-validation.
pub(super) fn start<'a>(
    lab: Lab<'a>,
    opts: &'a Options<'a>,
    c: Checked,
) -> anyhow::Result<(Chain<'a>, Option<(Folds, Vec<Plan>)>)> {
    let me = worker_id();
    resume_interrupted(lab, &c.name, &me)?;
    // Runs a killed worker left before its step knew them.
    crate::worker::reap_runs(lab)?;
    let spent_before: f64 = lab
        .store
        .ledger(&c.name)?
        .iter()
        .filter_map(|s| s.seconds())
        .sum();
    let chain = Chain {
        lab,
        opts,
        name: c.name,
        me,
        direction: c.base.metric().direction(),
        base: c.base,
        base_data: c.base_data,
        val_word: if c.cv.is_some() {
            "out-of-fold"
        } else {
            "validation"
        },
        cv: c.cv,
        remedies: c.remedies,
        session: Instant::now(),
        spent_before,
        budget: c.budget,
        reserve: if opts.ensemble > 1 {
            0.05 * c.budget
        } else {
            0.0
        },
        per_best: None,
    };
    Ok((chain, c.base_folds))
}

/// Steps left running: an error when their worker is still at it, else marked interrupted (the
/// step is tried again).
fn resume_interrupted(lab: Lab, chain: &str, me: &str) -> anyhow::Result<()> {
    for s in lab.store.ledger(chain)? {
        if s.state != StepState::Running {
            continue;
        }
        let seen = Seen {
            item: tuneup_store::Live::Step {
                chain,
                step: s.step,
            },
            worker: &s.worker,
            heartbeat: s.heartbeat,
            started_at: s.started_at,
        };
        if s.worker != me && !stale(lab.store, &seen)? {
            return Err(InputError::new(format!(
                "chain `{chain}` is being improved by process {} right now (its last heartbeat is {:.0} s old)",
                s.worker,
                lab.store.clock()? - s.heartbeat.unwrap_or(s.started_at)
            ))
            .into());
        }
        let why = format!(
            "worker {} stopped during the step; the step is tried again",
            s.worker
        );
        if lab.store.interrupt(seen.item, s.heartbeat, &why)? {
            lab.say(format!(
                "step {}: interrupted; it will be tried again",
                s.step
            ));
        }
        if let Some(run) = s.run_id {
            reap_run(lab.store, run)?;
        }
    }
    Ok(())
}
