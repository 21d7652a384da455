//! `tuneup diagnose RUN`: the bias / variance report card of a recorded run.

use std::path::Path;

use anyhow::Context;
use tuneup_core::InputError;
use tuneup_core::diagnose::{self, Diagnosis, Evidence, Measured, Observed, Thresholds};
use tuneup_core::run::EpochRecord;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{Run, Store};

use crate::output::write_atomic;
use crate::plot::{Mark, Panel, Series, svg};

pub struct Options {
    pub target_error: Option<f64>,
    pub thresholds: Thresholds,
}

impl Options {
    /// Thresholds from a file (if given), then the flags on top; every value checked.
    pub fn from_flags(
        target_error: Option<f64>,
        file: Option<&Path>,
        min_gap: Option<f64>,
        min_gap_relative: Option<f64>,
        z: Option<f64>,
    ) -> anyhow::Result<Options> {
        if let Some(t) = target_error.filter(|t| !(t.is_finite() && *t >= 0.0)) {
            return Err(InputError::new(format!(
                "--target-error: expected an error >= 0, found {t}"
            ))
            .into());
        }
        let mut t = match file {
            Some(p) => Thresholds::load(p)?,
            None => Thresholds::default(),
        };
        t.min_gap = min_gap.unwrap_or(t.min_gap);
        t.min_gap_relative = min_gap_relative.unwrap_or(t.min_gap_relative);
        t.z = z.unwrap_or(t.z);
        t.validate()
            .map_err(|(k, m)| InputError::new(format!("--{}: {m}", k.replace('_', "-"))))?;
        Ok(Options {
            target_error,
            thresholds: t,
        })
    }
}

/// Samples in a split, as recorded.
fn split_n(run: &Run, key: &str) -> usize {
    run.splits
        .as_ref()
        .and_then(|s| s[key].as_u64())
        .unwrap_or(0) as usize
}

/// A recorded run's sample shape and model outputs (from its data info), when known.
pub fn shape_and_outputs(run: &Run) -> (Option<Vec<usize>>, Option<usize>) {
    let info = run.data_info.as_ref();
    (
        info.and_then(|i| i.get("sample_shape"))
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        info.and_then(|i| serde_json::from_value::<tuneup_core::data::DataInfo>(i.clone()).ok())
            .map(|i| i.outputs()),
    )
}

pub fn diagnose_run(
    store: &Store,
    id: i64,
    opts: &Options,
) -> anyhow::Result<(Run, Vec<EpochRecord>, Experiment, Diagnosis)> {
    diagnose_with_curves(store, id, id, opts)
}

/// [`diagnose_run`] with the learning curves of another run: a cross-validation run's errors
/// (training error averaged over the folds, validation error out-of-fold over every row) with
/// one fold's curves.
pub fn diagnose_with_curves(
    store: &Store,
    id: i64,
    curves: i64,
    opts: &Options,
) -> anyhow::Result<(Run, Vec<EpochRecord>, Experiment, Diagnosis)> {
    let run = store.run(id)?;
    let epochs = store.epochs(curves)?;
    let exp: Experiment =
        serde_json::from_value(run.config.clone()).context("reading the run's experiment")?;
    let obs = |s: Option<tuneup_core::run::Scores>, key: &str| {
        s.map(|s| Observed {
            error: s.error,
            n: split_n(&run, key),
        })
    };
    let (shape, outputs) = shape_and_outputs(&run);
    let ev = Evidence {
        task: exp.task,
        target_error: opts.target_error.or(exp.target_error),
        train: obs(run.train, "train"),
        train_dev: obs(run.train_dev, "train_dev"),
        val: obs(run.val, "val"),
        epochs: &epochs,
        failure: run.failure.as_deref(),
        sample_shape: shape.as_deref(),
        outputs,
    };
    let d = diagnose::diagnose(&ev, &exp, &opts.thresholds);
    Ok((run, epochs, exp, d))
}

fn show_err(task: Task, m: &Measured) -> String {
    match task {
        Task::Classification if m.n > 0 => {
            format!(
                "{:>7.2}%  [{:.2}%, {:.2}%]  n = {}",
                m.value * 100.0,
                m.low * 100.0,
                m.high * 100.0,
                m.n
            )
        }
        Task::Classification => format!("{:>7.2}%", m.value * 100.0),
        Task::Regression if m.n > 0 => format!(
            "{:>9.4}  [{:.4}, {:.4}]  n = {}",
            m.value, m.low, m.high, m.n
        ),
        Task::Regression => format!("{:>9.4}", m.value),
    }
}

