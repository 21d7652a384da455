//! `tuneup score` and metrics in training (issue 3), driving the real binary.

mod common;

use common::*;

#[test]
fn scores_a_submission_written_by_predict() {
    let env = Env::new();
    let exp = env.experiment(
        "exp.toml",
        &digits_csv(),
        "classification",
        "metric = \"f1_macro\"\n[model]\nkind = \"mlp\"\nhidden = [64]\n[train]\nepochs = 5\n",
    );
    // metric is a top-level key: write it before [data].
    let text = std::fs::read_to_string(&exp)
        .unwrap()
        .replace("metric = \"f1_macro\"\n", "");
    std::fs::write(&exp, format!("metric = \"f1_macro\"\n{text}")).unwrap();
    let j = json(&env.tuneup(&["train", exp.to_str().unwrap(), "--json"]));
    assert_eq!(j["metric"]["name"], "f1_macro");
    // The experiment's metric is recorded per epoch, and shown.
    let show = json(&env.tuneup(&["show", "1", "--json"]));
    assert!(show["epochs"][4]["val_metric"].as_f64().unwrap() > 0.8);
    assert!(stdout(&env.tuneup(&["show", "1"])).contains("f1_macro"));

    let d = digits_csv();
    assert_eq!(
        code(&env.tuneup(&[
            "predict",
            "1",
            d.to_str().unwrap(),
            "-o",
            "sub.csv",
            "--proba"
        ])),
        0
    );
    let o = env.tuneup(&[
        "score",
        "--truth",
        d.to_str().unwrap(),
        "--pred",
        "sub.csv",
        "--metric",
        "accuracy",
        "--metric",
        "f1_macro",
        "--metric",
        "log_loss",
        "--metric",
        "roc_auc_ovr",
        "--metric",
        "top3_accuracy",
        "--metric",
        "confusion_matrix",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = json(&o);
    let e = json(&env.tuneup(&["eval", "1", d.to_str().unwrap(), "--json"]));
    // eval's metric is f1_macro on the same predictions.
    assert!(
        (s["metrics"]["f1_macro"].as_f64().unwrap() - e["metric"]["value"].as_f64().unwrap()).abs()
            < 1e-12
    );
    assert!(
        s["metrics"]["top3_accuracy"].as_f64().unwrap()
            >= s["metrics"]["accuracy"].as_f64().unwrap()
    );
    assert!(s["metrics"]["log_loss"].as_f64().unwrap() > 0.0);
    let cm = &s["confusion_matrix"]["matrix"];
    let total: u64 = cm
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 1797);
    // The human form says which way is better.
    let h = stdout(&env.tuneup(&[
        "score",
        "--truth",
        d.to_str().unwrap(),
        "--pred",
        "sub.csv",
        "--metric",
        "log_loss",
    ]));
    assert!(h.contains("lower is better"), "{h}");
}

#[test]
fn regression_and_text_files() {
    let env = Env::new();
    env.write("t.csv", "id,target\n1,3.0\n2,-0.5\n3,2.0\n4,7.0\n");
    env.write("p.csv", "id,target\n1,2.5\n2,0.0\n3,2.0\n4,8.0\n");
    let s = json(&env.tuneup(&[
        "score", "--truth", "t.csv", "--pred", "p.csv", "--metric", "r2", "--metric", "mae",
        "--json",
    ]));
    // sklearn: r2_score([3,-0.5,2,7],[2.5,0,2,8]) = 0.9486081370449679, MAE 0.5.
    assert!((s["metrics"]["r2"].as_f64().unwrap() - 0.9486081370449679).abs() < 1e-12);
    assert_eq!(s["metrics"]["mae"], 0.5);
    env.write("ref.txt", "The cat sat on the mat.\nhello there\n");
    env.write("hyp.txt", "The cat sat on a mat.\nhello there\n");
    let o = env.tuneup(&[
        "score", "--truth", "ref.txt", "--pred", "hyp.txt", "--metric", "bleu", "--metric", "wer",
        "--metric", "chrf", "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = json(&o);
    // jiwer.wer: 1 substitution over 8 reference words.
    assert_eq!(s["metrics"]["wer"], 0.125);
    assert!(s["metrics"]["bleu"].as_f64().unwrap() > 50.0);
    let list = stdout(&env.tuneup(&["score", "--list"]));
    assert!(
        list.contains("roc_auc_ovr_weighted") && list.contains("lower"),
        "{list}"
    );
}

#[test]
fn bad_score_input_is_exit_2_and_named() {
    let env = Env::new();
    env.write("t.csv", "id,label\n1,a\n2,b\n3,a\n");
    env.write("short.csv", "id,label\n1,a\n2,b\n");
    let sc = |args: &[&str]| {
        let mut a = vec!["score"];
        a.extend(args);
        env.tuneup(&a)
    };
    assert_bad_input(
        &sc(&[
            "--truth",
            "t.csv",
            "--pred",
            "short.csv",
            "--metric",
            "accuracy",
        ]),
        &["short.csv", "2 rows", "has 3"],
    );
    assert_bad_input(
        &sc(&["--truth", "t.csv", "--pred", "t.csv", "--metric", "acuracy"]),
        &["unknown metric `acuracy`"],
    );
    env.write(
        "badsum.csv",
        "id,label,p_a,p_b\n1,a,0.7,0.2\n2,b,0.1,0.9\n3,a,0.6,0.4\n",
    );
    assert_bad_input(
        &sc(&[
            "--truth",
            "t.csv",
            "--pred",
            "badsum.csv",
            "--metric",
            "log_loss",
        ]),
        &["badsum.csv", "row 1", "sum to 0.900000"],
    );
    env.write("one.csv", "id,label\n1,a\n2,a\n3,a\n");
    env.write(
        "p1.csv",
        "id,label,p_a,p_b\n1,a,0.7,0.3\n2,b,0.1,0.9\n3,a,0.6,0.4\n",
    );
    assert_bad_input(
        &sc(&[
            "--truth", "one.csv", "--pred", "p1.csv", "--metric", "roc_auc",
        ]),
        &["roc_auc", "only one class"],
    );
    env.write("pc.csv", "id,label,p_a\n1,a,1.0\n2,b,0.0\n3,a,1.0\n");
    assert_bad_input(
        &sc(&[
            "--truth", "t.csv", "--pred", "pc.csv", "--metric", "roc_auc",
        ]),
        &["pc.csv", "no probability column", "\"b\""],
    );
    env.write("order.csv", "id,label\n2,a\n1,b\n3,a\n");
    assert_bad_input(
        &sc(&[
            "--truth",
            "t.csv",
            "--pred",
            "order.csv",
            "--metric",
            "accuracy",
        ]),
        &["order.csv", "line 2", "out of order"],
    );
    env.write("nolabel.csv", "id,guess\n1,a\n2,b\n3,a\n");
    assert_bad_input(
        &sc(&[
            "--truth",
            "t.csv",
            "--pred",
            "nolabel.csv",
            "--metric",
            "accuracy",
        ]),
        &["nolabel.csv", "no `label` or `target` column", "id, guess"],
    );
    env.write("tv.csv", "target\n1.0\n2.0\n");
    env.write("pv.csv", "target\n1.0\nNaN\n");
    assert_bad_input(
        &sc(&["--truth", "tv.csv", "--pred", "pv.csv", "--metric", "rmse"]),
        &["pv.csv", "line 3", "finite number"],
    );
    env.write("r.txt", "a b\n");
    env.write("h.txt", "a b\nc\n");
    assert_bad_input(
        &sc(&["--truth", "r.txt", "--pred", "h.txt", "--metric", "bleu"]),
        &["1 references but 2 hypotheses"],
    );
}

#[test]
fn metric_must_fit_the_experiment() {
    let env = Env::new();
    let d = digits_csv();
    for (metric, says) in [
        ("f1", "binary metric but the data has 10 classes"),
        ("bleu", "text metric"),
        ("rmse", "Regression metric"),
    ] {
        let exp = env.write("e.toml", format!("task = \"classification\"\nmetric = \"{metric}\"\n[data]\ntrain = {:?}\n[model]\nkind = \"mlp\"\n", d.display().to_string()));
        assert_bad_input(
            &env.tuneup(&["train", exp.to_str().unwrap()]),
            &["key `metric`", says],
        );
    }
    assert!(!env.store().exists());
}
