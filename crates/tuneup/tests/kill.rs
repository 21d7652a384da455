//! The kill matrix: each command that records something is run once to learn the crash points
//! it passes (every store write, before and after; every file's temp write and rename), then,
//! in a fresh folder for each point, killed there (the process aborts: no unwinding, nothing
//! flushed) and run again. After the rerun the store is readable, nothing is left `running`,
//! nothing finished is lost or recorded twice, and the result equals the uninterrupted run's
//! (the seeds make it exact).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use common::{Env, digits_csv};

fn run(dir: &Path, args: &[&str], envs: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuneup"));
    c.args(args).current_dir(dir);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args, &[]);
    assert!(
        o.status.success(),
        "{args:?}: exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

const SEARCH: &str = r#"
[search]
sampler = "grid"
pruner = "none"
retry_stale = 0

[search.space]
"optimizer.lr" = { choices = [0.001, 0.003, 0.01] }
"#;

fn setup(env: &Env) {
    let exp = |epochs: usize, extra: &str| {
        format!(
            "name = \"k\"\ntask = \"classification\"\nseed = 3\nmetric = \"accuracy\"\n\n[data]\ntrain = \"{}\"\ntarget = \"label\"\nval_fraction = 0.2\ntest_fraction = 0.2\n\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.003\n\n[train]\nepochs = {epochs}\nbatch_size = 128\n{extra}",
            digits_csv().display()
        )
    };
    env.write("e.toml", exp(3, ""));
    env.write("s.toml", exp(2, SEARCH));
}

/// A command of the matrix: what to run first (not killed), the command, and what it leaves
/// that must equal the uninterrupted run's.
struct Case {
    name: &'static str,
    before: &'static [&'static [&'static str]],
    args: &'static [&'static str],
    result: fn(&Path) -> Value,
    /// The command runs its work in child processes (`tune --workers`): a child killed makes
    /// the command fail (exit 1) rather than die.
    children: bool,
}

/// The last complete run of `kind`: its validation and test scores.
fn last_run(dir: &Path, kind: &str) -> Value {
    let runs = json(dir, &["runs", "--json"]);
    let r = runs
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r["kind"] == kind && r["status"] == "complete")
        .unwrap_or_else(|| panic!("no complete {kind} run: {runs}"));
    serde_json::json!({"val": r["val"], "test": r["test"], "best_epoch": r["best_epoch"]})
}

/// A study's complete trials: parameters → value (whatever numbers they got).
fn study(dir: &Path) -> Value {
    let s = json(dir, &["study", "s", "--json"]);
    let trials = s["trials"].as_array().unwrap();
    let mut numbers: Vec<u64> = trials
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    numbers.dedup();
    assert_eq!(numbers.len(), trials.len(), "a trial number twice");
    assert!(
        trials.iter().all(|t| t["state"] != "running"),
        "a trial left running: {trials:?}"
    );
    let done: BTreeMap<String, Value> = trials
        .iter()
        .filter(|t| t["state"] == "complete")
        .map(|t| (t["params"].to_string(), t["value"].clone()))
        .collect();
    let complete = trials.iter().filter(|t| t["state"] == "complete").count();
    assert_eq!(complete, done.len(), "a point finished twice");
    serde_json::to_value(done).unwrap()
}

/// A chain's ledger without the steps its killed worker left (each such step was tried
/// again): kind, remedy, state, value.
fn chain(dir: &Path) -> Value {
    let steps = json(dir, &["history", "c", "--json"]);
    let steps = steps.as_array().unwrap();
    assert!(
        steps.iter().all(|s| s["state"] != "running"),
        "a step left running: {steps:?}"
    );
    Value::Array(
        steps
            .iter()
            .filter(|s| s["state"] != "interrupted")
            .map(|s| serde_json::json!([s["kind"], s["remedy"], s["state"], s["value"]]))
            .collect(),
    )
}

