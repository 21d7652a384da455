//! Boosted trees end to end on a real messy table (credit_data: text categories, missing
//! cells), from the raw file: a run like any other (show with rounds and feature importance,
//! predict, eval, cv, an ensemble with a net, a study over the trees' knobs), seeded, and bad
//! knobs refused with their key; the improve loop proposes the trees for a net on a table.

mod common;

use common::*;
use serde_json::Value;

fn credit() -> std::path::PathBuf {
    shared_data().join("messy/credit_data.csv")
}

const TREES: &str = "\n[model]\nkind = \"gbdt\"\nrounds = 300\nlearning_rate = 0.1\nmax_leaves = 15\nearly_stopping_rounds = 30\n";

fn trees_exp(env: &Env, name: &str, model: &str) -> std::path::PathBuf {
    env.experiment(
        name,
        &credit(),
        "classification",
        &format!("target = \"Status\"\nval_fraction = 0.2\n{model}"),
    )
}

fn show(env: &Env, run: i64) -> Value {
    let o = env.tuneup(&["show", &run.to_string(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)
}

fn train(env: &Env, exp: &std::path::Path) -> Value {
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)
}

#[test]
fn trees_train_predict_and_explain_on_a_messy_table() {
    let env = Env::new();
    let exp = trees_exp(&env, "trees.toml", TREES);
    let t = train(&env, &exp);
    let run = t["run_id"].as_i64().unwrap();
    let s = show(&env, run);
    assert_eq!(s["model"], "gbdt");
    let rounds = s["epochs"].as_array().unwrap();
    let best = s["best_epoch"].as_i64().unwrap() as usize;
    assert!(rounds.len() <= 300 && best <= rounds.len() && best >= 1);
    // Early stopping: 30 rounds without a better validation accuracy, or all 300.
    assert!(
        rounds.len() == 300 || rounds.len() == best + 30,
        "{} rounds, best {best}",
        rounds.len()
    );
    // Training loss falls round after round (boosting on the training rows).
    let loss = |i: usize| rounds[i]["train_loss"].as_f64().unwrap();
    assert!(loss(rounds.len() - 1) < 0.8 * loss(0));
    // Better than the majority class (72% good) on validation.
    let acc = s["val"]["metric"].as_f64().unwrap();
    assert!(acc > 0.76, "validation accuracy {acc}");
    assert!(s["params"].as_u64().unwrap() > 15, "leaves counted");
    let text = stdout(&env.tuneup(&["show", &run.to_string()]));
    assert!(
        text.contains("leaves") && text.contains("feature importance"),
        "{text}"
    );
    // Income and seniority matter for credit status; a feature's share is printed.
    assert!(text.contains('%'), "{text}");
    // The report shows the same importance, as bars.
    let o = env.tuneup(&["report", &run.to_string(), "-o", "r.html"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(env.path("r.html")).unwrap();
    assert!(html.contains("Feature importance"));
    // Boosting is not resumed: a clear refusal, nothing recorded.
    let o = env.tuneup(&["resume", &run.to_string(), "--epochs", "500"]);
    assert_bad_input(&o, &["boosted trees", "model.rounds"]);
    // The same seed gives the same trees.
    let again = train(&env, &exp);
    let s2 = show(&env, again["run_id"].as_i64().unwrap());
    assert_eq!(s["val"], s2["val"]);
    assert_eq!(
        s["epochs"].as_array().unwrap().len(),
        s2["epochs"].as_array().unwrap().len()
    );
    // Predict on the raw file without the target (missing cells and all), and eval with it.
    let raw = std::fs::read_to_string(credit()).unwrap();
    let header: Vec<&str> = raw.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|c| *c == "Status").unwrap();
    let unlabelled: String = raw
        .lines()
        .take(201)
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(at);
            f.join(",") + "\n"
        })
        .collect();
    env.write("new.csv", unlabelled);
    let o = env.tuneup(&["predict", &run.to_string(), "new.csv", "-o", "sub.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sub = std::fs::read_to_string(env.path("sub.csv")).unwrap();
    assert_eq!(sub.lines().count(), 201);
    assert!(
        sub.lines()
            .skip(1)
            .all(|l| l.ends_with(",good") || l.ends_with(",bad")),
        "{sub}"
    );
    let o = env.tuneup(&[
        "eval",
        &run.to_string(),
        credit().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = json(&o);
    assert!(e["metric"]["value"].as_f64().unwrap() > 0.78, "{e}");
}

#[test]
fn trees_cross_validate_join_an_ensemble_with_a_net_and_tune() {
    let env = Env::new();
    let exp = trees_exp(&env, "trees.toml", &format!("{TREES}\n[cv]\nfolds = 3\n"));
    let o = env.tuneup(&["cv", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let cv = json(&o);
    let cv_run = cv["run_id"].as_i64().unwrap();
    let net = trees_exp(
        &env,
        "net.toml",
        "\n[model]\nkind = \"tabular\"\nhidden = [32]\n\n[train]\nepochs = 3\n",
    );
    let n = train(&env, &net)["run_id"].as_i64().unwrap();
    let o = env.tuneup(&["ensemble", &cv_run.to_string(), &n.to_string(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ens = json(&o)["run_id"].as_i64().unwrap();
    let o = env.tuneup(&[
        "eval",
        &ens.to_string(),
        credit().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(json(&o)["metric"]["value"].as_f64().unwrap() > 0.75);
    // A study over the trees' knobs: every trial a gbdt run with its sampled knobs.
    let study = trees_exp(
        &env,
        "study.toml",
        &format!(
            "{TREES}\n[search]\nsampler = \"tpe\"\n[search.space]\n\"model.learning_rate\" = {{ float = [0.03, 0.3], log = true }}\n\"model.max_leaves\" = {{ int = [4, 64], log = true }}\n"
        ),
    );
    let o = env.tuneup(&["tune", study.to_str().unwrap(), "--trials", "4"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = env.tuneup(&["study", "study", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let trials = json(&o)["trials"].as_array().unwrap().clone();
    assert_eq!(trials.len(), 4);
    for t in trials.iter().filter(|t| t["state"] == "complete") {
        let s = show(&env, t["run_id"].as_i64().unwrap());
        let leaves = t["params"]["model.max_leaves"].as_i64().unwrap();
        assert_eq!(s["config"]["model"]["max_leaves"].as_i64(), Some(leaves));
        assert_eq!(s["config"]["model"]["kind"], "gbdt");
    }
}

#[test]
fn bad_tree_knobs_name_their_key() {
    let env = Env::new();
    for (model, key, what) in [
        ("learning_rate = 0.0", "model.learning_rate", "(0, 1]"),
        ("max_leaves = 1", "model.max_leaves", "at least 2"),
        ("max_bins = 300", "model.max_bins", "2 to 255"),
        ("subsample = 1.5", "model.subsample", "(0, 1]"),
        (
            "hidden = [16]",
            "model.hidden",
            "does not apply to model kind `gbdt`",
        ),
    ] {
        let exp = trees_exp(
            &env,
            "bad.toml",
            &format!("\n[model]\nkind = \"gbdt\"\n{model}\n"),
        );
        let o = env.tuneup(&["train", exp.to_str().unwrap()]);
        assert_bad_input(&o, &["bad.toml", key, what, "line 11"]);
    }
    assert!(
        !env.store().exists(),
        "nothing recorded for a refused experiment"
    );
}

/// A chain named `wine` on the wine table (a 4-minute budget) and its ledger.
fn improve_wine(env: &Env, extra: &[&str]) -> (std::process::Output, Value) {
    let data = shared_data().join("tabular/wine.csv");
    let mut args = vec![
        "improve",
        data.to_str().unwrap(),
        "--target",
        "target",
        "--budget",
        "4m",
        "--chain",
        "wine",
    ];
    args.extend_from_slice(extra);
    let o = env.tuneup(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ledger = json(&env.tuneup(&["history", "wine", "--json"]));
    (o, ledger)
}

#[test]
fn improve_offers_trees_first_for_a_net_on_a_table() {
    let env = Env::new();
    let (_, ledger) = improve_wine(&env, &["--max-runs", "2"]);
    let steps = ledger.as_array().unwrap();
    let first = steps.iter().find(|s| s["kind"] == "remedy").unwrap();
    assert_eq!(first["remedy"], "boosted_trees", "{ledger}");
    let run = first["run_id"].as_i64().unwrap();
    assert_eq!(show(&env, run)["config"]["model"]["kind"], "gbdt");
}

#[test]
fn when_the_best_has_no_remedy_left_the_other_family_gets_its_turn() {
    let env = Env::new();
    // Only two remedies allowed: trees for the net, subsampling (a tree remedy) for the trees.
    let (o, ledger) = improve_wine(
        &env,
        &["--max-runs", "3", "--remedies", "boosted_trees,subsampling"],
    );
    let steps = ledger.as_array().unwrap();
    let trees = steps
        .iter()
        .find(|s| s["remedy"] == "boosted_trees")
        .unwrap_or_else(|| panic!("{ledger}"));
    let sub = steps
        .iter()
        .find(|s| s["remedy"] == "subsampling")
        .unwrap_or_else(|| panic!("the trees' remedy was never tried: {ledger}"));
    // Subsampling grows from the trees' run, whether or not the trees became the best.
    assert_eq!(sub["parent_run"], trees["run_id"], "{ledger}");
    if trees["state"] == "rejected" {
        assert!(
            stdout(&o).contains("the best of the other model family")
                || stderr(&o).contains("the best of the other model family"),
            "{}",
            stderr(&o)
        );
    }
}
