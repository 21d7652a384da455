//! The verdicts on hand-made evidence.

use super::*;
use crate::run::EpochRecord;

fn exp() -> Experiment {
    Experiment::parse(
        "task = \"classification\"\n[data]\ntrain = \"x.csv\"\n[model]\nkind = \"mlp\"\n",
        std::path::Path::new(""),
    )
    .unwrap()
}

fn flat(n: usize, train: f64, val: f64) -> Vec<EpochRecord> {
    (1..=n)
        .map(|e| {
            let k = 1.0 + 1.0 / (e * e * e) as f64;
            EpochRecord {
                epoch: e,
                fit_loss: train * k,
                train_loss: train * k,
                train_error: train,
                val_loss: val * k,
                val_error: val,
                val_metric: 1.0 - val,
                lr: 1e-3,
                seconds: 1.0,
                fit_seconds: 0.0,
            }
        })
        .collect()
}

fn run(
    target: Option<f64>,
    train: (f64, usize),
    val: (f64, usize),
    epochs: &[EpochRecord],
    failure: Option<&str>,
) -> Diagnosis {
    let ev = Evidence {
        task: Task::Classification,
        target_error: target,
        estimate: None,
        train: Some(Observed {
            error: train.0,
            n: train.1,
        }),
        train_dev: None,
        val: Some(Observed {
            error: val.0,
            n: val.1,
        }),
        epochs,
        failure,
        sample_shape: None,
        outputs: None,
    };
    diagnose(&ev, &exp(), &Thresholds::default())
}

#[test]
fn every_verdict() {
    let e = flat(20, 0.5, 0.6);
    assert_eq!(
        run(Some(0.04), (0.68, 3200), (0.70, 800), &e, None).verdict,
        Verdict::HighBias
    );
    assert_eq!(
        run(Some(0.0), (0.0, 1000), (0.10, 1000), &e, None).verdict,
        Verdict::HighVariance
    );
    assert_eq!(
        run(Some(0.01), (0.10, 5000), (0.20, 5000), &e, None).verdict,
        Verdict::HighBiasAndVariance
    );
    assert_eq!(
        run(Some(0.01), (0.012, 50000), (0.014, 10000), &e, None).verdict,
        Verdict::Good
    );
    let d = run(
        Some(0.0),
        (0.3, 1000),
        (0.3, 1000),
        &e[..2],
        Some("loss became NaN at epoch 2, step 3 (diverged: try a lower learning rate)"),
    );
    assert_eq!(d.verdict, Verdict::UnstableOptimization);
    assert!(
        d.remedies[0].id == "lower_learning_rate",
        "{:?}",
        d.remedies[0]
    );
    // Under-trained: no significant gap, but validation loss still falling at the end.
    let improving: Vec<EpochRecord> = (1..=10)
        .map(|e| EpochRecord {
            val_loss: 1.0 / e as f64,
            train_loss: 1.0 / e as f64,
            fit_loss: 1.0 / e as f64,
            ..e_base(e)
        })
        .collect();
    assert_eq!(
        run(Some(0.004), (0.005, 1000), (0.01, 1000), &improving, None).verdict,
        Verdict::UnderTrained
    );
}

fn e_base(e: usize) -> EpochRecord {
    EpochRecord {
        epoch: e,
        fit_loss: 0.0,
        train_loss: 0.0,
        train_error: 0.0,
        val_loss: 0.0,
        val_error: 0.0,
        val_metric: 0.0,
        lr: 1e-3,
        seconds: 1.0,
        fit_seconds: 0.0,
    }
}

#[test]
fn low_error_problems_are_judged_on_their_own_scale() {
    // The MNIST CNN baseline trained for 3 epochs on the development machine: 0.84%
    // train error on 48,000, 1.69% validation error on 12,000, against a 0.5% target. The
    // 0.85-point variance is twice the 0.34-point avoidable bias and well beyond noise.
    let d = run(
        Some(0.005),
        (0.0084375, 48_000),
        (0.0169167, 12_000),
        &flat(3, 0.03, 0.06),
        None,
    );
    assert!((d.min_gap - 0.25 * 0.0169167).abs() < 1e-9);
    assert_eq!(d.verdict, Verdict::HighVariance);
    assert!(!d.avoidable_bias.unwrap().high);
}

