//! `tuneup ensemble RUN RUN ... [--method soft|hard|weighted] [--snapshots] [--name N] [-o F]`:
//! recorded runs combined into one model, recorded as a run.

use serde_json::json;

use crate::cli::EnsembleArgs;
use crate::output::{num, scores_json, write_atomic};

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: EnsembleArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let made = tuneup_lab::ensemble::make(
        lab(store.as_ref()),
        &a.runs,
        &a.method,
        a.snapshots,
        a.name.as_deref(),
    )?;
    let r = &made.recorded;
    let (id, label) = (r.id, &r.label);
    let fitted_on = made.fitted_on.map(|h| h.as_str());
    if let Some(o) = &a.output {
        let mut t = format!(
            "# tuneup ensemble, recorded as run {id}\nname = {label:?}\nmethod = {:?}\nmembers = {:?}\n",
            r.description.method.as_str(),
            a.runs
        );
        t.push_str(&format!(
            "weights = {:?}\nsnapshots = {}\n",
            made.weights, a.snapshots
        ));
        if let Some(on) = fitted_on {
            t.push_str(&format!("weights_fitted_on = {on:?}\n"));
        }
        write_atomic(o, t.as_bytes())?;
    }
    if a.json {
        println!(
            "{}",
            json!({"run_id": id, "name": label, "ensemble": r.description, "test": scores_json(r.test)})
        );
        return Ok(());
    }
    let n_models: usize = made.members.iter().map(|m| m.models.len()).sum();
    println!("run {id}: {label} ({n_models} models)");
    for (m, w) in made.members.iter().zip(&made.weights) {
        println!(
            "  run {:>4}  {:<10} {} model(s)  weight {:.4}",
            m.run_id,
            m.kind.as_str(),
            m.models.len(),
            w
        );
    }
    if let Some(on) = fitted_on {
        println!("  weights fitted on the members' {on} predictions");
    }
    if let Some(s) = r.test {
        println!(
            "  test {} {}  (error {})",
            made.metric.name(),
            num(s.metric),
            num(s.error)
        );
    }
    Ok(())
}
