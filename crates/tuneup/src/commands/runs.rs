//! `tuneup runs` and `tuneup show RUN`.

use serde_json::json;
use tuneup_core::run::EpochRecord;
use tuneup_store::Run;

use crate::cli::{RunsArgs, ShowArgs};
use crate::output::{duration, json_num, num, opt, sparkline};
use crate::views::curve::print_curve;

use super::Ctx;

fn run_json(r: &Run) -> serde_json::Value {
    let s = |x: &Option<tuneup_core::run::Scores>| crate::output::scores_json(*x);
    json!({
        "run_id": r.id,
        "name": r.name,
        "parent_id": r.parent_id,
        "kind": r.kind.as_str(),
        "status": r.state.as_str(),
        "failure": r.failure,
        "experiment": r.experiment_path,
        "model": r.model,
        "metric": {"name": r.metric_name, "value": r.val.map(|v| json_num(v.metric)), "test": r.test.map(|v| json_num(v.metric))},
        "train_error": r.train.map(|v| json_num(v.error)),
        "val_error": r.val.map(|v| json_num(v.error)),
        "test_error": r.test.map(|v| json_num(v.error)),
        "train": s(&r.train),
        "val": s(&r.val),
        "test": s(&r.test),
        "params": r.params,
        "seconds": r.seconds,
        "best_epoch": r.best_epoch,
        "created_at": r.created_at,
        "checkpoint": r.checkpoint,
        "splits": r.splits,
        "train_dev_error": r.train_dev.map(|v| json_num(v.error)),
        "extra": (!r.extra.is_empty()).then_some(&r.extra),
        "data_info": r.data_info,
    })
}

pub fn list(ctx: &Ctx, a: RunsArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let runs = store.runs()?;
    if a.json {
        println!(
            "{}",
            serde_json::Value::Array(runs.iter().map(run_json).collect())
        );
        return Ok(());
    }
    if runs.is_empty() {
        println!("no runs yet: `tuneup train EXP.toml` records one");
        return Ok(());
    }
    println!(
        "{:>4}  {:<9} {:<5} {:<10} {:>9} {:>9} {:>9} {:>9}  {:>8}  name",
        "id", "status", "model", "metric", "val", "train err", "val err", "params", "time"
    );
    for r in &runs {
        println!(
            "{:>4}  {:<9} {:<5} {:<10} {:>9} {:>9} {:>9} {:>9}  {:>8}  {}",
            r.id,
            r.state.as_str(),
            r.model,
            r.metric_name,
            opt(r.val.map(|v| v.metric)),
            opt(r.train.map(|v| v.error)),
            opt(r.val.map(|v| v.error)),
            r.params
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            r.seconds.map(duration).unwrap_or_else(|| "-".into()),
            r.name.as_deref().unwrap_or(&r.experiment_path),
        );
    }
    Ok(())
}

