//! A finished run's summary (and its JSON with --json); a failed run is an error.

use serde_json::json;
use tuneup_core::spec::Experiment;
use tuneup_lab::RunFailed;
use tuneup_lab::record::Trained;
use tuneup_store::Storage;
use tuneup_train::Outcome;

use crate::output::{duration, json_num, num, scores_json};

/// The summary's lines.
fn summary(exp: &Experiment, run_id: i64, t: &Trained, o: &Outcome) -> String {
    let metric = exp.metric().name();
    let mut s = format!("run {run_id} {}", t.state.as_str());
    if let Some(f) = &t.failure {
        s.push_str(&format!(": {f}"));
    }
    s.push('\n');
    let trees = match &exp.model.arch {
        tuneup_core::spec::Arch::Gbdt(g) => Some(g),
        _ => None,
    };
    let unit = if trees.is_some() { "round" } else { "epoch" };
    if let (Some(tr), Some(va)) = (o.train, o.val) {
        s.push_str(&format!(
            "  best {unit:<7} {} of {}\n  train error  {}\n  val error    {}\n  val {metric:<8} {}\n",
            o.best_epoch.unwrap_or(0),
            o.epochs.last().map(|e| e.epoch).unwrap_or(0),
            num(tr.error),
            num(va.error),
            num(va.metric)
        ));
    }
    if let Some(td) = o.train_dev {
        s.push_str(&format!("  train-dev error {}\n", num(td.error)));
    }
    if let Some(te) = o.test {
        s.push_str(&format!(
            "  test error   {}\n  test {metric:<7} {}\n",
            num(te.error),
            num(te.metric)
        ));
    }
    if let Some(e) = o.out_of_time {
        s.push_str(&format!(
            "  stopped after {unit} {e}: the time budget of {}s is spent\n",
            exp.train.time_budget.unwrap_or(0.0)
        ));
    }
    if let Some(e) = o.stopped_early {
        let patience = match trees {
            Some(g) => g.early_stopping_rounds,
            None => exp.early_stopping.as_ref().map(|e| e.patience).unwrap_or(0),
        };
        s.push_str(&format!(
            "  stopped early at {unit} {e} (no improvement for {patience} {unit}s)\n"
        ));
    }
    s.push_str(&format!(
        "  {:<12} {}\n  time         {}\n",
        if trees.is_some() { "leaves" } else { "params" },
        o.params,
        duration(o.seconds)
    ));
    s
}

/// Prints a finished run's summary (and its JSON with --json); a failed run is an error.
pub fn report(
    store: &dyn Storage,
    exp: &Experiment,
    t: Trained,
    json_out: bool,
) -> anyhow::Result<()> {
    let run_id = t.run_id;
    let Some(o) = &t.outcome else {
        return Err(RunFailed(format!(
            "run {run_id} failed: {}",
            t.failure.clone().unwrap_or_default()
        ))
        .into());
    };
    let text = summary(exp, run_id, &t, o);
    if json_out {
        eprint!("{text}");
        let metric = exp.metric().name();
        let ckpt = store.run(run_id)?.checkpoint;
        let out = json!({
            "run_id": run_id,
            "status": t.state.as_str(),
            "failure": t.failure,
            "train_error": o.train.map(|s| json_num(s.error)),
            "val_error": o.val.map(|s| json_num(s.error)),
            "train_dev_error": o.train_dev.map(|s| json_num(s.error)),
            "test_error": o.test.map(|s| json_num(s.error)),
            "metric": {"name": metric, "value": o.val.map(|s| json_num(s.metric)), "test": o.test.map(|s| json_num(s.metric))},
            "train": scores_json(o.train),
            "val": scores_json(o.val),
            "train_dev": scores_json(o.train_dev),
            "test": scores_json(o.test),
            "params": o.params,
            "seconds": o.seconds,
            "epochs": o.epochs.last().map(|e| e.epoch).unwrap_or(0),
            "best_epoch": o.best_epoch,
            "stopped_early": o.stopped_early,
            "out_of_time": o.out_of_time,
            "checkpoint": ckpt,
        });
        println!("{out}");
    } else {
        print!("{text}");
    }
    match t.failure {
        Some(f) => Err(RunFailed(format!("run {run_id} failed: {f}")).into()),
        None => Ok(()),
    }
}
