//! An improve chain's ledger as text.

use tuneup_lab::improve::describe::short;
use tuneup_store::{Step, StepKind};

/// Prints the chain's steps, one block per remedy step, one line per other step.
pub fn print(name: &str, steps: &[Step]) {
    println!("improve chain {name}");
    for s in steps {
        print_step(s);
    }
    let total: f64 = steps.iter().filter_map(Step::seconds).sum();
    println!("{} steps, {total:.0} s", steps.len());
}

fn print_step(s: &Step) {
    let secs = s
        .seconds()
        .map(|x| format!("{x:.0} s"))
        .unwrap_or("-".into());
    let run = s.run_id.map(|r| format!("run {r}")).unwrap_or("-".into());
    let state = s.state.as_str();
    if s.kind != StepKind::Remedy {
        println!(
            "step {:>2}  {state:<11} {secs:>6}  {run:<9}  {}: {}",
            s.step,
            s.kind.as_str(),
            s.reason.as_deref().unwrap_or("-")
        );
        return;
    }
    let d = s.diagnosis.as_ref();
    let num = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or("-".into());
    println!(
        "step {:>2}  {state:<11} {secs:>6}  {run:<9}  diagnosis: {} (train err {}, val err {})",
        s.step,
        d.map(|d| {
            serde_json::to_value(d.verdict)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        })
        .unwrap_or("-".into()),
        num(d.and_then(|d| d.train_error)),
        num(d.and_then(|d| d.val_error))
    );
    let changes: Vec<String> = s
        .changes
        .iter()
        .flatten()
        .map(|c| format!("{} = {}", c.key, short(&c.to)))
        .collect();
    println!(
        "          remedy: {} [{}]: {}",
        s.title.as_deref().unwrap_or("-"),
        s.remedy.as_deref().unwrap_or("-"),
        changes.join(", ")
    );
    println!("          result: {}", s.reason.as_deref().unwrap_or("-"));
}
