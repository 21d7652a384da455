//! `tuneup improve EXP.toml|DATA [--budget 15m] [--max-runs N] [--target-metric X]
//! [--max-params P] [--chain NAME]`: the development cycle, automated. Train the baseline,
//! diagnose it, try the remedies the diagnosis ranks first as child runs, keep a child only if
//! it beats the current best on the validation set beyond noise (a paired test on the same
//! validation samples), repeat from the new best until the budget, the target or the remedies
//! run out; then evaluate the final model on the test set once. Every step is a ledger row
//! (`tuneup history`), written before the step's work starts, so an interrupted chain resumes
//! where it stopped.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use tuneup_core::InputError;
use tuneup_core::data::{Prepared, Y};
use tuneup_core::diagnose::{Diagnosis, Verdict};
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::search::parse_duration;
use tuneup_store::{NewStep, Step, Store};

/// Steps whose worker vanished are ended with this state.
const INTERRUPTED: &str = "interrupted";

pub struct Args<'a> {
    pub source: &'a Path,
    pub store: &'a Path,
    pub budget: &'a str,
    pub max_runs: Option<usize>,
    pub target_metric: Option<f64>,
    pub max_params: Option<usize>,
    pub chain: Option<&'a str>,
    /// The one-sided z a child's paired gain must reach to be kept.
    pub z: f64,
    pub json: bool,
}

/// Per validation sample: correct (classification) or the squared error (regression) of a
/// run's best checkpoint.
fn per_sample(store: &Store, run_id: i64, data: &Prepared) -> anyhow::Result<Vec<f64>> {
    let run = store.run(run_id)?;
    let exp: Experiment = serde_json::from_value(run.config.clone())?;
    let ckpt = run
        .checkpoint
        .ok_or_else(|| anyhow!("run {run_id} has no checkpoint"))?;
    let net = tuneup_train::checkpoint::load(&exp.model, &data.info, Path::new(&ckpt))
        .map_err(|e| anyhow!(e))?;
    let len: usize = data.info.sample_shape.iter().product();
    let out = tuneup_train::eval::outputs(&net, &data.val, len, None);
    Ok(match &data.val.y {
        Y::Classes(y) => y
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let row = &out.values[i * out.width..(i + 1) * out.width];
                let arg = row
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(k, _)| k)
                    .unwrap_or(0);
                if arg as u32 == *t { 1.0 } else { 0.0 }
            })
            .collect(),
        Y::Values(y) => {
            let (m, s) = (data.info.y_mean as f64, data.info.y_std as f64);
            y.iter()
                .enumerate()
                .map(|(i, t)| {
                    let p = out.values[i] as f64 * s + m;
                    -((p - *t as f64).powi(2))
                })
                .collect()
        }
        Y::None => Vec::new(),
    })
}

