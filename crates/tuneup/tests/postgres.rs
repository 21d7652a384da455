//! The real binary on a PostgreSQL store: every way of naming a wrong server is a clear error
//! (exit 2) that writes nothing locally; a study shared by two hosts survives one host's worker
//! killed mid-trial, and a run trained on one host predicts on the other from the database's copy
//! of its files. The server is `TUNEUP_TEST_PG`'s (`.ci/run` starts one) or one started here.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use tuneup_store::postgres::test_server;

/// `tuneup ARGS` in `dir` on the store `url`, as host `host`, with quick heartbeats.
fn on(dir: &Path, url: &str, host: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuneup"));
    c.current_dir(dir)
        .env("TUNEUP_STORE", url)
        .env("TUNEUP_HOST", host)
        .env("TUNEUP_HEARTBEAT", "0.5")
        .env("TUNEUP_HEARTBEAT_GRACE", "3")
        .env("TUNEUP_PG_RECONNECT", "2");
    c
}

fn run(dir: &Path, url: &str, host: &str, args: &[&str]) -> Output {
    on(dir, url, host).args(args).output().unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn wrong_servers_are_clear_errors_that_write_nothing() {
    let server = test_server::server();
    let env = Env::new();
    let exp = env.experiment(
        "e.toml",
        &digits_csv(),
        "classification",
        "target = \"label\"\n\n[model]\nkind = \"mlp\"\nhidden = [16]\n\n[train]\nepochs = 1\n",
    );
    let exp = exp.to_str().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let wrong_pw = {
        let (head, tail) = server.rsplit_once('@').unwrap();
        let (user, _) = head.rsplit_once(':').unwrap();
        format!("{user}:not-the-password@{tail}/postgres")
    };
    let foreign = test_server::fresh_db();
    {
        let mut c = postgres::Client::connect(&foreign, postgres::NoTls).unwrap();
        c.batch_execute("CREATE TABLE invoices (id INT PRIMARY KEY, total NUMERIC)")
            .unwrap();
    }
    let cases: Vec<(String, &str)> = vec![
        (
            "postgres://tuneup@127.0.0.1:notaport/db".into(),
            "not a PostgreSQL URL",
        ),
        (format!("{server}"), "no database named"),
        (
            format!("postgres://tuneup:x@127.0.0.1:{free}/db"),
            "is a PostgreSQL server running there?",
        ),
        (wrong_pw, "refused the user name or password"),
        (format!("{server}/no_such_db"), "createdb no_such_db"),
        (foreign, "tables of another program"),
    ];
    for (url, says) in &cases {
        for args in [vec!["runs"], vec!["train", exp]] {
            let o = run(env.dir.path(), url, "h", &args);
            assert_eq!(code(&o), 2, "{url} {args:?}: {}", stderr(&o));
            assert!(stderr(&o).contains(says), "{url}: {}", stderr(&o));
            assert!(
                !stderr(&o).contains("not-the-password"),
                "passwords are not shown"
            );
            assert_eq!(files_in(env.dir.path()), vec!["e.toml"], "{url}");
        }
    }
    // `--help` shows that TUNEUP_STORE is read, never its value (it may hold a password).
    let help = on(env.dir.path(), &cases[3].0, "h")
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("TUNEUP_STORE") && !help.contains("not-the-password"),
        "{help}"
    );
    // A store written by a newer tuneup is refused, not changed.
    let newer = test_server::fresh_db();
    let o = run(env.dir.path(), &newer, "h", &["runs"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut c = postgres::Client::connect(&newer, postgres::NoTls).unwrap();
    c.batch_execute("UPDATE tuneup_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let o = run(env.dir.path(), &newer, "h", &["train", exp]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("newer than this tuneup"),
        "{}",
        stderr(&o)
    );
    let runs: i64 = c
        .query_one("SELECT count(*) FROM runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, 0);
    assert_eq!(files_in(env.dir.path()), vec!["e.toml"]);
}

const SPACE: &str = r#"[search]
sampler = "tpe"
[search.space]
"optimizer.lr" = { float = [1e-4, 1e-1], log = true }
"model.hidden" = { choices = [[16], [64]] }
"#;

fn study(dir: &Path, url: &str, host: &str) -> Value {
    let o = run(dir, url, host, &["study", "k", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn two_hosts_share_a_study_and_a_killed_worker_is_accounted_for() {
    let url = test_server::fresh_db();
    let (a, b) = (Env::new(), Env::new());
    let text = format!(
        "task = \"classification\"\nseed = 7\n\n[data]\ntrain = {:?}\ntarget = \"label\"\nval_fraction = 0.2\n\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = 40\nbatch_size = 64\n\n{SPACE}",
        digits_csv().display().to_string()
    );
    a.write("k.toml", &text);
    b.write("k.toml", &text);
    let mut child = on(a.dir.path(), &url, "host-a")
        .args(["tune", "k.toml", "--trials", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Host A's worker is killed inside its second trial.
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        assert!(t0.elapsed() < Duration::from_secs(300), "never got going");
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        let o = run(b.dir.path(), &url, "host-b", &["study", "k", "--json"]);
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
    let before = study(b.dir.path(), &url, "host-b");
    let done_before: Vec<(u64, i64)> = before["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "complete")
        .map(|t| (t["number"].as_u64().unwrap(), t["run_id"].as_i64().unwrap()))
        .collect();
    // Host A is gone with its files; host B cannot see its processes, only its heartbeats,
    // which stopped: after the grace period its trial is stale.
    let a_files = files_in(a.dir.path())
        .into_iter()
        .find(|f| f.ends_with(".runs"))
        .expect("host A's run files");
    std::fs::remove_dir_all(a.dir.path().join(a_files)).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let o = run(
        b.dir.path(),
        &url,
        "host-b",
        &["tune", "k.toml", "--trials", "4"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("marked interrupted"), "{}", stderr(&o));
    let after = study(b.dir.path(), &url, "host-b");
    let trials = after["trials"].as_array().unwrap();
    let numbers: Vec<u64> = trials
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..5).collect::<Vec<_>>(), "{trials:?}");
    let count = |s: &str| trials.iter().filter(|t| t["state"] == s).count();
    assert_eq!(
        (count("complete"), count("interrupted")),
        (4, 1),
        "{trials:?}"
    );
    // The killed trial's run is ended too.
    let dead = trials.iter().find(|t| t["state"] == "interrupted").unwrap();
    if let Some(run_id) = dead["run_id"].as_i64() {
        let o = run(
            b.dir.path(),
            &url,
            "host-b",
            &["show", &run_id.to_string(), "--json"],
        );
        let shown: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(shown["status"], "failed", "{shown}");
    }
    // A run trained on host A predicts on host B from the database's copy of its files.
    let (n, run_a) = done_before[0];
    assert_eq!(trials[n as usize]["state"], "complete");
    let o = run(
        b.dir.path(),
        &url,
        "host-b",
        &[
            "eval",
            &run_a.to_string(),
            digits_csv().to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(files_in(b.dir.path()).iter().any(|f| f.ends_with(".runs")));
}

#[test]
fn a_worker_on_another_host_joins_a_study_and_shares_its_trials() {
    let url = test_server::fresh_db();
    let (a, b) = (Env::new(), Env::new());
    // The experiment names its data relatively: the worker, elsewhere, reads it from the
    // study's plan.
    std::fs::copy(digits_csv(), a.path("digits.csv")).unwrap();
    a.write(
        "w.toml",
        format!(
            "task = \"classification\"\nseed = 7\n\n[data]\ntrain = \"digits.csv\"\ntarget = \"label\"\nval_fraction = 0.2\n\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = 30\nbatch_size = 64\n\n{SPACE}"
        ),
    );
    let owner = on(a.dir.path(), &url, "host-a")
        .args(["tune", "w.toml", "--study", "w", "--trials", "8"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let worker = run(
        b.dir.path(),
        &url,
        "host-b",
        &["worker", "--idle-exit", "4s", "--poll", "0.2"],
    );
    assert_eq!(code(&worker), 0, "{}", stderr(&worker));
    let out = owner.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let o = run(b.dir.path(), &url, "host-b", &["study", "w", "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    let trials = s["trials"].as_array().unwrap();
    let numbers: Vec<u64> = trials
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..8).collect::<Vec<_>>(), "{trials:?}");
    let hosts: std::collections::BTreeSet<String> = trials
        .iter()
        .map(|t| {
            t["worker"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        hosts.into_iter().collect::<Vec<_>>(),
        vec!["host-a", "host-b"],
        "both hosts took trials; the worker said: {}",
        stderr(&worker)
    );
    assert!(trials.iter().all(|t| t["state"] != "running"));
    assert!(String::from_utf8_lossy(&worker.stdout).contains("took trials of w"));
}

#[test]
fn an_improve_chain_spreads_its_study_over_a_worker_that_joins_it() {
    let url = test_server::fresh_db();
    let (a, b) = (Env::new(), Env::new());
    a.write(
        "c.toml",
        format!(
            "task = \"classification\"\nseed = 7\n\n[data]\ntrain = {:?}\ntarget = \"label\"\nval_fraction = 0.3\nlimit = 430\n\n[model]\nkind = \"mlp\"\nhidden = [512, 512]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = 40\nbatch_size = 32\n",
            digits_csv().display().to_string()
        ),
    );
    let worker = on(b.dir.path(), &url, "host-b")
        .args(["worker", "--chain", "c", "--poll", "0.2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = run(
        a.dir.path(),
        &url,
        "host-a",
        &[
            "improve",
            "c.toml",
            "--chain",
            "c",
            "--remedies",
            "tuning_regularization",
            "--budget",
            "90s",
            "--cv",
            "off",
            "--ensemble",
            "0",
        ],
    );
    unsafe {
        libc::kill(worker.id() as i32, libc::SIGKILL);
    }
    let w = worker.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l: Value = serde_json::from_slice(
        &run(a.dir.path(), &url, "host-a", &["history", "c", "--json"]).stdout,
    )
    .unwrap();
    let steps = l.as_array().unwrap().clone();
    let step = steps
        .iter()
        .find(|s| s["remedy"] == "tuning_regularization")
        .unwrap_or_else(|| panic!("no tuning step: {steps:?}"));
    assert!(
        step["state"] == "kept" || step["state"] == "rejected",
        "{step}"
    );
    let name = format!("c:step{}", step["step"]);
    let s: Value = serde_json::from_slice(
        &run(a.dir.path(), &url, "host-a", &["study", &name, "--json"]).stdout,
    )
    .unwrap();
    let trials = s["trials"].as_array().unwrap();
    assert!(trials.iter().all(|t| t["state"] != "running"), "{trials:?}");
    let by_b = trials
        .iter()
        .filter(|t| t["worker"].as_str().unwrap().starts_with("host-b:"))
        .count();
    assert!(
        by_b >= 1,
        "the worker took none of {} trials: {}",
        trials.len(),
        String::from_utf8_lossy(&w.stderr)
    );
}