/// Kills `case` at every point it passes, reruns it, and compares.
fn matrix(case: &Case) -> (usize, usize) {
    let reference = Env::new();
    setup(&reference);
    for b in case.before {
        ok(reference.dir.path(), b);
    }
    let log = reference.path("points.log");
    let o = run(
        reference.dir.path(),
        case.args,
        &[("TUNEUP_FAILPOINT_LOG", log.display().to_string())],
    );
    assert!(
        o.status.success(),
        "{}: {}",
        case.name,
        String::from_utf8_lossy(&o.stderr)
    );
    let want = (case.result)(reference.dir.path());
    // How often each point is passed, by the process that passes it most (each process counts
    // its own passes: `tune --workers` runs several).
    let mut per: BTreeMap<(String, String), usize> = BTreeMap::new();
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let (p, pid) = line.split_once(' ').unwrap_or((line, ""));
        *per.entry((p.to_string(), pid.to_string())).or_default() += 1;
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for ((p, _), n) in per {
        let c = counts.entry(p).or_default();
        *c = (*c).max(n);
    }
    assert!(counts.len() >= 4, "{}: points {counts:?}", case.name);
    let mut killed = 0;
    for (point, n) in &counts {
        let at = n.div_ceil(2);
        let env = Env::new();
        setup(&env);
        for b in case.before {
            ok(env.dir.path(), b);
        }
        let o = run(
            env.dir.path(),
            case.args,
            &[("TUNEUP_FAILPOINT", format!("{point}@{at}"))],
        );
        let was_killed = o.status.code().is_none() || (case.children && o.status.code() == Some(1));
        // Which worker process passes a point how often depends on scheduling: with children
        // a point not reached this time is no kill, but the rerun is still checked.
        if case.children && o.status.success() {
            eprintln!(
                "{}: {point}@{at} not reached by any worker this time",
                case.name
            );
        }
        assert!(
            was_killed || (case.children && o.status.success()),
            "{}: not killed at {point}@{at}: {}",
            case.name,
            String::from_utf8_lossy(&o.stderr)
        );
        killed += usize::from(was_killed);
        // The same command again: it finishes, and leaves what the uninterrupted one left.
        let o = run(env.dir.path(), case.args, &[]);
        assert!(
            o.status.success(),
            "{}: rerun after {point}@{at}: {}",
            case.name,
            String::from_utf8_lossy(&o.stderr)
        );
        let runs = json(env.dir.path(), &["runs", "--json"]);
        let running: Vec<&Value> = runs
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "running")
            .collect();
        assert!(
            running.is_empty(),
            "{}: after {point}@{at}, runs left running: {running:?}",
            case.name
        );
        let got = (case.result)(env.dir.path());
        assert_eq!(got, want, "{}: killed at {point}@{at}", case.name);
    }
    (counts.len(), killed)
}

fn report(case: &Case) {
    let (points, killed) = matrix(case);
    eprintln!(
        "kill matrix: {}: {points} points, {killed} kills and reruns, 0 lost, 0 twice",
        case.name
    );
}

#[test]
fn train_killed_anywhere_reruns_to_the_same_run() {
    report(&Case {
        name: "train",
        before: &[],
        args: &["train", "e.toml"],
        result: |d| last_run(d, "train"),
        children: false,
    });
}

#[test]
fn resume_killed_anywhere_reruns_to_the_same_run() {
    report(&Case {
        name: "resume",
        before: &[&["train", "e.toml"]],
        args: &["resume", "1", "--epochs", "5"],
        result: |d| last_run(d, "train"),
        children: false,
    });
}

#[test]
fn cv_killed_anywhere_reruns_to_the_same_result() {
    report(&Case {
        name: "cv",
        before: &[],
        args: &["cv", "e.toml", "--folds", "3"],
        result: |d| last_run(d, "cv"),
        children: false,
    });
}

#[test]
fn ensemble_killed_anywhere_reruns_to_the_same_result() {
    report(&Case {
        name: "ensemble",
        before: &[&["train", "e.toml"], &["train", "s.toml"]],
        args: &["ensemble", "1", "2", "--method", "weighted"],
        result: |d| last_run(d, "ensemble"),
        children: false,
    });
}

#[test]
fn tune_killed_anywhere_finishes_the_same_trials() {
    report(&Case {
        name: "tune",
        before: &[],
        args: &["tune", "s.toml", "--study", "s", "--trials", "3"],
        result: study,
        children: false,
    });
}

#[test]
fn tune_with_workers_killed_anywhere_finishes_the_same_trials() {
    report(&Case {
        name: "tune --workers 2",
        before: &[],
        args: &[
            "tune",
            "s.toml",
            "--study",
            "s",
            "--trials",
            "3",
            "--workers",
            "2",
        ],
        result: study,
        children: true,
    });
}

#[test]
fn improve_killed_anywhere_continues_to_the_same_ledger() {
    report(&Case {
        name: "improve",
        before: &[],
        args: &[
            "improve",
            "e.toml",
            "--chain",
            "c",
            "--max-runs",
            "2",
            "--budget",
            "10m",
            "--cv",
            "off",
        ],
        result: chain,
        children: false,
    });
}