/// The paired gain of `child` over `parent` per sample (higher is better in both lists) and its
/// z: mean difference over its standard error (for 0/1 correctness this is McNemar's
/// statistic, (b − c) / √(b + c)).
pub fn paired(parent: &[f64], child: &[f64]) -> (f64, f64) {
    let n = parent.len().min(child.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let d: Vec<f64> = (0..n).map(|i| child[i] - parent[i]).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let ss: f64 = d.iter().map(|x| x * x).sum();
    // Standard error of the sum under the null of no difference: √(Σ d²).
    let z = if ss > 0.0 {
        d.iter().sum::<f64>() / ss.sqrt()
    } else {
        0.0
    };
    (mean, z)
}

/// The brief of a diagnosis a ledger row keeps.
fn brief(d: &Diagnosis) -> Value {
    json!({
        "verdict": d.verdict,
        "train_error": d.errors.train.as_ref().map(|m| m.value),
        "val_error": d.errors.val.as_ref().map(|m| m.value),
        "target_error": d.errors.target.value,
        "avoidable_bias": d.avoidable_bias.as_ref().map(|a| a.gap.value),
        "variance": d.variance.as_ref().map(|a| a.gap.value),
        "reasons": d.reasons,
    })
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let budget = parse_duration(a.budget).ok_or_else(|| {
        InputError::new(format!(
            "--budget: expected a duration such as 90s, 15m or 1h, found `{}`",
            a.budget
        ))
    })?;
    let mut base = if a.source.extension().is_some_and(|e| e == "toml") {
        Experiment::load(a.source)?
    } else {
        super::init::baseline(a.source, None)?
    };
    base.search = None;
    if let Some(p) = a.max_params {
        base.max_params = Some(p);
    }
    let base_data = tuneup_core::data::prepare(&base)?;
    super::train::check_model(&base, &base_data, a.source)?;
    let chain = a.chain.map(str::to_string).unwrap_or_else(|| {
        a.source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "improve".into())
    });
    let store = Store::open(a.store).context("opening the run store")?;
    let me = super::tune::worker_id();
    for s in store.ledger(&chain)? {
        if s.state == "running" {
            if super::tune::alive(&s.worker) && s.worker != me {
                return Err(InputError::new(format!(
                    "chain `{chain}` is being improved by process {} right now",
                    s.worker
                ))
                .into());
            }
            store.end_step(
                &chain,
                s.step,
                INTERRUPTED,
                None,
                &format!(
                    "worker {} exited during the step; the step is tried again",
                    s.worker
                ),
            )?;
            eprintln!("step {}: interrupted; it will be tried again", s.step);
        }
    }
    let metric = base.metric();
    let higher = metric.direction() == tuneup_core::metrics::Direction::HigherIsBetter;
    let session = Instant::now();
    let spent_before: f64 = store
        .ledger(&chain)?
        .iter()
        .filter_map(|s| s.seconds())
        .sum();
    let left = |now: &Instant| budget - spent_before - now.elapsed().as_secs_f64();

    // 1. The baseline (or the one already in the ledger).
    let ledger = store.ledger(&chain)?;
    let mut best: (i64, f64, Experiment) = match ledger
        .iter()
        .rev()
        .find(|s| s.state == "kept" && s.run_id.is_some())
    {
        Some(s) => {
            let run_id = s.run_id.expect("filtered");
            let run = store.run(run_id)?;
            let exp: Experiment = serde_json::from_value(run.config.clone())?;
            (run_id, s.value.unwrap_or(f64::NAN), exp)
        }
        None => {
            let step = store.begin_step(&NewStep {
                chain: &chain,
                kind: "baseline",
                parent_run: None,
                remedy: None,
                title: Some("baseline"),
                changes: None,
                diagnosis: None,
                best_before: None,
                worker: &me,
            })?;
            eprintln!(
                "== step {step}: baseline ({} {}), budget left {:.0} s",
                base.model.kind(),
                metric.name(),
                left(&session)
            );
            let mut exp = base.clone();
            exp.name = Some(format!("{chain} step {step}: baseline"));
            let t = train_step(&store, &chain, step, &exp, &base_data, None)?;
            match (t.state, t.outcome.as_ref().and_then(|o| o.val)) {
                (RunState::Complete, Some(v)) => {
                    store.end_step(
                        &chain,
                        step,
                        "kept",
                        Some(v.metric),
                        &format!("baseline: validation {} {:.4}", metric.name(), v.metric),
                    )?;
                    (t.run_id, v.metric, exp)
                }
                _ => {
                    let why = t.failure.unwrap_or_else(|| "no validation score".into());
                    store.end_step(&chain, step, "failed", None, &why)?;
                    return Err(crate::RunFailed(format!("the baseline failed: {why}")).into());
                }
            }
        }
    };
    let mut per_best: Option<Vec<f64>> = None;
    let opts = super::diagnose::Options {
        target_error: None,
        thresholds: Default::default(),
    };
    let stop_reason;
    loop {
        let ledger = store.ledger(&chain)?;
        let runs_done = ledger.iter().filter(|s| s.run_id.is_some()).count();
        if a.max_runs.is_some_and(|m| runs_done >= m) {
            stop_reason = format!("--max-runs {} reached", runs_done);
            break;
        }
        if let Some(t) = a.target_metric {
            if (higher && best.1 >= t) || (!higher && best.1 <= t) {
                stop_reason = format!("target {} {t} reached ({:.4})", metric.name(), best.1);
                break;
            }
        }
        let remaining = left(&session);
        if remaining < 1.0 {
            stop_reason = "budget spent".into();
            break;
        }
        // 2. Diagnose the current best.
        let (run, _, exp, mut d) = super::diagnose::diagnose_run(&store, best.0, &opts)?;
        {
            // After the verdict's own remedies (or when the diagnosis is good, within the
            // target's noise) and while budget is left: what could still help, the larger
            // gap's remedies first.
            let (shape, outputs) = super::diagnose::shape_and_outputs(&run);
            let more = tuneup_core::diagnose::remedies::remedies(
                Verdict::HighBiasAndVariance,
                &d.curves,
                d.avoidable_bias.as_ref(),
                d.variance.as_ref(),
                &exp,
                shape.as_deref(),
                outputs,
            );
            for r in more {
                if !d.remedies.iter().any(|x| x.id == r.id) {
                    d.remedies.push(r);
                }
            }
        }
        let tried = |id: &str| {
            ledger.iter().any(|s| {
                s.parent_run == Some(best.0)
                    && s.remedy.as_deref() == Some(id)
                    && s.state != INTERRUPTED
                    && s.state != "running"
            })
        };
        // 3. The first remedy not yet tried from this run.
        let Some(remedy) = d
            .remedies
            .iter()
            .find(|r| r.available && !r.changes.is_empty() && !tried(&r.id))
            .cloned()
        else {
            stop_reason = if d.verdict == Verdict::Good {
                "the diagnosis is good (within the target's noise)".into()
            } else {
                format!("no remedy left for {}", d.verdict.describe())
            };
            break;
        };
        let changes = serde_json::to_value(&remedy.changes)?;
        let diag = brief(&d);
        let step = store.begin_step(&NewStep {
            chain: &chain,
            kind: "remedy",
            parent_run: Some(best.0),
            remedy: Some(&remedy.id),
            title: Some(&remedy.title),
            changes: Some(&changes),
            diagnosis: Some(&diag),
            best_before: Some(best.1),
            worker: &me,
        })?;
        let shown: Vec<String> = remedy
            .changes
            .iter()
            .map(|c| format!("{} {} -> {}", c.key, short(&c.from), short(&c.to)))
            .collect();
        eprintln!(
            "== step {step}: {} (train err {}, val err {}); trying {}: {}; best {} {:.4}; budget left {:.0} s",
            d.verdict.describe(),
            d.errors
                .train
                .as_ref()
                .map(|m| format!("{:.4}", m.value))
                .unwrap_or("-".into()),
            d.errors
                .val
                .as_ref()
                .map(|m| format!("{:.4}", m.value))
                .unwrap_or("-".into()),
            remedy.title,
            shown.join(", "),
            metric.name(),
            best.1,
            remaining
        );
        // 4. The child experiment.
        let mut child = match tuneup_core::diagnose::remedies::apply(&best.2, &remedy.changes) {
            Ok(c) => c,
            Err(e) => {
                store.end_step(
                    &chain,
                    step,
                    "failed",
                    None,
                    &format!("the change does not make a valid experiment: {e}"),
                )?;
                continue;
            }
        };
        child.name = Some(format!("{chain} step {step}: {}", remedy.id));
        child.train.time_budget = Some(remaining.max(1.0));
        let own;
        let data = if child.data == base.data {
            &base_data
        } else {
            own = match tuneup_core::data::prepare(&child) {
                Ok(d) => d,
                Err(e) => {
                    store.end_step(&chain, step, "failed", None, &e.to_string())?;
                    continue;
                }
            };
            &own
        };
        if let Err(e) = super::train::check_model(&child, data, a.source) {
            store.end_step(&chain, step, "failed", None, &e.to_string())?;
            continue;
        }
        let t = train_step(&store, &chain, step, &child, data, Some(best.0))?;
        let v = match (t.state, t.outcome.as_ref().and_then(|o| o.val)) {
            (RunState::Complete, Some(v)) if v.metric.is_finite() => v.metric,
            _ => {
                let why = t.failure.unwrap_or_else(|| "no validation score".into());
                eprintln!("   step {step} failed: {why}");
                store.end_step(&chain, step, "failed", None, &why)?;
                continue;
            }
        };
        // 5. Keep it only if it beats the best beyond noise, paired on the same samples.
        if per_best.is_none() {
            per_best = Some(per_sample(&store, best.0, &base_data)?);
        }
        let child_per = per_sample(&store, t.run_id, data)?;
        let (gain, z) = paired(per_best.as_deref().unwrap_or_default(), &child_per);
        let better = if higher { v > best.1 } else { v < best.1 };
        // For classification, also at least two more validation samples right than wrong
        // (b − c >= 2): a one-sample difference is never beyond noise.
        let classification = matches!(data.val.y, Y::Classes(_));
        let enough = !classification || gain * child_per.len() as f64 >= 2.0 - 1e-9;
        let keep = better && z >= a.z && enough;
        let reason = format!(
            "validation {} {v:.4} vs {:.4} ({}{:.4}); paired z = {z:.2} {} {:.2}: {}",
            metric.name(),
            best.1,
            if v >= best.1 { "+" } else { "" },
            v - best.1,
            if z >= a.z { ">=" } else { "<" },
            a.z,
            if keep {
                "beyond noise, kept"
            } else if better && !enough {
                "one sample, within noise, rejected"
            } else if better {
                "within noise, rejected"
            } else {
                "not better, rejected"
            }
        );
        eprintln!("   step {step}: {reason}");
        store.end_step(
            &chain,
            step,
            if keep { "kept" } else { "rejected" },
            Some(v),
            &reason,
        )?;
        if keep {
            best = (t.run_id, v, child);
            per_best = Some(child_per);
        }
    }
    // 7. The final model, evaluated on the test set once.
    let run = store.run(best.0)?;
    let test = run.test.map(|s| s.metric);
    let step = store.begin_step(&NewStep {
        chain: &chain,
        kind: "final",
        parent_run: Some(best.0),
        remedy: None,
        title: Some("final model on the test set"),
        changes: None,
        diagnosis: None,
        best_before: Some(best.1),
        worker: &me,
    })?;
    store.set_step_run(&chain, step, best.0)?;
    let reason = format!(
        "stopped: {stop_reason}; best run {} (validation {} {:.4}){}",
        best.0,
        metric.name(),
        best.1,
        test.map(|t| format!(", test {} {t:.4}", metric.name()))
            .unwrap_or_else(|| ", no test set".into())
    );
    store.end_step(&chain, step, "done", test, &reason)?;
    eprintln!("== {reason}");
    history(&store, Some(&chain), a.json)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}...", &s[..57])
    } else {
        s
    }
}