pub fn show(ctx: &Ctx, a: ShowArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let r = store.run(a.run)?;
    let epochs = store.epochs(a.run)?;
    let top = if a.top_losses > 0 {
        Some(tuneup_lab::top_losses::top_losses(
            store.as_ref(),
            a.run,
            a.top_losses,
        )?)
    } else {
        None
    };
    if a.json {
        let mut v = run_json(&r);
        if let Some(t) = &top {
            v["top_losses"] = serde_json::to_value(t)?;
        }
        v["config"] = serde_json::to_value(&r.experiment)?;
        v["epochs"] = serde_json::to_value(
            epochs
                .iter()
                .map(|e| {
                    json!({"epoch": e.epoch, "fit_loss": json_num(e.fit_loss), "train_loss": json_num(e.train_loss),
                           "train_error": json_num(e.train_error), "val_loss": json_num(e.val_loss), "val_error": json_num(e.val_error),
                           "val_metric": json_num(e.val_metric), "lr": json_num(e.lr), "seconds": json_num(e.seconds),
                           "fit_seconds": json_num(e.fit_seconds)})
                })
                .collect::<Vec<_>>(),
        )?;
        println!("{v}");
        return Ok(());
    }
    if let Some(c) = &r.extra.curve {
        print_curve(r.id, c);
        return Ok(());
    }
    println!(
        "run {}  {}{}",
        r.id,
        r.state.as_str(),
        r.name
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default()
    );
    if let Some(f) = &r.failure {
        println!("  failure      {f}");
    }
    println!("  experiment   {}", r.experiment_path);
    let trees = r.model == "gbdt";
    let unit = if trees { "round" } else { "epoch" };
    println!(
        "  model        {}  ({} {})",
        r.model,
        r.params
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into()),
        if trees { "leaves" } else { "params" }
    );
    if let Some(t) = r.data_info.as_ref().and_then(|i| i.text()) {
        println!(
            "  text         {} tokenizer: {} ids, max_len {} ({}), {}",
            t.spec.tokenizer.as_str(),
            t.size,
            t.spec.max_len,
            match t.spec.truncate {
                tuneup_core::spec::Truncate::Head => "head",
                tuneup_core::spec::Truncate::Tail => "tail",
                tuneup_core::spec::Truncate::Both => "head + tail",
            },
            t.columns.join(" + ")
        );
    }
    if let Some(s) = r.seconds {
        println!("  time         {}", duration(s));
    }
    println!("\n  split    loss       error      {}", r.metric_name);
    for (name, s) in [("train", r.train), ("val", r.val), ("test", r.test)] {
        if let Some(s) = s {
            println!(
                "  {name:<8} {:<10} {:<10} {}",
                num(s.loss),
                num(s.error),
                num(s.metric)
            );
        }
    }
    if let Some(b) = r.best_epoch {
        println!(
            "  ({} of the best {unit} by val {}: {b})",
            if trees { "trees" } else { "weights" },
            r.metric_name
        );
    }
    if let Some(imp) = tuneup_lab::importance::of_run(store.as_ref(), r.id).unwrap_or(None) {
        println!("\n  feature importance (share of the trees' split gain)");
        for (name, share) in imp.iter().take(15).filter(|(_, s)| *s > 0.0) {
            let bar = "█".repeat((share * 40.0).round() as usize);
            println!("  {name:<28} {:>5.1}%  {bar}", share * 100.0);
        }
        let rest = imp.iter().skip(15).filter(|(_, s)| *s > 0.0).count();
        if rest > 0 {
            println!("  ... {rest} more features with some gain");
        }
    }
    if !epochs.is_empty() {
        let col = |f: fn(&EpochRecord) -> f64| epochs.iter().map(f).collect::<Vec<_>>();
        println!("\n  curves over {} {unit}s", epochs.len());
        println!("  train loss  {}", sparkline(&col(|e| e.train_loss)));
        println!("  val loss    {}", sparkline(&col(|e| e.val_loss)));
        println!("  train err   {}", sparkline(&col(|e| e.train_error)));
        println!("  val err     {}", sparkline(&col(|e| e.val_error)));
        println!(
            "\n  {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}",
            unit,
            "fit loss",
            "train loss",
            "train err",
            "val loss",
            "val err",
            &r.metric_name,
            "secs"
        );
        // Long runs (boosting's rounds): about 40 rows, the best and the last among them.
        let k = epochs.len().div_ceil(40);
        let last = epochs.last().map(|e| e.epoch);
        for e in epochs.iter().filter(|e| {
            k == 1
                || e.epoch % k == 0
                || Some(e.epoch as i64) == r.best_epoch
                || Some(e.epoch) == last
        }) {
            println!(
                "  {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8.1}",
                e.epoch,
                num(e.fit_loss),
                num(e.train_loss),
                num(e.train_error),
                num(e.val_loss),
                num(e.val_error),
                num(e.val_metric),
                e.seconds
            );
        }
    }
    if let Some(e) = &r.extra.ensemble {
        println!(
            "\n  ensemble: {} of runs {:?} ({} models)",
            e.method.as_str(),
            e.members,
            e.models
        );
        println!("  weights  {:?}", e.weights);
        if let Some(on) = &e.fitted_on {
            println!("  weights fitted on the members' {on} predictions");
        }
        println!("\n  first member's experiment:");
    } else {
        println!("\n  resolved experiment:");
    }
    for line in r.experiment.to_toml().lines() {
        println!("    {line}");
    }
    if let Some(t) = &top {
        super::diagnose::print_top_losses(t);
    }
    Ok(())
}
