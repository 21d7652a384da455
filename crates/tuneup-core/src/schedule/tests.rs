//! Every schedule against the sequence PyTorch's scheduler produced
//! (`reference/make_expected.py` made `reference/expected.json` with torch 2.15).

use super::*;

#[test]
fn every_schedule_matches_pytorch_step_for_step() {
    let e: serde_json::Value =
        serde_json::from_str(include_str!("reference/expected.json")).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for case in e["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let spec: ScheduleSpec = serde_json::from_value(case["spec"].clone())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        kinds.insert(spec.kind());
        let t = case["t"].as_u64().unwrap() as usize;
        let base = case["base"].as_f64().unwrap();
        let want: Vec<f64> = case["lrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let metrics: Option<Vec<f64>> = case["metrics"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_f64().unwrap()).collect());
        // T intervals: T epochs of one step each, so per-step and per-epoch agree.
        let mut s = Scheduler::new(&spec, base, t, 1);
        for i in 0..t {
            let got = s.lr(i, i);
            assert!(
                (got - want[i]).abs() <= 1e-6 * want[i].abs().max(1e-12),
                "{name}: interval {i}: got {got}, PyTorch {}",
                want[i]
            );
            if let Some(m) = &metrics {
                s.epoch_end(i, m[i], false);
            }
        }
    }
    for k in [
        "constant",
        "step",
        "multistep",
        "multiplicative",
        "exponential",
        "cosine",
        "cosine_restarts",
        "one_cycle",
        "linear",
        "polynomial",
        "plateau",
    ] {
        assert!(kinds.contains(k), "no PyTorch reference for {k}");
    }
}

#[test]
fn per_step_and_per_epoch_stepping() {
    let spec = ScheduleSpec {
        shape: Shape::Step {
            step_size: 1,
            gamma: 0.5,
        },
        interval: Interval::Epoch,
        warmup: 0,
        warmup_start_factor: 0.0,
    };
    let s = Scheduler::new(&spec, 1.0, 3, 4);
    assert_eq!(
        s.sequence(3, 4),
        vec![
            1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25
        ]
    );
    let spec = ScheduleSpec {
        interval: Interval::Step,
        ..spec
    };
    let s = Scheduler::new(&spec, 1.0, 1, 3);
    assert_eq!(s.sequence(1, 3), vec![1.0, 0.5, 0.25]);
}
