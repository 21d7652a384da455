//! One store with a trained run, a short improve chain and a small study, built once for every
//! test here, in a temp folder kept until the process ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub struct Fixture {
    pub dir: PathBuf,
    /// The study's experiment (tests add trials to it).
    pub study_exp: PathBuf,
    pub chain: String,
    pub steps: usize,
}

pub fn tuneup(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Where screenshots go: the test's temp folder, and `$TUNEUP_SCREENSHOTS` when set (the
/// pictures under docs/ are made that way).
pub fn shot_path(f: &Fixture, name: &str) -> PathBuf {
    if let Some(d) = std::env::var_os("TUNEUP_SCREENSHOTS") {
        std::fs::create_dir_all(&d).unwrap();
        return PathBuf::from(d).join(name);
    }
    f.dir.join(name)
}

fn experiment(epochs: usize, search: &str) -> String {
    let digits = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/digits_8x8.csv")
        .canonicalize()
        .unwrap();
    format!(
        r#"name = "digits"
task = "classification"
seed = 7
metric = "accuracy"

[data]
train = "{}"
target = "label"
val_fraction = 0.2
test_fraction = 0.2
shape = [1, 8, 8]

[model]
kind = "mlp"
hidden = [64]

[optimizer]
kind = "adam"
lr = 0.002

[train]
epochs = {epochs}
batch_size = 64
{search}"#,
        digits.display()
    )
}

pub fn get() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let run = dir.join("digits.toml");
        std::fs::write(&run, experiment(12, "")).unwrap();
        ok(&tuneup(&dir, &["train", run.to_str().unwrap()]));
        let study_exp = dir.join("study.toml");
        std::fs::write(
            &study_exp,
            experiment(
                6,
                r#"
[search]
sampler = "random"
pruner = { kind = "median", n_warmup_steps = 2 }

[search.space]
"optimizer.lr" = { float = [1e-4, 1e-1], log = true }
"model.dropout" = { float = [0.0, 0.5] }
"#,
            ),
        )
        .unwrap();
        ok(&tuneup(
            &dir,
            &[
                "tune",
                study_exp.to_str().unwrap(),
                "--study",
                "s",
                "--trials",
                "8",
            ],
        ));
        let chain_exp = dir.join("chain.toml");
        std::fs::write(&chain_exp, experiment(8, "")).unwrap();
        ok(&tuneup(
            &dir,
            &[
                "improve",
                chain_exp.to_str().unwrap(),
                "--chain",
                "c",
                "--max-runs",
                "3",
                "--budget",
                "5m",
                "--cv",
                "off",
            ],
        ));
        let ledger: serde_json::Value =
            serde_json::from_str(&ok(&tuneup(&dir, &["history", "c", "--json"]))).unwrap();
        Fixture {
            dir,
            study_exp,
            chain: "c".into(),
            steps: ledger.as_array().unwrap().len(),
        }
    })
}