pub fn run(
    store: &Store,
    id: i64,
    opts: &Options,
    json_out: bool,
    plot: Option<&Path>,
) -> anyhow::Result<()> {
    let (run, epochs, _exp, d) = diagnose_run(store, id, opts)?;
    if let Some(p) = plot {
        write_atomic(p, learning_curves_svg(&run, &epochs, &d).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if json_out {
        let mut v = serde_json::to_value(&d)?;
        v["run_id"] = run.id.into();
        println!("{v}");
        return Ok(());
    }
    let t = d.task;
    let unit = if t == Task::Classification {
        "error (95% interval)"
    } else {
        "RMSE (95% interval)"
    };
    println!("run {}: {}\n", run.id, d.verdict.describe().to_uppercase());
    println!("  {unit}");
    let target_note = if d.errors.target_assumed {
        "  (none given: assumed 0)"
    } else {
        ""
    };
    println!(
        "  target     {}{target_note}",
        show_err(t, &d.errors.target)
    );
    for (name, m) in [
        ("train", d.errors.train),
        ("train-dev", d.errors.train_dev),
        ("val", d.errors.val),
    ] {
        if let Some(m) = m {
            println!("  {name:<10} {}", show_err(t, &m));
        }
    }
    println!();
    for r in &d.reasons {
        println!("  - {r}");
    }
    if d.remedies.is_empty() {
        println!("\n  No remedy needed: the model is within the target's noise.");
    } else {
        println!("\n  remedies, best first:");
        for (i, r) in d.remedies.iter().enumerate() {
            let changes: Vec<String> = r
                .changes
                .iter()
                .map(|c| format!("{} = {} (was {})", c.key, c.to, c.from))
                .collect();
            let how = if r.available {
                changes.join(", ")
            } else {
                format!(
                    "not yet in tuneup: needs {}",
                    r.missing.as_deref().unwrap_or("?")
                )
            };
            println!("  {:>2}. [{}] {}: {}", i + 1, r.category, r.title, r.why);
            println!("      {how}");
        }
    }
    Ok(())
}

/// Loss and error per epoch, with the target error and the early-stopping point.
pub fn learning_curves_svg(run: &Run, epochs: &[EpochRecord], d: &Diagnosis) -> String {
    let col = |f: fn(&EpochRecord) -> f64| {
        epochs
            .iter()
            .map(|e| (e.epoch as f64, f(e)))
            .collect::<Vec<_>>()
    };
    let stop = d.curves.iter().find_map(|c| match c {
        diagnose::CurveFinding::Overfitting { since_epoch, .. } => Some(*since_epoch),
        _ => None,
    });
    let vlines = || match stop {
        Some(k) => vec![Mark {
            value: k as f64,
            label: format!("early stop: epoch {k}"),
            color: "#d62728",
        }],
        None => run
            .best_epoch
            .map(|b| {
                vec![Mark {
                    value: b as f64,
                    label: format!("best epoch {b}"),
                    color: "#7f7f7f",
                }]
            })
            .unwrap_or_default(),
    };
    let loss = Panel {
        title: format!("run {}: loss ({})", run.id, d.verdict.describe()),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![
            Series {
                name: "train (eval mode)".into(),
                points: col(|e| e.train_loss),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            },
            Series {
                name: "train (as optimised)".into(),
                points: col(|e| e.fit_loss),
                color: "#1f77b4",
                dashed: true,
                markers: false,
            },
            Series {
                name: "validation".into(),
                points: col(|e| e.val_loss),
                color: "#ff7f0e",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![],
        vlines: vlines(),
        log_x: false,
    };
    let err_name = if d.task == Task::Classification {
        "error rate"
    } else {
        "RMSE"
    };
    let error = Panel {
        title: format!("run {}: {err_name}", run.id),
        x_label: "epoch".into(),
        y_label: err_name.into(),
        series: vec![
            Series {
                name: "train".into(),
                points: col(|e| e.train_error),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            },
            Series {
                name: "validation".into(),
                points: col(|e| e.val_error),
                color: "#ff7f0e",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![Mark {
            value: d.errors.target.value,
            label: if d.errors.target_assumed {
                "target (assumed 0)".into()
            } else {
                format!("target {:.4}", d.errors.target.value)
            },
            color: "#2ca02c",
        }],
        vlines: vlines(),
        log_x: false,
    };
    svg(&[loss, error])
}