fn train_step(
    store: &Store,
    chain: &str,
    step: usize,
    exp: &Experiment,
    data: &Prepared,
    parent: Option<i64>,
) -> anyhow::Result<super::train::Trained> {
    let chain_owned = chain.to_string();
    let on_start = Box::new(move |run_id: i64| {
        let _ = store.set_step_run(&chain_owned, step, run_id);
    });
    super::train::record_and_train_with(
        store,
        exp,
        data,
        &format!("improve {chain}"),
        parent,
        None,
        super::train::With {
            on_start: Some(on_start),
            ..Default::default()
        },
    )
}

/// `tuneup history [CHAIN] [--json]`: the ledger of an improve chain (default: the most recent).
pub fn history(store: &Store, chain: Option<&str>, json_out: bool) -> anyhow::Result<()> {
    let chains = store.chains()?;
    let name = match chain {
        Some(c) => c.to_string(),
        None => match chains.last() {
            Some((c, _)) => c.clone(),
            None => {
                if json_out {
                    println!("[]");
                } else {
                    println!("no improve chains yet (start one with `tuneup improve EXP.toml`)");
                }
                return Ok(());
            }
        },
    };
    let steps = store.ledger(&name)?;
    if steps.is_empty() {
        let names: Vec<String> = chains.into_iter().map(|(c, _)| c).collect();
        return Err(InputError::new(format!(
            "no improve chain `{name}` in this store (it has {})",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ))
        .into());
    }
    if json_out {
        println!("{}", serde_json::to_string(&steps)?);
        return Ok(());
    }
    println!("improve chain {name}");
    for s in &steps {
        print_step(s);
    }
    let total: f64 = steps.iter().filter_map(Step::seconds).sum();
    println!("{} steps, {total:.0} s", steps.len());
    Ok(())
}

