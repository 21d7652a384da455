use super::*;
use crate::rng::Rng;
use crate::spec::Gbdt;

fn params() -> Gbdt {
    Gbdt {
        max_leaves: 15,
        min_leaf: 5,
        ..Gbdt::default()
    }
}

fn mse(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64
}

/// y = sin(3 x0) + x1^2 with noise-free features.
fn wave(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let (a, b) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
        x.extend([a as f32, b as f32]);
        y.push(((3.0 * a).sin() + b * b) as f32);
    }
    (x, y)
}

#[test]
fn regression_fits_a_smooth_function_and_generalises() {
    let (x, y) = wave(2000, 1);
    let (xv, yv) = wave(500, 2);
    let mut fit = Fit::new(&x, &[None, None], Target::Values(y.clone()), &params(), 1);
    let start = mse(&Booster::raw(&fit.booster, &xv), &yv);
    for _ in 0..200 {
        fit.round();
    }
    let end = mse(&fit.booster.raw(&xv), &yv);
    assert!(end < start / 20.0, "validation MSE {start} -> {end}");
    // The kept scores of the training rows are the booster's own predictions.
    assert!(mse(fit.train_raw(), &fit.booster.raw(&x)) < 1e-9);
}

#[test]
fn the_same_seed_gives_the_same_trees_and_subsampling_changes_them() {
    let (x, y) = wave(600, 3);
    let train = |seed, subsample| {
        let p = Gbdt {
            subsample,
            colsample: 0.5,
            ..params()
        };
        let mut fit = Fit::new(&x, &[None, None], Target::Values(y.clone()), &p, seed);
        (0..20).for_each(|_| {
            fit.round();
        });
        fit.booster
    };
    assert_eq!(train(7, 0.7), train(7, 0.7));
    assert_ne!(train(7, 0.7), train(8, 0.7));
    assert_ne!(train(7, 0.7), train(7, 1.0));
}

#[test]
fn missing_values_go_where_they_belong() {
    // The label is 1 exactly where x0 is missing; x1 is noise.
    let mut rng = Rng::new(4);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..400 {
        let missing = i % 3 == 0;
        x.push(if missing {
            f32::NAN
        } else {
            rng.uniform(0.0, 1.0) as f32
        });
        x.push(rng.uniform(0.0, 1.0) as f32);
        y.push(missing as u32);
    }
    let mut fit = Fit::new(
        &x,
        &[None, None],
        Target::Classes { y, classes: 2 },
        &params(),
        1,
    );
    (0..30).for_each(|_| {
        fit.round();
    });
    let out = fit.booster.outputs(&[f32::NAN, 0.5, 0.3, 0.5]);
    assert_eq!(out.len(), 4, "two rows of two logits");
    assert!(out[1] > 2.0 && out[3] < -2.0, "{out:?}");
    assert!(fit.booster.importance()[0] > 10.0 * fit.booster.importance()[1]);
}

#[test]
fn categorical_levels_split_as_sets() {
    // Codes 3, 6 and 9 of twelve are class 1: no single threshold separates them.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..1200 {
        let code = i % 12;
        x.push(code as f32);
        y.push((code % 3 == 0 && code > 0) as u32);
    }
    let p = Gbdt {
        max_leaves: 2,
        ..params()
    };
    let mut fit = Fit::new(&x, &[Some(12)], Target::Classes { y, classes: 2 }, &p, 1);
    fit.round();
    let Node::Levels { codes, .. } = &fit.booster.trees[0].nodes[0] else {
        panic!("a split on levels: {:?}", fit.booster.trees[0]);
    };
    let mut set = codes.clone();
    if set.len() > 3 {
        set = (0..12).filter(|c| !codes.contains(c)).collect();
    }
    assert_eq!(set, vec![3, 6, 9]);
}

#[test]
fn softmax_learns_three_classes_and_truncation_keeps_importance_true() {
    let mut rng = Rng::new(5);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..900 {
        let a = rng.uniform(0.0, 3.0);
        x.extend([a as f32, rng.uniform(0.0, 1.0) as f32]);
        y.push(a.floor().min(2.0) as u32);
    }
    let mut fit = Fit::new(
        &x,
        &[None, None],
        Target::Classes {
            y: y.clone(),
            classes: 3,
        },
        &params(),
        1,
    );
    (0..40).for_each(|_| {
        fit.round();
    });
    let b = &fit.booster;
    assert_eq!((b.rounds(), b.trees.len()), (40, 120));
    let out = b.outputs(&x);
    let right = (0..900)
        .filter(|&i| {
            let s = &out[i * 3..i * 3 + 3];
            let arg = (0..3).max_by(|a, c| s[*a].total_cmp(&s[*c])).unwrap();
            arg as u32 == y[i]
        })
        .count();
    assert!(right > 880, "{right} of 900");
    let mut short = b.clone();
    short.truncate(10);
    assert_eq!(short.rounds(), 10);
    let total: f64 = short.importance().iter().sum();
    let first10: f64 = b.round_gains[..10].iter().flatten().map(|g| g.1).sum();
    assert!((total - first10).abs() < 1e-9 && total < b.importance().iter().sum::<f64>());
}

#[test]
fn leaves_depth_and_min_leaf_are_respected() {
    let (x, y) = wave(1000, 6);
    let p = Gbdt {
        max_leaves: 64,
        max_depth: 3,
        min_leaf: 40,
        ..params()
    };
    let mut fit = Fit::new(&x, &[None, None], Target::Values(y), &p, 1);
    fit.round();
    let t = &fit.booster.trees[0];
    assert!(
        t.leaves() <= 8,
        "depth 3 allows 8 leaves, got {}",
        t.leaves()
    );
    assert!(t.leaves() >= 4);
}

#[test]
fn a_present_versus_missing_split_survives_json() {
    // One constant feature, missing in the rows of class 1: the only split is "present left".
    let x: Vec<f32> = (0..200)
        .map(|i| if i % 2 == 0 { 1.0 } else { f32::NAN })
        .collect();
    let y: Vec<u32> = (0..200).map(|i| i % 2).collect();
    let mut fit = Fit::new(&x, &[None], Target::Classes { y, classes: 2 }, &params(), 1);
    fit.round();
    let Node::Number { threshold, .. } = &fit.booster.trees[0].nodes[0] else {
        panic!("{:?}", fit.booster.trees[0]);
    };
    assert!(threshold.is_finite());
    let text = serde_json::to_string(&fit.booster).unwrap();
    let back: Booster = serde_json::from_str(&text).unwrap();
    assert_eq!(back, fit.booster);
}
