//! Ctrl-C and SIGTERM: the batch in progress finishes, what was running is recorded as
//! interrupted, the command exits 130 saying how to go on, and the same command run again
//! goes on.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, code, digits_csv, stderr};

fn experiment(env: &Env, epochs: usize) -> std::path::PathBuf {
    env.write(
        "s.toml",
        format!(
            "name = \"sig\"\ntask = \"classification\"\nseed = 5\n\n[data]\ntrain = \"{}\"\ntarget = \"label\"\nval_fraction = 0.2\n\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.003\n\n[train]\nepochs = {epochs}\nbatch_size = 64\n\n[search]\nsampler = \"random\"\npruner = \"none\"\n\n[search.space]\n\"optimizer.lr\" = {{ float = [1e-3, 1e-2], log = true }}\n",
            digits_csv().display()
        ),
    )
}

/// Starts `args`, waits until its stderr shows `ready`, sends `signal`; its exit code, stderr
/// and how long it took to exit after the signal.
fn interrupt(env: &Env, args: &[&str], ready: &str, signal: i32) -> (i32, String, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(args)
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        said.push_str(&line);
        let seen = line.contains(ready);
        line.clear();
        if seen {
            break;
        }
    }
    assert!(said.contains(ready), "never said {ready:?}:\n{said}");
    // An epoch in: the run is recorded and training.
    std::thread::sleep(Duration::from_millis(600));
    let sent = Instant::now();
    unsafe { libc::kill(child.id() as i32, signal) };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), said + &rest, sent.elapsed())
}

#[test]
fn ctrl_c_during_a_study_records_the_trial_interrupted_and_a_rerun_finishes_it() {
    let env = Env::new();
    let exp = experiment(&env, 150);
    let exp = exp.to_str().unwrap();
    let args = ["tune", exp, "--study", "s", "--trials", "3"];
    let (code_, err, took) = interrupt(&env, &args, "-- trial 1", libc::SIGINT);
    assert_eq!(code_, 130, "{err}");
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    assert!(err.contains("Run the same command again"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?} to stop");
    let s: serde_json::Value =
        serde_json::from_slice(&env.tuneup(&["study", "s", "--json"]).stdout).unwrap();
    let trials = s["trials"].as_array().unwrap();
    assert!(trials.iter().all(|t| t["state"] != "running"), "{trials:?}");
    assert_eq!(
        trials
            .iter()
            .filter(|t| t["state"] == "interrupted")
            .count(),
        1,
        "{trials:?}"
    );
    let runs: serde_json::Value =
        serde_json::from_slice(&env.tuneup(&["runs", "--json"]).stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert!(runs.iter().all(|r| r["status"] != "running"));
    assert!(
        runs.iter()
            .any(|r| r["failure"].as_str().is_some_and(|f| f.contains("SIGINT"))),
        "{runs:?}"
    );
    // The same command goes on: three complete trials, the interrupted one not counted.
    let o = env.tuneup(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&env.tuneup(&["study", "s", "--json"]).stdout).unwrap();
    let complete = s["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "complete")
        .count();
    assert_eq!(complete, 3);
}

#[test]
fn sigterm_during_train_ends_the_run_failed_saying_so() {
    let env = Env::new();
    let exp = experiment(&env, 400);
    let (code_, err, took) = interrupt(
        &env,
        &["train", exp.to_str().unwrap()],
        "run 1:",
        libc::SIGTERM,
    );
    assert_eq!(code_, 130, "{err}");
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?} to stop");
    let runs: serde_json::Value =
        serde_json::from_slice(&env.tuneup(&["runs", "--json"]).stdout).unwrap();
    let r = &runs.as_array().unwrap()[0];
    assert_eq!(r["status"], "failed");
    assert!(
        r["failure"]
            .as_str()
            .is_some_and(|f| f.contains("interrupted by SIGTERM")),
        "{r}"
    );
}
