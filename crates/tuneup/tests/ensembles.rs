//! Cross-validation and ensembles end to end, on real data.

mod common;

use common::*;

/// Digits split into a training file and a test file (the last 297 rows), in `env`.
fn split_digits(env: &Env) -> (std::path::PathBuf, std::path::PathBuf) {
    let text = std::fs::read_to_string(digits_csv()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (train, test) = rows.split_at(1500);
    let w = |name: &str, rows: &[&str]| env.write(name, format!("{header}\n{}\n", rows.join("\n")));
    (w("train.csv", train), w("test.csv", test))
}

fn quick(env: &Env, name: &str, seed: u64, extra: &str) -> std::path::PathBuf {
    env.write(
        name,
        format!(
            "task = \"classification\"\nseed = {seed}\n[data]\ntrain = \"train.csv\"\ntest = \"test.csv\"\nsplit_seed = 0\n[model]\nkind = \"mlp\"\nhidden = [64]\n{extra}[train]\nepochs = 8\n"
        ),
    )
}

fn oof(path: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn cv_is_stratified_reproducible_and_keeps_out_of_fold_predictions() {
    let env = Env::new();
    let exp = env.experiment(
        "cv.toml",
        &digits_csv(),
        "classification",
        "limit = 600\n[model]\nkind = \"mlp\"\nhidden = [32]\n[optimizer]\nkind = \"adam\"\nlr = 0.003\n[train]\nepochs = 8\n[cv]\nfolds = 4\n",
    );
    let a = json(&env.tuneup(&["cv", exp.to_str().unwrap(), "--json"]));
    let cv = &a["cv"];
    assert_eq!(cv["scheme"], "stratified k-fold");
    assert_eq!(cv["per_fold"].as_array().unwrap().len(), 4);
    assert!(cv["mean"].as_f64().unwrap() > 0.8, "{cv}");
    assert!(cv["std"].as_f64().unwrap() >= 0.0);
    // Each fold is a child run of the CV run.
    let runs = json(&env.tuneup(&["runs", "--json"]));
    let children = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["parent_id"] == a["run_id"])
        .count();
    assert_eq!(children, 4);
    // Out-of-fold: one prediction per training row, each class spread evenly over the folds.
    let rows = oof(cv["oof"].as_str().unwrap());
    assert_eq!(rows.len(), 600);
    let mut counts = std::collections::BTreeMap::<(String, String), usize>::new();
    for r in &rows {
        *counts.entry((r[2].clone(), r[1].clone())).or_default() += 1;
        let p: f64 = r[3..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((p - 1.0).abs() < 1e-6);
    }
    for class in 0..10 {
        let per: Vec<usize> = (1..=4)
            .map(|f| {
                counts
                    .get(&(class.to_string(), f.to_string()))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        assert!(
            per.iter().max().unwrap() - per.iter().min().unwrap() <= 1,
            "class {class}: {per:?}"
        );
    }
    // Same seed, same folds and numbers.
    let b = json(&env.tuneup(&["cv", exp.to_str().unwrap(), "--json"]));
    assert_eq!(
        a["cv"]["per_fold"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["val_metric"].clone())
            .collect::<Vec<_>>(),
        b["cv"]["per_fold"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["val_metric"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        oof(a["cv"]["oof"].as_str().unwrap()),
        oof(b["cv"]["oof"].as_str().unwrap())
    );
    // The diagnosis reads the CV run: validation = all 600 out-of-fold rows.
    let d = json(&env.tuneup(&["diagnose", &a["run_id"].to_string(), "--json"]));
    assert_eq!(d["errors"]["val"]["n"], 600, "{d}");
    // The CV run predicts with its fold models together.
    let o = env.tuneup(&[
        "eval",
        &a["run_id"].to_string(),
        digits_csv().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn group_folds_keep_groups_together_and_the_column_is_not_a_feature() {
    let env = Env::new();
    let text = std::fs::read_to_string(digits_csv()).unwrap();
    let mut out = String::new();
    for (i, l) in text.lines().take(401).enumerate() {
        out.push_str(&if i == 0 {
            format!("patient,{l}\n")
        } else {
            format!("p{},{l}\n", i % 9)
        });
    }
    let data = env.write("grouped.csv", out);
    let exp = env.experiment(
        "g.toml",
        &data,
        "classification",
        "target = \"label\"\n[model]\nkind = \"mlp\"\nhidden = [16]\n[train]\nepochs = 2\n[cv]\nfolds = 3\ngroup = \"patient\"\n",
    );
    let o = env.tuneup(&["cv", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["cv"]["scheme"], "group k-fold");
    let rows = oof(j["cv"]["oof"].as_str().unwrap());
    let mut fold_of =
        std::collections::BTreeMap::<usize, std::collections::BTreeSet<String>>::new();
    for r in &rows {
        let row: usize = r[0].parse().unwrap();
        fold_of
            .entry((row + 1) % 9)
            .or_default()
            .insert(r[1].clone());
    }
    assert!(fold_of.values().all(|f| f.len() == 1), "{fold_of:?}");
    let run = json(&env.tuneup(&["show", &j["cv"]["folds_runs"][0].to_string(), "--json"]));
    assert_eq!(
        run["data_info"]["sample_shape"][0], 64,
        "the group column is not a feature"
    );
    // A group column that is not there is named.
    let bad = env.experiment(
        "b.toml",
        &data,
        "classification",
        "target = \"label\"\n[model]\nkind = \"mlp\"\n[cv]\ngroup = \"site\"\n",
    );
    assert_bad_input(
        &env.tuneup(&["cv", bad.to_str().unwrap()]),
        &["site", "patient"],
    );
}

#[test]
fn ensembles_predict_like_a_run_and_fit_weights_without_the_test_set() {
    let env = Env::new();
    split_digits(&env);
    for s in 1..=3 {
        let e = quick(
            &env,
            &format!("m{s}.toml"),
            s,
            if s == 3 { "dropout = 0.5\n" } else { "" },
        );
        assert_eq!(code(&env.tuneup(&["train", e.to_str().unwrap()])), 0);
    }
    let soft = json(&env.tuneup(&["ensemble", "1", "2", "3", "--json", "-o", "ens.toml"]));
    let id = soft["run_id"].to_string();
    assert!(
        std::fs::read_to_string(env.path("ens.toml"))
            .unwrap()
            .contains("members = [1, 2, 3]")
    );
    // predict and eval take the ensemble's id; eval on the test file gives its recorded score.
    let o = env.tuneup(&["eval", &id, "test.csv", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["metric"]["value"], soft["test"]["metric"]);
    let o = env.tuneup(&["predict", &id, "test.csv", "-o", "sub.csv", "--proba"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(env.path("sub.csv"))
            .unwrap()
            .lines()
            .count(),
        298
    );
    let hard = json(&env.tuneup(&["ensemble", "1", "2", "3", "--method", "hard", "--json"]));
    assert!(hard["test"]["metric"].as_f64().unwrap() > 0.8);
    // Weighted: fitted on validation predictions. Scrambling the test labels changes the test
    // score but not the weights: the test set is not read while fitting.
    let w1 = json(&env.tuneup(&["ensemble", "1", "2", "3", "--method", "weighted", "--json"]));
    let weights = &w1["ensemble"]["weights"];
    let sum: f64 = weights
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-9, "{weights}");
    assert_eq!(w1["ensemble"]["fitted_on"], "validation");
    let test = std::fs::read_to_string(env.path("test.csv")).unwrap();
    let scrambled: String = test
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let (x, y) = l.rsplit_once(',').unwrap();
                format!("{x},{}\n", (y.parse::<u32>().unwrap() + 3) % 10)
            }
        })
        .collect();
    env.write("test.csv", scrambled);
    let w2 = json(&env.tuneup(&["ensemble", "1", "2", "3", "--method", "weighted", "--json"]));
    assert_eq!(w2["ensemble"]["weights"], *weights);
    assert_ne!(w2["test"]["metric"], w1["test"]["metric"]);
}

#[test]
fn incompatible_members_and_bad_requests_are_refused() {
    let env = Env::new();
    split_digits(&env);
    let d = quick(&env, "d.toml", 1, "");
    assert_eq!(code(&env.tuneup(&["train", d.to_str().unwrap()])), 0);
    let wine = shared_data().join("tabular/wine.csv");
    let w = env.experiment(
        "w.toml",
        &wine,
        "classification",
        "[model]\nkind = \"mlp\"\n[train]\nepochs = 2\n",
    );
    assert_eq!(code(&env.tuneup(&["train", w.to_str().unwrap()])), 0);
    assert_bad_input(
        &env.tuneup(&["ensemble", "1", "2"]),
        &["run 2 cannot join", "classes"],
    );
    assert_bad_input(&env.tuneup(&["ensemble", "1"]), &["at least two models"]);
    assert_bad_input(
        &env.tuneup(&["ensemble", "1", "1", "--method", "mean"]),
        &["--method", "soft, hard or weighted"],
    );
    assert_bad_input(
        &env.tuneup(&["ensemble", "1", "--snapshots"]),
        &["no snapshots"],
    );
    let s = quick(&env, "s.toml", 1, "[optimizer]\nkind = \"adam\"\n")
        .to_str()
        .unwrap()
        .to_string();
    std::fs::write(
        &s,
        std::fs::read_to_string(&s)
            .unwrap()
            .replace("epochs = 8\n", "epochs = 8\nsnapshots = true\n"),
    )
    .unwrap();
    assert_bad_input(
        &env.tuneup(&["train", &s]),
        &["train.snapshots", "cosine_restarts"],
    );
}

#[test]
fn a_snapshot_ensemble_comes_from_one_run_with_restarts() {
    let env = Env::new();
    split_digits(&env);
    let e = quick(
        &env,
        "snap.toml",
        2,
        "[optimizer]\nkind = \"sgd\"\nlr = 0.1\n[schedule]\nkind = \"cosine_restarts\"\nt_0 = 2\n",
    );
    std::fs::write(
        &e,
        std::fs::read_to_string(&e)
            .unwrap()
            .replace("epochs = 8\n", "epochs = 6\nsnapshots = true\n"),
    )
    .unwrap();
    let o = env.tuneup(&["train", e.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let run = json(&env.tuneup(&["show", "1", "--json"]));
    let snaps: Vec<i64> = run["extra"]["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["epoch"].as_i64().unwrap())
        .collect();
    assert_eq!(snaps, vec![2, 4, 6], "one snapshot per cycle of 2 epochs");
    let j = json(&env.tuneup(&["ensemble", "1", "--snapshots", "--json"]));
    assert_eq!(j["ensemble"]["models"], 3);
    assert!(j["test"]["metric"].as_f64().unwrap() > 0.8, "{j}");
}

#[test]
fn a_dense_net_and_a_cnn_over_the_same_csv_columns_vote_together() {
    let env = Env::new();
    split_digits(&env);
    let mlp = quick(&env, "mlp.toml", 1, "");
    // The same 64 columns read as 1x8x8 images by a small CNN.
    let cnn = env.write(
        "cnn.toml",
        "task = \"classification\"\nseed = 2\n[data]\ntrain = \"train.csv\"\ntest = \"test.csv\"\nsplit_seed = 0\nshape = [1, 8, 8]\n[model]\nkind = \"cnn\"\nchannels = [8]\nhidden = 32\n[train]\nepochs = 4\n",
    );
    for e in [&mlp, &cnn] {
        let o = env.tuneup(&["train", e.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    // Either order: the first member's reading of the data decides how the test file is read.
    for ids in [["1", "2"], ["2", "1"]] {
        let o = env.tuneup(&["ensemble", ids[0], ids[1], "--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let e = json(&o);
        assert!(e["test"]["metric"].as_f64().unwrap() > 0.8, "{e}");
        let id = e["run_id"].to_string();
        let o = env.tuneup(&["eval", &id, "test.csv", "--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(json(&o)["metric"]["value"], e["test"]["metric"]);
    }
    // Weighted: the members' validation rows are the same rows.
    let o = env.tuneup(&["ensemble", "1", "2", "--method", "weighted", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
