//! `tuneup improve` end to end on the digits data: the first remedies fit the diagnosis of a
//! real high-variance and a real high-bias start; an interrupted chain resumes from its ledger.

mod common;

use tuneup_store::RunStore;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn exp(env: &Env, name: &str, rest: &str) -> std::path::PathBuf {
    env.experiment(
        name,
        &digits_csv(),
        "classification",
        &format!("target = \"label\"\nval_fraction = 0.3\n{rest}"),
    )
}

fn ledger(env: &Env, chain: &str) -> Vec<Value> {
    let o = env.tuneup(&["history", chain, "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// `tuneup show ID --json`.
fn show(env: &Env, id: &Value) -> Value {
    let o = env.tuneup(&["show", &id.as_i64().unwrap().to_string(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A wide MLP on 300 training samples: it fits them exactly and misses on validation.
const HIGH_VARIANCE: &str = "limit = 430\n\n[model]\nkind = \"mlp\"\nhidden = [512, 512]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = 40\nbatch_size = 32\n";

/// A two-unit bottleneck trained briefly: it cannot fit the training data.
const HIGH_BIAS: &str = "\n[model]\nkind = \"mlp\"\nhidden = [2]\n\n[optimizer]\nkind = \"adam\"\nlr = 0.001\n\n[train]\nepochs = 4\nbatch_size = 64\n";

#[test]
fn a_high_variance_start_gets_a_variance_remedy_first() {
    let env = Env::new();
    let e = exp(&env, "hv.toml", HIGH_VARIANCE);
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--max-runs",
        "2",
        "--budget",
        "5m",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "hv");
    assert_eq!(l[0]["kind"], "baseline");
    assert_eq!(l[0]["state"], "kept");
    // 129 validation rows: too few to tell candidates apart, so each is cross-validated.
    assert!(
        l[0]["reason"].as_str().unwrap().contains("out-of-fold"),
        "{}",
        l[0]
    );
    let s1 = &l[1];
    assert_eq!(s1["kind"], "remedy");
    assert_eq!(s1["diagnosis"]["verdict"], "high_variance", "{s1}");
    assert_eq!(s1["remedy"], "augmentation", "{s1}");
    assert!(["kept", "rejected"].contains(&s1["state"].as_str().unwrap()));
    assert!(s1["reason"].as_str().unwrap().contains("paired z"), "{s1}");
    // The last row is the final evaluation.
    let last = l.last().unwrap();
    assert_eq!(last["kind"], "final");
    assert!(
        last["reason"].as_str().unwrap().contains("--max-runs"),
        "{last}"
    );
    // The history prints the chain.
    let o = env.tuneup(&["history", "hv"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("high_variance") && out.contains("remedy:"),
        "{out}"
    );
}

#[test]
fn a_high_bias_start_gets_a_bias_remedy_first() {
    let env = Env::new();
    let e = exp(&env, "hb.toml", HIGH_BIAS);
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--max-runs",
        "2",
        "--budget",
        "5m",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "hb");
    let s1 = &l[1];
    let verdict = s1["diagnosis"]["verdict"].as_str().unwrap();
    assert!(["high_bias", "under_trained"].contains(&verdict), "{s1}");
    let first = s1["remedy"].as_str().unwrap();
    assert!(
        ["model_selection", "bigger_model", "train_longer"].contains(&first),
        "{first}"
    );
    // The change is applied to the child run's experiment.
    let child = s1["run_id"].as_i64().unwrap().to_string();
    let shown: Value =
        serde_json::from_slice(&env.tuneup(&["show", &child, "--json"]).stdout).unwrap();
    let exp = &shown["config"];
    match first {
        // The 64 features read as an 8x8 image for a CNN.
        "model_selection" => {
            assert_eq!(exp["model"]["kind"], "cnn", "{exp}");
            assert_eq!(exp["data"]["shape"], serde_json::json!([1, 8, 8]), "{exp}");
        }
        "bigger_model" => assert_eq!(exp["model"]["hidden"], serde_json::json!([4]), "{exp}"),
        _ => assert_eq!(exp["train"]["epochs"], 8, "{exp}"),
    }
}

#[test]
fn an_interrupted_chain_resumes_without_repeating_or_losing_a_step() {
    let env = Env::new();
    let e = exp(
        &env,
        "k.toml",
        &HIGH_VARIANCE.replace("epochs = 40", "epochs = 150"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args([
            "improve",
            e.to_str().unwrap(),
            "--max-runs",
            "3",
            "--budget",
            "10m",
            "--cv",
            "off",
        ])
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill -9 once step 1 (the first remedy) is training.
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "step 1 never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the chain ended before the kill"
        );
        let o = env.tuneup(&["history", "k", "--json"]);
        if code(&o) != 0 {
            continue;
        }
        let l: Value = serde_json::from_slice(&o.stdout).unwrap();
        let l = l.as_array().unwrap();
        if l.len() == 2 && l[1]["state"] == "running" && !l[1]["run_id"].is_null() {
            break;
        }
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    let before = ledger(&env, "k");
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--max-runs",
        "3",
        "--budget",
        "10m",
        "--cv",
        "off",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "k");
    // Steps are numbered without gaps or repeats.
    let steps: Vec<u64> = l.iter().map(|s| s["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, (0..l.len() as u64).collect::<Vec<_>>());
    // The baseline was not trained again; the interrupted step is recorded as such and its
    // remedy was tried again as the next step.
    assert_eq!(l[0], before[0]);
    assert_eq!(l.iter().filter(|s| s["kind"] == "baseline").count(), 1);
    assert_eq!(l[1]["state"], "interrupted");
    assert_eq!(l[2]["remedy"], l[1]["remedy"]);
    assert!(["kept", "rejected", "failed"].contains(&l[2]["state"].as_str().unwrap()));
    assert!(l.iter().all(|s| s["state"] != "running"));
    assert_eq!(l.last().unwrap()["kind"], "final");
}

#[test]
fn a_study_is_a_remedy_and_the_chain_ends_with_an_ensemble_step() {
    let env = Env::new();
    let e = exp(&env, "st.toml", HIGH_VARIANCE);
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--remedies",
        "dropout,tuning_regularization",
        "--budget",
        "3m",
        "--cv",
        "off",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "st");
    let remedies: Vec<&str> = l.iter().filter_map(|s| s["remedy"].as_str()).collect();
    assert_eq!(remedies[0], "dropout", "{l:?}");
    assert!(remedies.contains(&"tuning_regularization"), "{l:?}");
    // The study's step: its trials, pruned ones among them, and the best trial as its run.
    let study = l
        .iter()
        .find(|s| s["remedy"] == "tuning_regularization")
        .unwrap();
    let reason = study["reason"].as_str().unwrap();
    assert!(
        reason.contains("study st:step") && reason.contains("best trial"),
        "{reason}"
    );
    assert_eq!(study["changes"][0]["key"], "search", "{study}");
    let space = study["changes"][0]["to"]["space"].as_object().unwrap();
    assert!(space.contains_key("optimizer.weight_decay") && space.contains_key("model.dropout"));
    let run = study["run_id"].as_i64().unwrap().to_string();
    let shown: Value =
        serde_json::from_slice(&env.tuneup(&["show", &run, "--json"]).stdout).unwrap();
    assert_eq!(shown["status"], "complete");
    assert_eq!(shown["parent_id"].as_i64(), study["parent_run"].as_i64());
    // Then an ensemble step and the final evaluation; a kept ensemble is the final model.
    let n = l.len();
    assert_eq!(l[n - 1]["kind"], "final");
    assert_eq!(l[n - 2]["kind"], "ensemble", "{:?}", l[n - 2]);
    let ens = &l[n - 2];
    let why = ens["reason"].as_str().unwrap();
    if ens["state"] == "kept" {
        assert_eq!(l[n - 1]["run_id"], ens["run_id"]);
        assert!(
            why.contains("soft vote") && why.contains("beyond noise"),
            "{why}"
        );
    } else {
        assert_eq!(ens["state"], "rejected");
        assert!(
            why.contains("no other run") || why.contains("rejected"),
            "{why}"
        );
    }
    // Rerunning a finished chain repeats nothing.
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--remedies",
        "dropout,tuning_regularization",
        "--budget",
        "3m",
        "--cv",
        "off",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("is finished"), "{}", stderr(&o));
    assert_eq!(ledger(&env, "st").len(), n);
    // An unknown remedy is bad input.
    let o = env.tuneup(&["improve", e.to_str().unwrap(), "--remedies", "magic"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--remedies") && stderr(&o).contains("magic"));
}

#[test]
fn a_binding_parameter_budget_gets_distillation_from_a_bigger_teacher() {
    let env = Env::new();
    // 64-32-10: 2,410 parameters, exactly the budget, so no bigger model fits.
    let e = exp(
        &env,
        "ds.toml",
        "\n[model]\nkind = \"mlp\"\nhidden = [32]\n\n[train]\nepochs = 15\nbatch_size = 64\n",
    );
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--max-params",
        "2410",
        "--remedies",
        "distillation",
        "--ensemble",
        "0",
        "--budget",
        "2m",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "ds");
    let step = l
        .iter()
        .find(|s| s["remedy"] == "distillation")
        .unwrap_or_else(|| panic!("{l:?}"));
    assert_eq!(step["changes"][0]["key"], "distill", "{step}");
    let reason = step["reason"].as_str().unwrap();
    assert!(reason.contains("teacher run"), "{reason}");
    // The student is the step's run: within the budget, trained with the teacher.
    let run = step["run_id"].as_i64().unwrap().to_string();
    let shown: Value =
        serde_json::from_slice(&env.tuneup(&["show", &run, "--json"]).stdout).unwrap();
    assert_eq!(shown["params"], 2410, "{shown}");
    let teacher = shown["extra"]["distill"]["teachers"][0].as_i64().unwrap();
    // The student's configuration names its teacher.
    assert_eq!(
        shown["config"]["distill"]["teachers"][0], teacher,
        "{shown}"
    );
    let t: Value =
        serde_json::from_slice(&env.tuneup(&["show", &teacher.to_string(), "--json"]).stdout)
            .unwrap();
    assert!(t["params"].as_i64().unwrap() > 2410, "{t}");
    // --ensemble 0: no ensemble step.
    assert!(l.iter().all(|s| s["kind"] != "ensemble"));

    // Judged by cross-validation, each fold's student has its own teacher, trained on that
    // fold's training rows only.
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--chain",
        "ds-cv",
        "--cv",
        "2",
        "--max-params",
        "2410",
        "--remedies",
        "distillation",
        "--ensemble",
        "0",
        "--max-runs",
        "2",
        "--budget",
        "2m",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "ds-cv");
    let step = l
        .iter()
        .find(|s| s["remedy"] == "distillation")
        .unwrap_or_else(|| panic!("{l:?}"));
    assert!(
        step["reason"]
            .as_str()
            .unwrap()
            .contains("fold 1: teacher run"),
        "{step}"
    );
    let cv_run = show(&env, &step["run_id"]);
    let folds = cv_run["extra"]["cv"]["folds_runs"].as_array().unwrap();
    assert_eq!(folds.len(), 2, "{cv_run}");
    let mut teachers = Vec::new();
    for f in folds {
        let s = show(&env, f);
        assert_eq!(s["params"], 2410, "{s}");
        // The fold's training and validation rows are the CV run's rows, apart.
        assert_eq!(
            s["splits"]["train"].as_i64().unwrap() + s["splits"]["val"].as_i64().unwrap(),
            cv_run["splits"]["val"].as_i64().unwrap(),
            "{s}"
        );
        teachers.push(s["extra"]["distill"]["teachers"][0].as_i64().unwrap());
    }
    assert_ne!(teachers[0], teachers[1]);
}

/// Records a finished run with hand-made curves: `train_error(e)` / `val_loss(e)` per epoch.
fn record_run(
    store: &tuneup_store::SqliteStore,
    exp: &str,
    epochs: usize,
    curve: impl Fn(usize) -> (f64, f64, f64),
) -> i64 {
    use tuneup_core::run::{EpochRecord, RunState, Scores};
    let exp = tuneup_core::spec::Experiment::parse(exp, std::path::Path::new("")).unwrap();
    let id = store
        .create_run(&tuneup_store::NewRun {
            name: Some("hand-made"),
            parent_id: None,
            kind: tuneup_store::RunKind::Train,
            experiment_path: "hand-made.toml",
            experiment: &exp,
            model: "mlp",
            metric_name: "accuracy",
        })
        .unwrap();
    for e in 1..=epochs {
        let (train_error, val_error, val_loss) = curve(e);
        store
            .record_epoch(
                id,
                &EpochRecord {
                    epoch: e,
                    fit_loss: train_error + 0.1,
                    train_loss: train_error + 0.1,
                    train_error,
                    val_loss,
                    val_error,
                    val_metric: 1.0 - val_error,
                    lr: 1e-3,
                    seconds: 1.0,
                    fit_seconds: 0.5,
                },
            )
            .unwrap();
    }
    let (t, v, l) = curve(epochs);
    let splits = tuneup_store::Splits {
        train: 4000,
        val: 1000,
        train_dev: None,
        test: None,
    };
    store
        .finish_run(
            id,
            &tuneup_store::Finish {
                train: Some(Scores {
                    loss: t + 0.1,
                    error: t,
                    metric: 1.0 - t,
                }),
                val: Some(Scores {
                    loss: l,
                    error: v,
                    metric: 1.0 - v,
                }),
                splits: Some(splits),
                ..tuneup_store::Finish::bare(RunState::Complete, None, epochs as f64)
            },
        )
        .unwrap();
    id
}

#[test]
fn recorded_runs_with_hand_made_curves_get_the_matching_first_remedy() {
    let env = Env::new();
    let store = tuneup_store::SqliteStore::open(&env.store()).unwrap();
    let exp = "task = \"classification\"\ntarget_error = 0.01\n[data]\ntrain = \"x.csv\"\n[model]\nkind = \"mlp\"\nhidden = [64]\n[train]\nepochs = 30\n";
    // Training error falls to 0; validation loss bottoms out at epoch 8 and rises.
    let hv = record_run(&store, exp, 30, |e| {
        (
            (0.2 / e as f64).max(0.0),
            0.12,
            0.3 + 0.002 * (e as f64 - 8.0).powi(2),
        )
    });
    // Both errors flat and far above the target.
    let hb = record_run(&store, exp, 30, |_| (0.45, 0.46, 1.21));
    drop(store);
    let first = |id: i64| {
        let o = env.tuneup(&["diagnose", &id.to_string(), "--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let d: Value = serde_json::from_slice(&o.stdout).unwrap();
        let ids: Vec<String> = d["remedies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["available"] == true)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        (d["verdict"].as_str().unwrap().to_string(), ids)
    };
    let (v, ids) = first(hv);
    assert_eq!(v, "high_variance");
    assert_eq!(ids[0], "augmentation", "{ids:?}");
    let (v, ids) = first(hb);
    assert_eq!(v, "high_bias");
    assert_eq!(ids[..2], ["bigger_model", "train_longer"], "{ids:?}");
}

#[test]
fn small_validation_sets_are_judged_by_cross_validation() {
    let env = Env::new();
    let e = exp(
        &env,
        "cv.toml",
        &HIGH_VARIANCE.replace("limit = 430", "limit = 430\ntest_fraction = 0.2"),
    );
    let args = [
        "improve",
        e.to_str().unwrap(),
        "--cv",
        "3",
        "--remedies",
        "train_longer,tuning_regularization",
        "--max-runs",
        "3",
        "--budget",
        "4m",
    ];
    let o = env.tuneup(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "cv");
    let show = |id: &Value| show(&env, id);
    // The baseline is a 3-fold CV run over the 344 rows left by the test hold-out; its value is
    // the out-of-fold accuracy.
    let base = show(&l[0]["run_id"]);
    let folds = base["extra"]["cv"]["folds_runs"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(folds.len(), 3, "{base}");
    assert_eq!(base["splits"]["val"], 344, "{base}");
    let oof = base["extra"]["cv"]["oof_metric"].as_f64().unwrap();
    assert_eq!(l[0]["value"].as_f64().unwrap(), oof);
    for f in &folds {
        assert_eq!(show(f)["parent_id"], l[0]["run_id"]);
    }
    // Each remedy is a CV run too, judged against the best by the paired test over all rows.
    let remedies: Vec<&Value> = l.iter().filter(|s| s["kind"] == "remedy").collect();
    assert_eq!(remedies.len(), 2, "{l:?}");
    for s in &remedies {
        let r = s["reason"].as_str().unwrap();
        assert!(
            r.contains("out-of-fold accuracy") && r.contains("paired z"),
            "{r}"
        );
        let run = show(&s["run_id"]);
        assert_eq!(
            run["extra"]["cv"]["folds_runs"].as_array().unwrap().len(),
            3
        );
    }
    // Longer training continues each fold of its parent (constant learning rate).
    let longer = remedies
        .iter()
        .find(|s| s["remedy"] == "train_longer")
        .unwrap();
    assert!(
        longer["reason"]
            .as_str()
            .unwrap()
            .contains("continued each fold of run"),
        "{longer}"
    );
    // The study searches on the first fold; its best trial is that fold's run.
    let study = remedies
        .iter()
        .find(|s| s["remedy"] == "tuning_regularization")
        .unwrap();
    let reason = study["reason"].as_str().unwrap();
    assert!(reason.contains("searched on fold 1"), "{reason}");
    let first_fold = show(&show(&study["run_id"])["extra"]["cv"]["folds_runs"][0]);
    assert!(
        first_fold["name"].as_str().unwrap().contains("trial"),
        "{first_fold}"
    );
    // The ensemble step works on out-of-fold predictions; the final model's test score is its
    // fold models averaged.
    let n = l.len();
    assert_eq!(l[n - 2]["kind"], "ensemble");
    assert!(l[n - 2]["reason"].as_str().unwrap().contains("out-of-fold"));
    let last = &l[n - 1];
    assert_eq!(last["kind"], "final");
    let fin = show(&last["run_id"]);
    if fin["model"] != "ensemble" {
        assert!(
            last["reason"]
                .as_str()
                .unwrap()
                .contains("its fold models averaged"),
            "{last}"
        );
    }
    let test = fin["test"]["metric"].as_f64().unwrap();
    assert_eq!(last["value"].as_f64().unwrap(), test);
    // The chain is judged by CV: resuming it on the validation split is bad input.
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--cv",
        "off",
        "--budget",
        "4m",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--cv"), "{}", stderr(&o));
    let o = env.tuneup(&["improve", e.to_str().unwrap(), "--cv", "1"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--cv") && stderr(&o).contains("at least 2"),
        "{}",
        stderr(&o)
    );
    assert_eq!(ledger(&env, "cv").len(), n);
}

#[test]
fn spent_remedies_leave_the_budget_to_more_seeds_for_the_ensemble() {
    let env = Env::new();
    let e = exp(&env, "sd.toml", HIGH_VARIANCE);
    let o = env.tuneup(&[
        "improve",
        e.to_str().unwrap(),
        "--remedies",
        "dropout,more_seeds",
        "--budget",
        "3m",
        "--cv",
        "off",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = ledger(&env, "sd");
    let seeds: Vec<&Value> = l.iter().filter(|s| s["remedy"] == "more_seeds").collect();
    // --ensemble 3: two more seeds of the best, each its own judged child with another seed.
    assert_eq!(seeds.len(), 2, "{l:?}");
    for (k, s) in seeds.iter().enumerate() {
        assert!(
            ["kept", "rejected"].contains(&s["state"].as_str().unwrap()),
            "{s}"
        );
        assert_eq!(s["changes"][0]["key"], "seed", "{s}");
        let run = show(&env, &s["run_id"]);
        let parent = show(&env, &s["parent_run"]);
        assert_ne!(run["config"]["seed"], parent["config"]["seed"], "seed {k}");
        assert_eq!(run["config"]["model"], parent["config"]["model"]);
    }
    // The final ensemble step chooses among them; the final row says why the chain stopped
    // and how much budget it left.
    let n = l.len();
    assert_eq!(l[n - 2]["kind"], "ensemble", "{:?}", l[n - 2]);
    let why = l[n - 1]["reason"].as_str().unwrap();
    assert!(
        why.contains("further seeds for the final ensemble are trained")
            && why.contains("s of the budget left"),
        "{why}"
    );
}
