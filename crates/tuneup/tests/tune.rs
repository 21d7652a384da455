//! Hyperparameter studies end to end: the real binary on the digits data, real training, the
//! SQLite store shared by processes; kill -9 and resume; four workers; a diverging trial.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A digits MLP with a small search space; `epochs` per trial.
fn study_file(env: &Env, name: &str, epochs: usize, search: &str) -> std::path::PathBuf {
    env.experiment(
        name,
        &digits_csv(),
        "classification",
        &format!(
            "target = \"label\"\nval_fraction = 0.2\n\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = {epochs}\nbatch_size = 64\n\n{search}"
        ),
    )
}

const SPACE: &str = r#"[search]
sampler = "tpe"
[search.space]
"optimizer.lr" = { float = [1e-4, 1e-1], log = true }
"model.hidden" = { choices = [[16], [64]] }
"model.dropout" = { float = [0.0, 0.4], step = 0.1 }
"#;

fn study_json(env: &Env, name: &str) -> Value {
    let o = env.tuneup(&["study", name, "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn numbers(study: &Value) -> Vec<u64> {
    study["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_study_runs_reports_and_exports_its_best_trial() {
    let env = Env::new();
    let exp = study_file(&env, "s.toml", 3, SPACE);
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "6", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sum: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sum["trials"], 6);
    let s = study_json(&env, "s");
    assert_eq!(numbers(&s), (0..6).collect::<Vec<_>>());
    let best = &s["best"];
    let v = best["value"].as_f64().unwrap();
    assert!(v > 0.5 && v <= 1.0, "{v}");
    // Every complete trial is a recorded run whose validation accuracy is the trial's value.
    for t in s["trials"].as_array().unwrap() {
        if t["state"] == "complete" {
            let run = t["run_id"].as_i64().unwrap().to_string();
            let shown = env.tuneup(&["show", &run, "--json"]);
            let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
            assert_eq!(shown["status"], "complete");
            let acc = shown["val"]["metric"].as_f64().unwrap();
            assert!((acc - t["value"].as_f64().unwrap()).abs() < 1e-9);
        }
    }
    // The best experiment exports and trains as it is.
    let o = env.tuneup(&["study", "s", "--export", "best.toml", "--plots", "plots"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("best: trial"));
    for f in ["history.svg", "parallel.svg", "slices.svg"] {
        let svg = std::fs::read_to_string(env.path("plots").join(f)).unwrap();
        assert!(svg.starts_with("<svg"), "{f}");
    }
    let text = std::fs::read_to_string(env.path("best.toml")).unwrap();
    assert!(!text.contains("[search"), "{text}");
    let lr = best["params"]["optimizer.lr"].as_f64().unwrap();
    assert!(text.contains(&format!("lr = {lr}")), "{text}");
    let o = env.tuneup(&["train", "best.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Rerunning with the same --trials adds nothing; more trials continue the numbering.
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "6"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(numbers(&study_json(&env, "s")).len(), 6);
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "8"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(numbers(&study_json(&env, "s")), (0..8).collect::<Vec<_>>());
}

#[test]
fn a_killed_study_resumes_without_lost_or_duplicated_trials() {
    let env = Env::new();
    // Long enough trials that the kill lands inside one.
    let exp = study_file(&env, "k.toml", 40, SPACE);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(["tune", exp.to_str().unwrap(), "--trials", "4"])
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until one trial has finished and the next is running, then kill -9.
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "the study never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the study ended before the kill"
        );
        let o = env.tuneup(&["study", "k", "--json"]);
        if code(&o) != 0 {
            continue;
        }
        let s: Value = serde_json::from_slice(&o.stdout).unwrap();
        let trials = s["trials"].as_array().unwrap();
        let done = trials.iter().filter(|t| t["state"] == "complete").count();
        let running = trials.iter().filter(|t| t["state"] == "running").count();
        if done >= 1 && running == 1 {
            break;
        }
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    let before = study_json(&env, "k");
    let finished_before: Vec<(u64, Value)> = before["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "complete")
        .map(|t| (t["number"].as_u64().unwrap(), t["params"].clone()))
        .collect();
    // Resume: the same command.
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "4"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("marked interrupted"), "{}", stderr(&o));
    let after = study_json(&env, "k");
    let trials = after["trials"].as_array().unwrap();
    let nums = numbers(&after);
    // Contiguous numbers, none twice.
    assert_eq!(nums, (0..nums.len() as u64).collect::<Vec<_>>());
    // Exactly one trial was lost to the kill, recorded as interrupted with the reason; the other
    // four count towards --trials 4.
    let interrupted: Vec<&Value> = trials
        .iter()
        .filter(|t| t["state"] == "interrupted")
        .collect();
    assert_eq!(interrupted.len(), 1, "{trials:?}");
    assert!(
        interrupted[0]["failure"]
            .as_str()
            .unwrap()
            .starts_with("interrupted")
    );
    assert_eq!(trials.len(), 5);
    assert!(trials.iter().all(|t| t["state"] != "running"));
    // Trials finished before the kill are kept as they were.
    for (n, params) in finished_before {
        let t = &trials[n as usize];
        assert_eq!(t["state"], "complete");
        assert_eq!(t["params"], params);
    }
}

#[test]
fn four_workers_share_one_store_without_lock_errors() {
    let env = Env::new();
    let exp = study_file(&env, "w.toml", 2, SPACE);
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_tuneup"))
                .args([
                    "tune",
                    exp.to_str().unwrap(),
                    "--trials",
                    "12",
                    "--study",
                    "shared",
                ])
                .current_dir(env.dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        let err = stderr(&o);
        assert_eq!(code(&o), 0, "{err}");
        assert!(!err.contains("locked"), "{err}");
    }
    let s = study_json(&env, "shared");
    let trials = s["trials"].as_array().unwrap();
    assert_eq!(numbers(&s), (0..12).collect::<Vec<_>>());
    assert!(
        trials.iter().all(|t| t["state"] == "complete"),
        "{trials:?}"
    );
    // The work was shared: more than one worker ran trials.
    let mut workers: Vec<&str> = trials
        .iter()
        .map(|t| t["worker"].as_str().unwrap())
        .collect();
    workers.sort();
    workers.dedup();
    assert!(workers.len() >= 2, "{workers:?}");
    // Distinct runs.
    let mut runs: Vec<i64> = trials
        .iter()
        .map(|t| t["run_id"].as_i64().unwrap())
        .collect();
    runs.sort();
    runs.dedup();
    assert_eq!(runs.len(), 12);
}

#[test]
fn a_diverging_trial_is_recorded_as_failed_and_the_study_goes_on() {
    let env = Env::new();
    let exp = study_file(
        &env,
        "nan.toml",
        3,
        r#"[search]
sampler = "grid"
[search.space]
"optimizer.kind" = { choices = ["sgd"] }
"optimizer.lr" = { choices = [1e9, 0.05, 0.01] }
"#,
    );
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "10"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = study_json(&env, "nan");
    let trials = s["trials"].as_array().unwrap();
    // The grid has three points: all tried, then the study stops.
    assert_eq!(trials.len(), 3);
    let failed: Vec<&Value> = trials.iter().filter(|t| t["state"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{trials:?}");
    assert_eq!(failed[0]["params"]["optimizer.lr"], 1e9);
    assert!(
        failed[0]["failure"].as_str().unwrap().contains("diverged"),
        "{}",
        failed[0]["failure"]
    );
    assert_eq!(
        trials.iter().filter(|t| t["state"] == "complete").count(),
        2
    );
}

#[test]
fn bad_search_tables_are_refused_with_the_key() {
    let env = Env::new();
    let cases = [
        (
            "[search]\n[search.space]\n\"optimizer.lr\" = { float = [0.1, 0.01] }\n",
            "search.space",
        ),
        (
            "[search]\nsampler = \"annealing\"\n[search.space]\n\"optimizer.lr\" = { float = [0.01, 0.1] }\n",
            "search.sampler",
        ),
        (
            "[search]\nsampler = \"grid\"\n[search.space]\n\"optimizer.lr\" = { float = [0.01, 0.1] }\n",
            "search.sampler",
        ),
        (
            "[search]\n[search.space]\n\"optimizer.lrr\" = { float = [0.01, 0.1] }\n",
            "search.space",
        ),
        ("", "search"),
    ];
    for (i, (search, key)) in cases.iter().enumerate() {
        let exp = study_file(&env, &format!("b{i}.toml"), 1, search);
        let o = env.tuneup(&["tune", exp.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "case {i}: {}", stderr(&o));
        assert!(stderr(&o).contains(key), "case {i}: {}", stderr(&o));
    }
    // Nothing was recorded for any of them.
    let o = env.tuneup(&["study", "--json"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
}

#[test]
fn a_killed_trial_is_retried_from_its_checkpoint_with_retry_stale() {
    let env = Env::new();
    let exp = study_file(
        &env,
        "r.toml",
        60,
        "[search]\nsampler = \"tpe\"\nretry_stale = 1\n[search.space]\n\"optimizer.lr\" = { float = [1e-4, 1e-2], log = true }\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(["tune", exp.to_str().unwrap(), "--trials", "2"])
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once its first trial has reported a few epochs.
    let t0 = Instant::now();
    let params = loop {
        std::thread::sleep(Duration::from_millis(100));
        assert!(t0.elapsed() < Duration::from_secs(300), "never got going");
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        let o = env.tuneup(&["study", "r", "--json"]);
        if code(&o) != 0 {
            continue;
        }
        let s: Value = serde_json::from_slice(&o.stdout).unwrap();
        let t = &s["trials"][0];
        if t["state"] == "running" && t["intermediate"].as_array().unwrap().len() >= 3 {
            break t["params"].clone();
        }
    };
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--trials", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains(
            "trial 1: trying trial 0 again (its worker stopped), from its checkpoint at epoch"
        ),
        "{said}"
    );
    let s = study_json(&env, "r");
    let trials = s["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 3, "{trials:?}");
    assert_eq!(trials[0]["state"], "interrupted");
    assert_eq!(trials[1]["state"], "complete");
    assert_eq!(
        trials[1]["params"], params,
        "the retry has the same parameters"
    );
    assert_eq!(trials[2]["state"], "complete");
    assert_ne!(trials[2]["params"], params);
}
