//! `tuneup diagnose` and `tuneup curve` on real runs (issue 4's "done when" list).

mod common;

use common::*;

fn train(env: &Env, name: &str, toml: &str) -> serde_json::Value {
    let exp = env.write(name, toml);
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    json(&o)
}

fn diagnose(env: &Env, run: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["diagnose", run, "--json"];
    args.extend(extra);
    let o = env.tuneup(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)
}

#[test]
fn linear_model_on_mnist1d_is_high_bias() {
    // No hidden layer: logistic regression (the MNIST-1D paper: 32% test accuracy; humans 96%).
    let env = Env::new();
    let data = shared_data().join("mnist1d/mnist1d_train.csv");
    let j = train(
        &env,
        "lin.toml",
        &format!(
            "task = \"classification\"\nseed = 1\ntarget_error = 0.04\n[data]\ntrain = {:?}\n[model]\nkind = \"mlp\"\nhidden = []\n[train]\nepochs = 30\n",
            data.display().to_string()
        ),
    );
    let acc = j["metric"]["value"].as_f64().unwrap();
    assert!(
        acc > 0.25 && acc < 0.40,
        "a linear model on MNIST-1D: {acc}"
    );
    let d = diagnose(&env, "1", &[]);
    assert_eq!(d["verdict"], "high_bias", "{d}");
    assert!(d["avoidable_bias"]["high"].as_bool().unwrap());
    assert_eq!(d["errors"]["train"]["n"], 3200);
    assert_eq!(d["errors"]["val"]["n"], 800);
    let first = &d["remedies"][0];
    assert_eq!(first["category"], "bias");
    // Each available remedy names a concrete change to the experiment.
    let bigger = d["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "bigger_model")
        .unwrap();
    assert_eq!(bigger["changes"][0]["key"], "model.hidden");
    assert_eq!(bigger["changes"][0]["to"], serde_json::json!([128]));
}

#[test]
fn wide_mlp_on_300_digits_is_high_variance() {
    let env = Env::new();
    // 300 training samples (a 20.87% slice of the 1,438-sample training split), validation
    // fixed at 359; a wide MLP, no regularization, trained long.
    let j = train(
        &env,
        "wide.toml",
        &format!(
            "task = \"classification\"\nseed = 1\ntarget_error = 0.01\n[data]\ntrain = {:?}\ntrain_fraction = 0.2087\n[model]\nkind = \"mlp\"\nhidden = [1024, 1024]\n[train]\nepochs = 150\nbatch_size = 32\n",
            digits_csv().display().to_string()
        ),
    );
    assert_eq!(j["status"], "complete");
    let d = diagnose(&env, "1", &["--plot", "curves.svg"]);
    assert_eq!(d["verdict"], "high_variance", "{d}");
    assert_eq!(d["errors"]["train"]["n"], 300);
    assert!(d["variance"]["gap"]["low"].as_f64().unwrap() > 0.0);
    let ids: Vec<&str> = d["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"dropout") && ids.contains(&"weight_decay"),
        "{ids:?}"
    );
    assert!(
        d["curves"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "overfitting"),
        "{}",
        d["curves"]
    );
    let svg = std::fs::read_to_string(env.path("curves.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("early stop") && svg.contains("target 0.01"),
        "{}",
        &svg[..200]
    );
    // The human report says the same.
    let text = stdout(&env.tuneup(&["diagnose", "1"]));
    assert!(
        text.contains("HIGH VARIANCE") && text.contains("model.dropout = 0.2"),
        "{text}"
    );
}

#[test]
fn learning_rate_far_too_high_is_unstable() {
    let env = Env::new();
    let j = train(
        &env,
        "hot.toml",
        &format!(
            "task = \"classification\"\n[data]\ntrain = {:?}\n[model]\nkind = \"mlp\"\nhidden = [64]\n[optimizer]\nkind = \"sgd\"\nlr = 1e6\n[train]\nepochs = 3\n",
            digits_csv().display().to_string()
        ),
    );
    assert_eq!(j["status"], "failed");
    let d = diagnose(&env, "1", &[]);
    assert_eq!(d["verdict"], "unstable_optimization", "{d}");
    assert_eq!(d["remedies"][0]["id"], "lower_learning_rate");
    assert_eq!(d["remedies"][0]["changes"][0]["to"], 100000.0);
}

#[test]
fn two_point_gap_on_100_validation_samples_is_not_variance() {
    let env = Env::new();
    // 500 digits: 400 train, 100 validation; a regularised MLP.
    train(
        &env,
        "small.toml",
        &format!(
            "task = \"classification\"\nseed = 2\n[data]\ntrain = {:?}\nlimit = 500\n[model]\nkind = \"mlp\"\nhidden = [128]\ndropout = 0.3\n[optimizer]\nkind = \"adam\"\nweight_decay = 0.001\n[train]\nepochs = 40\n",
            digits_csv().display().to_string()
        ),
    );
    let d = diagnose(&env, "1", &[]);
    assert_eq!(d["errors"]["val"]["n"], 100);
    let gap = d["variance"]["gap"]["value"].as_f64().unwrap();
    assert!(
        (0.015..=0.035).contains(&gap),
        "the setup should give a 2-3 point gap, got {gap}"
    );
    assert_eq!(d["variance"]["high"], false, "{d}");
    assert_ne!(d["verdict"], "high_variance");
    assert!(d["variance"]["gap"]["low"].as_f64().unwrap() < 0.0);
}

#[test]
fn train_dev_split_separates_variance_from_mismatch() {
    let env = Env::new();
    let j = train(
        &env,
        "td.toml",
        &format!(
            "task = \"classification\"\n[data]\ntrain = {:?}\ntrain_dev_fraction = 0.25\n[model]\nkind = \"mlp\"\nhidden = [64]\n[train]\nepochs = 10\n",
            digits_csv().display().to_string()
        ),
    );
    assert!(j["train_dev_error"].is_number(), "{j}");
    let d = diagnose(&env, "1", &["--target-error", "0.02"]);
    assert_eq!(d["errors"]["train_dev"]["n"], 360);
    assert_eq!(d["errors"]["train"]["n"], 1078);
    assert!(d["data_mismatch"].is_object(), "{d}");
    assert_eq!(d["errors"]["target"]["value"], 0.02);
    assert_eq!(d["errors"]["target_assumed"], false);
}

#[test]
fn learning_curve_on_digits_falls_with_data_and_forecasts() {
    let env = Env::new();
    let exp = env.write("c.toml", format!("task = \"classification\"\nname = \"digits curve\"\n[data]\ntrain = {:?}\n[model]\nkind = \"mlp\"\nhidden = [64]\n[train]\nepochs = 30\n", digits_csv().display().to_string()));
    let o = env.tuneup(&[
        "curve",
        exp.to_str().unwrap(),
        "--sizes",
        "0.1,0.2,0.4,0.7,1.0",
        "--json",
        "--plot",
        "curve.svg",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    let c = &j["curve"];
    let pts = c["points"].as_array().unwrap();
    assert_eq!(pts.len(), 5);
    let n: Vec<u64> = pts.iter().map(|p| p["n_train"].as_u64().unwrap()).collect();
    assert_eq!(n, vec![144, 288, 575, 1007, 1438]);
    let val: Vec<f64> = pts
        .iter()
        .map(|p| p["val_error"].as_f64().unwrap())
        .collect();
    assert!(
        val[0] > val[4] + 0.03,
        "validation error should fall with data: {val:?}"
    );
    let fit = &c["fit"];
    assert!(fit["b"].as_f64().unwrap() > 0.0, "{fit}");
    let f = &c["forecasts"][0];
    assert_eq!(f["n"], 2876.0);
    assert!(
        f["low"].as_f64().unwrap() <= f["error"].as_f64().unwrap()
            && f["error"].as_f64().unwrap() <= f["high"].as_f64().unwrap(),
        "{f}"
    );
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("Forecast with 2x data")
    );
    assert!(c["summary"].as_str().unwrap().contains("Verdict: "));
    // The children are runs of their own, with the curve as parent; show displays the curve.
    let runs = json(&env.tuneup(&["runs", "--json"]));
    assert_eq!(runs.as_array().unwrap().len(), 6);
    assert_eq!(runs[1]["parent_id"], 1);
    let shown = stdout(&env.tuneup(&["show", "1"]));
    assert!(
        shown.contains("learning curve") && shown.contains("1438"),
        "{shown}"
    );
    assert!(
        std::fs::read_to_string(env.path("curve.svg"))
            .unwrap()
            .contains("power-law fit")
    );
    // Bad sizes are bad input.
    assert_bad_input(
        &env.tuneup(&["curve", exp.to_str().unwrap(), "--sizes", "0.1,2"]),
        &["--sizes", "2"],
    );
}