fn print_step(s: &Step) {
    let secs = s
        .seconds()
        .map(|x| format!("{x:.0} s"))
        .unwrap_or("-".into());
    let run = s.run_id.map(|r| format!("run {r}")).unwrap_or("-".into());
    match s.kind.as_str() {
        "remedy" => {
            let d = s.diagnosis.as_ref();
            let num = |k: &str| {
                d.and_then(|d| d[k].as_f64())
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or("-".into())
            };
            println!(
                "step {:>2}  {:<11} {:>6}  {:<9}  diagnosis: {} (train err {}, val err {})",
                s.step,
                s.state,
                secs,
                run,
                d.and_then(|d| d["verdict"].as_str()).unwrap_or("-"),
                num("train_error"),
                num("val_error")
            );
            let changes: Vec<String> = s
                .changes
                .as_ref()
                .and_then(|c| c.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|c| format!("{} = {}", c["key"].as_str().unwrap_or(""), short(&c["to"])))
                .collect();
            println!(
                "          remedy: {} [{}]: {}",
                s.title.as_deref().unwrap_or("-"),
                s.remedy.as_deref().unwrap_or("-"),
                changes.join(", ")
            );
            println!("          result: {}", s.reason.as_deref().unwrap_or("-"));
        }
        _ => {
            println!(
                "step {:>2}  {:<11} {:>6}  {:<9}  {}: {}",
                s.step,
                s.state,
                secs,
                run,
                s.kind,
                s.reason.as_deref().unwrap_or("-")
            );
        }
    }
}
