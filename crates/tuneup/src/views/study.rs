//! A study's state in a few lines, and its best trial.

use serde_json::json;
use tuneup_core::tune::{Direction, TrialState};
use tuneup_lab::study::{best, count};
use tuneup_store::{StoredTrial, Study};

/// The best trial: its number, value, run and parameters.
pub fn print_best(b: &StoredTrial) {
    println!(
        "best: trial {} value {:.4} (run {})",
        b.trial.number,
        b.trial.value.unwrap_or(f64::NAN),
        b.run_id.map(|r| r.to_string()).unwrap_or("-".into())
    );
    for (k, v) in &b.trial.params {
        println!("  {k} = {v}");
    }
}

/// The study's trials counted by state, and its best trial (or JSON).
pub fn summary(study: &Study, trials: &[StoredTrial], direction: Direction, json_out: bool) {
    let best = best(trials, direction);
    let n = |s| count(trials, s);
    if json_out {
        println!(
            "{}",
            json!({
                "study": study.name,
                "trials": trials.len(),
                "complete": n(TrialState::Complete),
                "pruned": n(TrialState::Pruned),
                "failed": n(TrialState::Failed),
                "interrupted": n(TrialState::Interrupted),
                "running": n(TrialState::Running),
                "best": best.map(|b| json!({"number": b.trial.number, "value": b.trial.value, "params": b.trial.params, "run_id": b.run_id})),
            })
        );
        return;
    }
    println!(
        "study {}: {} trials ({} complete, {} pruned, {} failed, {} interrupted, {} running)",
        study.name,
        trials.len(),
        n(TrialState::Complete),
        n(TrialState::Pruned),
        n(TrialState::Failed),
        n(TrialState::Interrupted),
        n(TrialState::Running)
    );
    if let Some(b) = best {
        print_best(b);
    }
}
