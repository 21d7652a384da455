//! The model zoo: listing with sizes, new architectures training on real data, budgets.

mod common;

use common::*;

#[test]
fn zoo_lists_models_with_their_sizes_for_an_input() {
    let env = Env::new();
    let j = json(&env.tuneup(&["zoo", "--input", "40", "--classes", "10", "--json"]));
    let models = j["models"].as_array().unwrap();
    let find = |n: &str| models.iter().find(|m| m["name"] == n).unwrap().clone();
    // The MNIST-1D paper's CNN: 7,460 parameters (counted by hand in tuneup-core's zoo tests).
    assert_eq!(find("conv1d")["params"], 7460);
    assert_eq!(
        find("mlp")["params"],
        40 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    );
    assert_eq!(find("cnn")["fits"], false);
    let j = json(&env.tuneup(&["zoo", "--input", "1x28x28", "--json"]));
    let cnn = j["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "cnn")
        .unwrap()
        .clone();
    assert_eq!(cnn["params"], 421_642);
    assert_bad_input(
        &env.tuneup(&["zoo", "--input", "28by28"]),
        &["--input", "1x28x28"],
    );
}

#[test]
fn conv1d_and_resmlp_train_on_mnist1d() {
    let env = Env::new();
    let data = shared_data().join("mnist1d/mnist1d_train.csv");
    for (name, model) in [
        ("c.toml", "kind = \"conv1d\"\nnorm = \"batch\"\n"),
        (
            "r.toml",
            "kind = \"resmlp\"\nwidth = 64\nblocks = 2\nnorm = \"layer\"\n",
        ),
    ] {
        let exp = env.experiment(
            name,
            &data,
            "classification",
            &format!("target = \"label\"\nshape = [1, 40]\nlimit = 1500\n[model]\n{model}[optimizer]\nkind = \"adam\"\nlr = 0.003\n[augment]\nshift = 3\n[train]\nepochs = 8\n"),
        );
        let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let j = json(&o);
        // Chance is 90% error.
        assert!(j["val_error"].as_f64().unwrap() < 0.75, "{name}: {j}");
    }
    let j = json(&env.tuneup(&["show", "1", "--json"]));
    let zoo = json(&env.tuneup(&["zoo", "--input", "1x40", "--json"]));
    let bn = zoo["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "conv1d")
        .unwrap()["params"]
        .as_u64()
        .unwrap();
    // Batch norm adds a scale and a shift per channel: 3 convs x 25 x 2.
    assert_eq!(j["params"].as_u64().unwrap(), bn + 150);
}

#[test]
fn a_model_over_the_parameter_budget_is_refused_with_the_numbers() {
    let env = Env::new();
    let exp = env.experiment(
        "big.toml",
        &digits_csv(),
        "classification",
        "[model]\nkind = \"mlp\"\nhidden = [512, 512]\n",
    );
    let text = std::fs::read_to_string(&exp).unwrap();
    std::fs::write(&exp, format!("max_params = 50000\n{text}")).unwrap();
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &[
            "big.toml",
            "line 1",
            "max_params",
            "over the budget of 50000",
        ],
    );
    // Nothing was recorded; under the budget it trains.
    assert_eq!(code(&env.tuneup(&["runs"])), 2);
    std::fs::write(&exp, format!("max_params = 400000\n{text}")).unwrap();
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["params"], 64 * 512 + 512 + 512 * 512 + 512 + 5130);
    // A FLOP budget likewise.
    std::fs::write(&exp, format!("max_flops = 1000\n{text}")).unwrap();
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["max_flops", "FLOPs per sample"],
    );
}

