//! Helpers for driving the real `tuneup` binary in a fresh temp dir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
}

/// The shared data folder beside the checkout (`../shared/data`).
pub fn shared_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        p.is_dir(),
        "missing {}: the tests read real data from ../shared/data beside the checkout",
        p.display()
    );
    p.canonicalize().unwrap()
}

/// The digits CSV shipped in the repository.
pub fn digits_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/digits_8x8.csv")
        .canonicalize()
        .unwrap()
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn tuneup(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tuneup"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    pub fn store(&self) -> PathBuf {
        self.path("tuneup.db")
    }

    /// An experiment on `data` with the given extra TOML (model, optimizer, train tables).
    pub fn experiment(&self, name: &str, data: &Path, task: &str, rest: &str) -> PathBuf {
        self.write(
            name,
            format!(
                "task = \"{task}\"\nseed = 7\n\n[data]\ntrain = {:?}\n{rest}",
                data.display().to_string()
            ),
        )
    }
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    let s = stdout(o);
    serde_json::from_str(s.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{s}\nstderr:\n{}",
            stderr(o)
        )
    })
}

/// Asserts exit code 2 and that stderr names every given fragment.
pub fn assert_bad_input(o: &Output, fragments: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        code(o),
        2,
        "expected exit code 2, got {}; stderr:\n{err}",
        code(o)
    );
    for f in fragments {
        assert!(err.contains(f), "stderr does not mention {f:?}:\n{err}");
    }
}

pub const MLP_FAST: &str =
    "\n[model]\nkind = \"mlp\"\nhidden = [64]\n\n[train]\nepochs = 2\nbatch_size = 64\n";
