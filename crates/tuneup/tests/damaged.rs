//! Torn and corrupt files: a truncated or bit-flipped checkpoint, optimizer state or resume
//! state is an error naming the file and what to do, never a panic or a silently wrong model;
//! a store file cut short is a clear error too.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, MLP_FAST, code, digits_csv, stderr};

/// A trained run's checkpoint path.
fn trained(env: &Env) -> PathBuf {
    let exp = env.experiment("e.toml", &digits_csv(), "classification", MLP_FAST);
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    PathBuf::from(j["checkpoint"].as_str().unwrap())
}

fn truncate(p: &Path) {
    let b = std::fs::read(p).unwrap();
    std::fs::write(p, &b[..b.len() / 2]).unwrap();
}

fn flip(p: &Path) {
    let mut b = std::fs::read(p).unwrap();
    let at = b.len() * 2 / 3;
    b[at] ^= 0x10;
    std::fs::write(p, b).unwrap();
}

fn says(o: &std::process::Output, parts: &[&str]) {
    let err = stderr(o);
    assert_ne!(code(o), 0, "it succeeded:\n{err}");
    assert!(!err.contains("panicked"), "a panic:\n{err}");
    for p in parts {
        assert!(err.contains(p), "stderr does not say {p:?}:\n{err}");
    }
}

#[test]
fn a_damaged_checkpoint_is_named_with_what_to_do() {
    let env = Env::new();
    let ckpt = trained(&env);
    let data = digits_csv();
    let data = data.to_str().unwrap();
    let o = env.tuneup(&["eval", "1", data]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let good = std::fs::read(&ckpt).unwrap();

    truncate(&ckpt);
    let o = env.tuneup(&["eval", "1", data]);
    says(
        &o,
        &[
            "best.bpk is damaged",
            "bytes of content where",
            "tuneup resume",
        ],
    );

    let mut b = good.clone();
    std::fs::write(&ckpt, &b).unwrap();
    flip(&ckpt);
    let o = env.tuneup(&["predict", "1", data, "-o", "p.csv"]);
    says(&o, &["best.bpk is damaged", "checksum does not match"]);
    assert!(
        !env.path("p.csv").exists(),
        "no predictions from a damaged model"
    );

    // Restored, it works again: the check found the damage, not a difference of its own.
    b.clone_from(&good);
    std::fs::write(&ckpt, &b).unwrap();
    let o = env.tuneup(&["eval", "1", data]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn damaged_resume_files_are_named() {
    let env = Env::new();
    let ckpt = trained(&env);
    for name in ["last.bpk", "optim.bpk", "state.json"] {
        let p = ckpt.with_file_name(name);
        let good = std::fs::read(&p).unwrap();
        truncate(&p);
        let o = env.tuneup(&["resume", "1", "--epochs", "3"]);
        says(&o, &[&format!("{name} is damaged")]);
        std::fs::write(&p, &good).unwrap();
        flip(&p);
        let o = env.tuneup(&["resume", "1", "--epochs", "3"]);
        says(&o, &[&format!("{name} is damaged")]);
        std::fs::write(&p, &good).unwrap();
    }
    let o = env.tuneup(&["resume", "1", "--epochs", "3"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_store_cut_short_is_a_clear_error() {
    let env = Env::new();
    trained(&env);
    // Fold the write-ahead log into the file first, as a closed store has it.
    let o = env.tuneup(&["runs"]);
    assert_eq!(code(&o), 0);
    let store = env.store();
    let _ = std::fs::remove_file(env.path("tuneup.db-wal"));
    let _ = std::fs::remove_file(env.path("tuneup.db-shm"));
    let b = std::fs::read(&store).unwrap();
    std::fs::write(&store, &b[..b.len() / 3]).unwrap();
    let o = env.tuneup(&["runs"]);
    says(&o, &["tuneup.db"]);
    // Cut inside SQLite's own header: not a store at all.
    std::fs::write(&store, &b[..10]).unwrap();
    let o = env.tuneup(&["runs"]);
    says(&o, &["tuneup.db", "not a tuneup store"]);
}

#[test]
fn a_full_disk_fails_the_run_names_the_path_and_keeps_what_was_there() {
    full_or_read_only("enospc", "No space left on device");
}

#[test]
fn a_read_only_folder_fails_the_run_names_the_path_and_keeps_what_was_there() {
    // Simulated: the tests may run as root, whom permissions do not stop.
    full_or_read_only("eacces", "Permission denied");
}

fn full_or_read_only(how: &str, says_: &str) {
    let env = Env::new();
    let ckpt = trained(&env);
    let before = std::fs::read(&ckpt).unwrap();
    let exp = env.path("e.toml");
    // From the first file it writes on, the disk is full (a fail point of test builds).
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(["train", exp.to_str().unwrap()])
        .current_dir(env.dir.path())
        .env("TUNEUP_FAILPOINT", format!("file.write@1:{how}"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_ne!(code(&o), 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(says_), "{err}");
    assert!(err.contains("run-2"), "the path is named:\n{err}");
    let runs: serde_json::Value =
        serde_json::from_slice(&env.tuneup(&["runs", "--json"]).stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs[0]["status"], "complete");
    assert_eq!(runs[1]["status"], "failed", "{:?}", runs[1]);
    assert!(
        runs[1]["failure"]
            .as_str()
            .is_some_and(|f| f.contains(says_)),
        "{:?}",
        runs[1]
    );
    // What was there is as it was, and still works.
    assert_eq!(std::fs::read(&ckpt).unwrap(), before);
    let data = digits_csv();
    let o = env.tuneup(&["eval", "1", data.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // No temp file is left behind in the failed run's folder.
    let leftovers: Vec<_> = std::fs::read_dir(ckpt.parent().unwrap().with_file_name("run-2"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains(".tmp")),
        "{leftovers:?}"
    );
}