#[test]
fn a_student_distils_from_teachers_and_records_them() {
    let env = Env::new();
    let teacher = env.experiment(
        "t.toml",
        &digits_csv(),
        "classification",
        "split_seed = 0\n[model]\nkind = \"mlp\"\nhidden = [128]\n[optimizer]\nkind = \"adam\"\n[train]\nepochs = 10\n",
    );
    assert_eq!(code(&env.tuneup(&["train", teacher.to_str().unwrap()])), 0);
    assert_eq!(code(&env.tuneup(&["train", teacher.to_str().unwrap()])), 0);
    let student = env.experiment(
        "s.toml",
        &digits_csv(),
        "classification",
        "split_seed = 0\n[model]\nkind = \"mlp\"\nhidden = [8]\n[optimizer]\nkind = \"adam\"\nlr = 0.01\n[train]\nepochs = 10\n",
    );
    let o = env.tuneup(&[
        "distill",
        "--teacher",
        "1",
        "--teacher",
        "2",
        student.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    assert!(j["val_error"].as_f64().unwrap() < 0.3, "{j}");
    let run = json(&env.tuneup(&["show", &j["run_id"].to_string(), "--json"]));
    assert_eq!(run["parent_id"], 1);
    assert_eq!(
        run["extra"]["distill"]["teachers"],
        serde_json::json!([1, 2])
    );
    // Its configuration names the teachers: trained again from it with `tuneup train`, it is
    // the same student, bit for bit.
    assert_eq!(
        run["config"]["distill"],
        serde_json::json!({"teachers": [1, 2], "alpha": 0.5, "temperature": 4.0})
    );
    let again = env.write(
        "again.toml",
        std::fs::read_to_string(&student).unwrap() + "[distill]\nteachers = [1, 2]\n",
    );
    let o = env.tuneup(&["train", again.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["val"], j["val"]);
    assert_bad_input(
        &env.tuneup(&["distill", student.to_str().unwrap()]),
        &["no teachers", "--teacher"],
    );
    let missing = env.write(
        "missing.toml",
        std::fs::read_to_string(&student).unwrap() + "[distill]\nteachers = [99]\n",
    );
    assert_bad_input(
        &env.tuneup(&["train", missing.to_str().unwrap()]),
        &["distill.teachers", "no run 99"],
    );
    let bad = env.write(
        "bad.toml",
        std::fs::read_to_string(&student).unwrap() + "[distill]\nteachers = [1]\nalpha = 3\n",
    );
    assert_bad_input(
        &env.tuneup(&["train", bad.to_str().unwrap()]),
        &["distill.alpha", "[0, 1]"],
    );
    // With augmentation the teachers see each augmented batch.
    let aug = env.write(
        "a.toml",
        std::fs::read_to_string(&student).unwrap() + "[augment]\nnoise = 0.1\n",
    );
    let o = env.tuneup(&["distill", "--teacher", "1", aug.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A teacher of other data, a bad weight, and resuming a distilled run are refused.
    let wine = env.experiment(
        "w.toml",
        &shared_data().join("tabular/wine.csv"),
        "classification",
        "[model]\nkind = \"mlp\"\n[train]\nepochs = 2\n",
    );
    assert_eq!(code(&env.tuneup(&["train", wine.to_str().unwrap()])), 0);
    let wine_id = json(&env.tuneup(&["runs", "--json"]))
        .as_array()
        .unwrap()
        .last()
        .unwrap()["run_id"]
        .to_string();
    assert_bad_input(
        &env.tuneup(&["distill", "--teacher", &wine_id, student.to_str().unwrap()]),
        &["does not fit the student's data"],
    );
    assert_bad_input(
        &env.tuneup(&[
            "distill",
            "--teacher",
            "1",
            "--alpha",
            "2",
            student.to_str().unwrap(),
        ]),
        &["--alpha"],
    );
    assert_bad_input(
        &env.tuneup(&["resume", &j["run_id"].to_string(), "--epochs", "20"]),
        &["distilled"],
    );
}

#[test]
fn zoo_bench_trains_each_fitting_model_for_the_budget() {
    let env = Env::new();
    let o = env.tuneup(&[
        "zoo",
        "bench",
        digits_csv().to_str().unwrap(),
        "--budget",
        "1s",
        "--models",
        "mlp,resmlp,cnn",
        "-o",
        "zoo.csv",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    let rows = j["rows"].as_array().unwrap();
    // The CNN does not fit 64-feature vectors, so it is left out.
    assert_eq!(
        rows.iter()
            .map(|r| r["model"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["mlp", "resmlp"]
    );
    for r in rows {
        assert!(r["val_metric"].as_f64().unwrap() > 0.5, "{r}");
        assert!(r["train_samples_per_s"].as_f64().unwrap() > 0.0);
        // The time budget, not the 10,000 epochs, ended each run.
        let run = json(&env.tuneup(&["show", &r["run_id"].to_string(), "--json"]));
        assert!(run["epochs"].as_array().unwrap().len() < 10_000);
    }
    let csv = std::fs::read_to_string(env.path("zoo.csv")).unwrap();
    assert!(
        csv.starts_with("model,kind,params,flops,epochs,accuracy_val,accuracy_test,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3);
    assert_bad_input(
        &env.tuneup(&[
            "zoo",
            "bench",
            digits_csv().to_str().unwrap(),
            "--budget",
            "soon",
        ]),
        &["--budget"],
    );
    assert_bad_input(
        &env.tuneup(&[
            "zoo",
            "bench",
            digits_csv().to_str().unwrap(),
            "--models",
            "vgg",
        ]),
        &["vgg", "conv1d"],
    );
}