#[test]
fn small_validation_gap_is_not_variance() {
    // 100 validation samples, a 2-point gap: within noise.
    let d = run(
        Some(0.0),
        (0.08, 1500),
        (0.10, 100),
        &flat(10, 0.3, 0.35),
        None,
    );
    assert!(!d.variance.unwrap().high);
    assert_ne!(d.verdict, Verdict::HighVariance);
    assert!(
        d.reasons.iter().any(|r| r.contains("within noise")),
        "{:?}",
        d.reasons
    );
}

#[test]
fn data_mismatch_with_train_dev() {
    let e = flat(10, 0.1, 0.2);
    let ev = Evidence {
        task: Task::Classification,
        target_error: Some(0.05),
        estimate: None,
        train: Some(Observed {
            error: 0.055,
            n: 8000,
        }),
        train_dev: Some(Observed {
            error: 0.06,
            n: 2000,
        }),
        val: Some(Observed {
            error: 0.15,
            n: 2000,
        }),
        epochs: &e,
        failure: None,
        sample_shape: None,
        outputs: None,
    };
    let d = diagnose(&ev, &exp(), &Thresholds::default());
    assert_eq!(d.verdict, Verdict::DataMismatch);
    assert!(!d.variance.unwrap().high);
    assert!((d.data_mismatch.unwrap().gap.value - 0.09).abs() < 1e-12);
}

#[test]
fn missing_target_is_said() {
    let d = run(None, (0.1, 1000), (0.1, 1000), &flat(5, 0.3, 0.3), None);
    assert!(d.errors.target_assumed);
    assert!(d.reasons[0].contains("taken as 0"));
}

#[test]
fn an_estimated_target_separates_noise_from_avoidable_bias() {
    // A noisy table: train error 0.20 on 614 rows, validation 0.22 on 154. Against 0 that is
    // high bias; against another model's 0.23 on the same rows it is not.
    let e = flat(20, 0.45, 0.47);
    let ev = |estimate: Option<Estimate>| Evidence {
        task: Task::Classification,
        target_error: None,
        estimate,
        train: Some(Observed {
            error: 0.20,
            n: 614,
        }),
        train_dev: None,
        val: Some(Observed {
            error: 0.22,
            n: 154,
        }),
        epochs: &e,
        failure: None,
        sample_shape: None,
        outputs: None,
    };
    let assumed = diagnose(&ev(None), &exp(), &Thresholds::default());
    assert_eq!(assumed.verdict, Verdict::HighBias);
    assert_eq!(assumed.errors.target_source, TargetSource::Assumed);
    let est = Estimate {
        error: 0.23,
        n: 154,
        from: "run 2 (gbdt)".into(),
    };
    let d = diagnose(&ev(Some(est.clone())), &exp(), &Thresholds::default());
    assert!(!d.avoidable_bias.unwrap().high, "{:?}", d.reasons);
    assert_ne!(d.verdict, Verdict::HighBias);
    assert!(d.errors.target.low < 0.23 && d.errors.target.high > 0.23);
    assert!(
        d.reasons[0].contains("estimated at 23.00%"),
        "{:?}",
        d.reasons
    );
    assert!(d.reasons.iter().any(|r| r.contains("no model here")));
    // A model that reached 5% elsewhere shows the 20% training error is avoidable.
    let low = Estimate { error: 0.05, ..est };
    let d = diagnose(&ev(Some(low)), &exp(), &Thresholds::default());
    assert!(d.avoidable_bias.unwrap().high);
    assert_eq!(d.verdict, Verdict::HighBias);
    // A given target still wins over the estimate.
    let mut given = ev(Some(Estimate {
        error: 0.5,
        n: 154,
        from: "x".into(),
    }));
    given.target_error = Some(0.0);
    let d = diagnose(&given, &exp(), &Thresholds::default());
    assert_eq!(d.errors.target_source, TargetSource::Given);
    assert_eq!(d.errors.target.value, 0.0);
}

#[test]
fn lowest_estimate_is_chosen() {
    let e = |error: f64, n: usize| Estimate {
        error,
        n,
        from: format!("{error}"),
    };
    let l = target::lowest([e(0.3, 10), e(f64::NAN, 10), e(0.1, 0), e(0.2, 10)]).unwrap();
    assert_eq!(l.error, 0.2);
    assert!(target::lowest([]).is_none());
}
