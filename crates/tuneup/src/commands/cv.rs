//! `tuneup cv EXP.toml [--folds K] [--repeats R]`: one model per fold, each a child run; the
//! metric's mean and spread; out-of-fold predictions for every training row; the fold models'
//! ensemble on the test set.

use serde_json::json;

use crate::cli::CvArgs;
use crate::output::num;

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: CvArgs) -> anyhow::Result<()> {
    let checked = tuneup_lab::cv::check_file(&a.experiment, a.folds, a.repeats)?;
    let (name, scheme_name, n) = (
        checked.name.clone(),
        checked.folds.scheme,
        checked.folds.n(),
    );
    let metric = checked.exp.metric();
    let store = ctx.open()?;
    let done = tuneup_lab::cv::run_checked(lab(store.as_ref()), checked)?;
    let parent = done.run_id;
    let summary = &done.summary;
    if a.json {
        println!("{}", json!({"run_id": parent, "cv": summary}));
        return Ok(());
    }
    println!("run {parent}: {name}, {scheme_name}");
    println!(
        "  {:>6} {:>4} {:>6} {:>7} {:>12} {:>10}",
        "repeat",
        "fold",
        "run",
        "n val",
        metric.name(),
        "train err"
    );
    let opt = |v: Option<f64>| num(v.unwrap_or(f64::NAN));
    for p in &summary.per_fold {
        println!(
            "  {:>6} {:>4} {:>6} {:>7} {:>12} {:>10}",
            p.repeat,
            p.fold,
            p.run_id,
            p.n_val,
            opt(p.val_metric),
            opt(p.train_error)
        );
    }
    println!(
        "  {} {} ± {} (mean ± std over {} folds)",
        metric.name(),
        opt(summary.mean),
        opt(summary.std),
        summary.per_fold.len()
    );
    if let Some(s) = done.oof {
        println!(
            "  out-of-fold (all {n} rows): {} {}, error {}  -> {}",
            metric.name(),
            num(s.metric),
            num(s.error),
            done.oof_path.display()
        );
    }
    if let Some(s) = done.test {
        println!(
            "  test, the {} fold models averaged: {} {}",
            done.fold_runs.len(),
            metric.name(),
            num(s.metric)
        );
    }
    if !done.failed.is_empty() {
        println!("  failed folds: runs {:?}", done.failed);
    }
    Ok(())
}
