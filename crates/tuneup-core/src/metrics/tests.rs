//! Every metric against the value its reference library computes on the same fixture
//! (`reference/make_expected.py` made `reference/expected.json`; scikit-learn 1.9.1,
//! sacreBLEU 2.6.0, jiwer 4.0.0).

use super::*;

fn expected() -> serde_json::Value {
    serde_json::from_str(include_str!("reference/expected.json")).unwrap()
}

#[test]
fn every_metric_matches_its_reference() {
    let e = expected();
    let mut checked = std::collections::BTreeSet::new();
    for case in e["cases"].as_array().unwrap() {
        let name = case["metric"].as_str().unwrap();
        let metric = Metric::from_name(name).unwrap_or_else(|| panic!("unknown metric {name}"));
        let want = case["expected"].as_f64().unwrap();
        let f64s = |k: &str| {
            case[k]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<f64>>())
        };
        let strings = |k: &str| {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect::<Vec<String>>()
        };
        let got = match case["kind"].as_str().unwrap() {
            "classes" => {
                let truth: Vec<u32> = f64s("truth").unwrap().iter().map(|v| *v as u32).collect();
                let pred: Vec<u32> = f64s("pred").unwrap().iter().map(|v| *v as u32).collect();
                let proba = f64s("proba");
                metric.compute(&Input::Classes {
                    truth: &truth,
                    pred: &pred,
                    proba: proba.as_deref(),
                    n_classes: case["n_classes"].as_u64().unwrap() as usize,
                    positive: case["positive"].as_u64().map(|p| p as u32),
                })
            }
            "values" => metric.compute(&Input::Values {
                truth: &f64s("truth").unwrap(),
                pred: &f64s("pred").unwrap(),
            }),
            "text" => metric.compute(&Input::Text {
                refs: &strings("refs"),
                hyps: &strings("hyps"),
            }),
            other => panic!("kind {other}"),
        }
        .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{name}: got {got}, reference {want} (case {case})"
        );
        checked.insert(metric.name());
    }
    // Every metric in the catalogue has at least one reference case (top-k with k = 1, 2, 3).
    for m in Metric::catalogue() {
        let n = m.name();
        if n == "top5_accuracy" {
            continue;
        }
        assert!(checked.contains(&n), "no reference case for {n}");
    }
}

#[test]
fn tokenizer_13a_matches_sacrebleu() {
    let e = expected();
    for (line, want) in e["tokens_13a"].as_object().unwrap() {
        assert_eq!(
            text::tokenize_13a(line),
            want.as_str().unwrap(),
            "line {line:?}"
        );
    }
}

#[test]
fn names_round_trip_and_directions() {
    for m in Metric::catalogue() {
        assert_eq!(Metric::from_name(&m.name()), Some(m), "{}", m.name());
    }
    assert_eq!(
        Metric::from_name("f0.5_macro"),
        Some(Metric::F(0.5, Average::Macro))
    );
    assert_eq!(Metric::from_name("top3_accuracy"), Some(Metric::TopK(3)));
    assert_eq!(
        Metric::from_name("f1_score"),
        Some(Metric::F(1.0, Average::Binary))
    );
    assert_eq!(Metric::from_name("top0_accuracy"), None);
    assert_eq!(Metric::from_name("f-1"), None);
    assert_eq!(Metric::from_name("nope"), None);
    assert!(Metric::Accuracy.better(0.9, 0.8));
    assert!(Metric::LogLoss.better(0.1, 0.2));
    assert_eq!(Metric::Wer.direction(), Direction::Minimize);
    assert_eq!(Metric::Bleu(Smooth::Exp).task(), None);
}

#[test]
fn clear_errors_when_a_metric_cannot_be_computed() {
    let err = |m: &str, input: Input| Metric::from_name(m).unwrap().compute(&input).unwrap_err().0;
    let one_class = [1u32, 1, 1];
    let p = [0.2, 0.8, 0.4, 0.6, 0.1, 0.9];
    let e = err(
        "roc_auc",
        Input::Classes {
            truth: &one_class,
            pred: &one_class,
            proba: Some(&p),
            n_classes: 2,
            positive: None,
        },
    );
    assert!(e.contains("only one class"), "{e}");
    let bad = [0.2, 0.7, 0.4, 0.6, 0.1, 0.9];
    let e = err(
        "log_loss",
        Input::Classes {
            truth: &[0, 1, 1],
            pred: &[1, 1, 1],
            proba: Some(&bad),
            n_classes: 2,
            positive: None,
        },
    );
    assert!(e.contains("row 1") && e.contains("sum to 0.900000"), "{e}");
    let e = err(
        "accuracy",
        Input::Classes {
            truth: &[0, 1],
            pred: &[1],
            proba: None,
            n_classes: 2,
            positive: None,
        },
    );
    assert!(e.contains("2 true labels but 1 predictions"), "{e}");
    let e = err(
        "f1",
        Input::Classes {
            truth: &[0, 1, 2],
            pred: &[0, 1, 2],
            proba: None,
            n_classes: 3,
            positive: None,
        },
    );
    assert!(e.contains("_macro"), "{e}");
    let e = err(
        "log_loss",
        Input::Classes {
            truth: &[0, 1],
            pred: &[0, 1],
            proba: None,
            n_classes: 2,
            positive: None,
        },
    );
    assert!(e.contains("probabilities"), "{e}");
    let e = err(
        "rmse",
        Input::Values {
            truth: &[1.0, f64::NAN],
            pred: &[1.0, 2.0],
        },
    );
    assert!(e.contains("true value 2") && e.contains("finite"), "{e}");
    let e = err(
        "rmsle",
        Input::Values {
            truth: &[1.0, -2.0],
            pred: &[1.0, 2.0],
        },
    );
    assert!(e.contains("-2"), "{e}");
    let e = err(
        "bleu",
        Input::Text {
            refs: &["a".into()],
            hyps: &["a".into(), "b".into()],
        },
    );
    assert!(e.contains("1 references but 2 hypotheses"), "{e}");
    let e = err(
        "wer",
        Input::Text {
            refs: &["".into()],
            hyps: &["a".into()],
        },
    );
    assert!(e.contains("reference 1 is empty"), "{e}");
    let e = err(
        "accuracy",
        Input::Values {
            truth: &[1.0],
            pred: &[1.0],
        },
    );
    assert!(e.contains("class labels"), "{e}");
}
