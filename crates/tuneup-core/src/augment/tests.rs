use super::*;
use crate::data::Normalizer;
use crate::spec::{DataFormat, Task};

fn info(shape: &[usize], classes: usize) -> DataInfo {
    let n: usize = shape.iter().product();
    let (groups, block) = if shape.len() == 3 {
        (shape[0], n / shape[0])
    } else {
        (n, 1)
    };
    DataInfo {
        task: Task::Classification,
        sample_shape: shape.to_vec(),
        classes: (0..classes).map(|c| c.to_string()).collect(),
        feature_names: (0..n).map(|j| format!("f{j}")).collect(),
        target_name: None,
        id_name: None,
        format: DataFormat::Csv,
        normalizer: Normalizer {
            mean: vec![0.0; groups],
            std: vec![1.0; groups],
            block,
        },
        y_mean: 0.0,
        y_std: 1.0,
        positive: None,
        tabular: None,
        log_target: false,
    }
}

/// `rows` samples of `len` values: sample r has value r * 1000 + j at position j.
fn part(rows: usize, len: usize, classes: u32) -> Part {
    Part {
        x: (0..rows * len)
            .map(|k| ((k / len) * 1000 + k % len) as f32)
            .collect(),
        y: Y::Classes((0..rows as u32).map(|r| r % classes).collect()),
        ids: (0..rows).map(|r| r.to_string()).collect(),
    }
}

fn spec(f: impl FnOnce(&mut AugmentSpec)) -> AugmentSpec {
    let mut s = AugmentSpec::default();
    f(&mut s);
    s
}

fn every_image_transform() -> AugmentSpec {
    spec(|s| {
        s.shift = 2;
        s.noise = 0.1;
        s.hflip = 0.5;
        s.vflip = 0.5;
        s.rotate = 15.0;
        s.scale = 0.1;
        s.shear = 5.0;
        s.erase = 0.5;
        s.brightness = 0.2;
        s.contrast = 0.2;
        s.mixup = 0.4;
        s.cutmix = 1.0;
    })
}

#[test]
fn each_transform_is_deterministic_under_a_seed_and_keeps_shapes() {
    let image = [3usize, 6, 7];
    let signal = [40usize];
    let mut cases: Vec<(AugmentSpec, Vec<usize>)> = Vec::new();
    for s in [
        spec(|s| s.shift = 2),
        spec(|s| s.noise = 0.5),
        spec(|s| s.hflip = 1.0),
        spec(|s| s.vflip = 1.0),
        spec(|s| s.rotate = 20.0),
        spec(|s| s.scale = 0.2),
        spec(|s| s.shear = 10.0),
        spec(|s| s.resized_crop = 0.35),
        spec(|s| s.erase = 1.0),
        spec(|s| s.brightness = 0.3),
        spec(|s| s.contrast = 0.3),
        spec(|s| s.mixup = 0.4),
        spec(|s| s.cutmix = 1.0),
        every_image_transform(),
    ] {
        cases.push((s, image.to_vec()));
    }
    for s in [
        spec(|s| s.shift = 3),
        spec(|s| s.roll = 5),
        spec(|s| s.amplitude = 0.3),
        spec(|s| s.time_warp = 0.2),
        spec(|s| s.noise = 0.2),
        spec(|s| s.mixup = 0.4),
        spec(|s| s.cutmix = 1.0),
    ] {
        cases.push((s, signal.to_vec()));
    }
    for (s, shape) in cases {
        s.validate().unwrap();
        s.check_shape(&shape).unwrap();
        let len: usize = shape.iter().product();
        let inf = info(&shape, 3);
        let p = part(16, len, 3);
        let idx: Vec<usize> = (0..8).collect();
        let a = BatchMaker::new(&p, &inf, &s, 0.0, 7).make(&idx, 2, 3, Mix::Spec);
        let b = BatchMaker::new(&p, &inf, &s, 0.0, 7).make(&idx, 2, 3, Mix::Spec);
        assert_eq!(a.x, b.x, "{s:?}");
        assert_eq!(a.target, b.target);
        assert_eq!(a.x.len(), 8 * len, "{s:?}");
        assert_eq!(a.rows, 8);
        assert!(a.x.iter().all(|v| v.is_finite()));
        // Another seed, or another epoch, draws differently.
        let c = BatchMaker::new(&p, &inf, &s, 0.0, 8).make(&idx, 2, 3, Mix::Spec);
        let d = BatchMaker::new(&p, &inf, &s, 0.0, 7).make(&idx, 3, 3, Mix::Spec);
        let orig: Vec<f32> = p.x[..8 * len].to_vec();
        if s != spec(|s| s.hflip = 1.0) && s != spec(|s| s.vflip = 1.0) {
            assert!(a.x != c.x || a.x != d.x, "{s:?} ignores the seed");
        }
        assert_ne!(a.x, orig, "{s:?} changed nothing");
    }
}

#[test]
fn shift_moves_an_image_by_at_most_the_shift() {
    let inf = info(&[1, 9, 9], 2);
    let mut p = part(1, 81, 2);
    p.x = vec![0.0; 81];
    p.x[4 * 9 + 4] = 1.0; // a dot in the centre
    let m = BatchMaker::new(&p, &inf, &spec(|s| s.shift = 2), 0.0, 1);
    let mut seen = std::collections::BTreeSet::new();
    for e in 0..200 {
        let b = m.make(&[0], e, 0, Mix::Off);
        let at = b.x.iter().position(|v| *v == 1.0).unwrap();
        assert_eq!(b.x.iter().sum::<f32>(), 1.0, "the dot is moved, not lost");
        let (i, j) = (at / 9, at % 9);
        assert!(i.abs_diff(4) <= 2 && j.abs_diff(4) <= 2);
        seen.insert((i, j));
    }
    assert_eq!(seen.len(), 25, "every shift in [-2, 2]^2 is drawn");
}

#[test]
fn resized_crop_zooms_into_part_of_the_image() {
    // A left-to-right ramp: a crop of part of it, resized back, spans a narrower range of
    // values; the values stay within the image's.
    let inf = info(&[1, 16, 16], 2);
    let mut p = part(1, 256, 2);
    p.x = (0..256).map(|i| (i % 16) as f32 / 15.0).collect();
    let m = BatchMaker::new(&p, &inf, &spec(|s| s.resized_crop = 0.3), 0.0, 3);
    let mut narrower = 0;
    for e in 0..50 {
        let b = m.make(&[0], e, 0, Mix::Off);
        let row = &b.x[8 * 16..9 * 16];
        assert!(b.x.iter().all(|v| (-1e-5..=1.0 + 1e-5).contains(v)));
        assert!(
            row.windows(2).all(|w| w[1] >= w[0] - 1e-5),
            "the ramp keeps its direction"
        );
        if row[15] - row[0] < 0.9 {
            narrower += 1;
        }
    }
    assert!(
        narrower > 25,
        "most crops are smaller than the image ({narrower} of 50)"
    );
}

#[test]
fn flips_reverse_and_rotation_keeps_the_centre() {
    let inf = info(&[1, 2, 3], 2);
    let p = Part {
        x: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        y: Y::Classes(vec![0]),
        ids: vec!["0".into()],
    };
    let h = BatchMaker::new(&p, &inf, &spec(|s| s.hflip = 1.0), 0.0, 1).make(&[0], 1, 0, Mix::Off);
    assert_eq!(h.x, vec![3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
    let v = BatchMaker::new(&p, &inf, &spec(|s| s.vflip = 1.0), 0.0, 1).make(&[0], 1, 0, Mix::Off);
    assert_eq!(v.x, vec![4.0, 5.0, 6.0, 1.0, 2.0, 3.0]);
    // A rotation turns about the centre: a symmetric blob at the centre barely changes.
    let inf = info(&[1, 9, 9], 2);
    let mut p = part(1, 81, 2);
    p.x = (0..81)
        .map(|k| {
            let (i, j) = ((k / 9) as f32 - 4.0, (k % 9) as f32 - 4.0);
            (-(i * i + j * j) / 4.0).exp()
        })
        .collect();
    let r =
        BatchMaker::new(&p, &inf, &spec(|s| s.rotate = 90.0), 0.0, 3).make(&[0], 1, 0, Mix::Off);
    assert!((r.x[40] - 1.0).abs() < 1e-5);
    let diff: f32 = r.x.iter().zip(&p.x).map(|(a, b)| (a - b).abs()).sum();
    assert!(diff < 1.5, "{diff}");
}

#[test]
fn erase_sets_a_rectangle_to_the_mean() {
    let inf = info(&[1, 10, 10], 2);
    let mut p = part(1, 100, 2);
    p.x = vec![5.0; 100];
    let b = BatchMaker::new(&p, &inf, &spec(|s| s.erase = 1.0), 0.0, 4).make(&[0], 1, 0, Mix::Off);
    let zeros = b.x.iter().filter(|v| **v == 0.0).count();
    assert!(
        (2..=20).contains(&zeros),
        "{zeros} pixels erased of 100 (2%-20%)"
    );
    assert!(b.x.iter().all(|v| *v == 0.0 || *v == 5.0));
}

#[test]
fn signal_transforms_keep_their_meaning() {
    let inf = info(&[20], 2);
    let mut p = part(1, 20, 2);
    p.x = (0..20).map(|j| j as f32).collect();
    // A roll is a rotation: the same values in another order.
    let r = BatchMaker::new(&p, &inf, &spec(|s| s.roll = 5), 0.0, 9).make(&[0], 1, 0, Mix::Off);
    let mut sorted = r.x.clone();
    sorted.sort_by(f32::total_cmp);
    assert_eq!(sorted, p.x);
    // A time warp keeps the ends and the order of a rising signal.
    let w =
        BatchMaker::new(&p, &inf, &spec(|s| s.time_warp = 0.3), 0.0, 9).make(&[0], 1, 0, Mix::Off);
    assert!((w.x[0] - 0.0).abs() < 1e-4 && (w.x[19] - 19.0).abs() < 1e-4);
    assert!(w.x.windows(2).all(|p| p[1] >= p[0]));
    assert_ne!(w.x, p.x);
    // Amplitude scales every value by one factor.
    let a =
        BatchMaker::new(&p, &inf, &spec(|s| s.amplitude = 0.3), 0.0, 9).make(&[0], 1, 0, Mix::Off);
    let f = a.x[1] / p.x[1];
    assert!((0.7..=1.3).contains(&f));
    assert!(a.x.iter().zip(&p.x).all(|(x, o)| (x - f * o).abs() < 1e-4));
}

#[test]
fn augmentation_works_in_raw_units() {
    // With a normaliser, a shifted-in border is the raw zero, not the standardised zero.
    let mut inf = info(&[1, 4, 4], 2);
    inf.normalizer.mean = vec![2.0];
    inf.normalizer.std = vec![4.0];
    let mut p = part(1, 16, 2);
    p.x = vec![0.5; 16]; // raw 4.0 everywhere
    let m = BatchMaker::new(&p, &inf, &spec(|s| s.shift = 1), 0.0, 1);
    let b = (0..20)
        .map(|e| m.make(&[0], e, 0, Mix::Off))
        .find(|b| b.x != p.x)
        .unwrap();
    assert!(b.x.iter().all(|v| *v == 0.5 || *v == -0.5), "{:?}", b.x);
}

#[test]
fn mixup_and_cutmix_labels_sum_to_one_and_match_the_pixels() {
    let inf = info(&[1, 8, 8], 4);
    let p = part(10, 64, 4);
    let idx: Vec<usize> = (0..6).collect();
    for s in [spec(|s| s.mixup = 0.4), spec(|s| s.cutmix = 1.0)] {
        for e in 0..20 {
            let m = BatchMaker::new(&p, &inf, &s, 0.1, 5);
            let b = m.make(&idx, e, 0, Mix::Always);
            let mixed = b.mixed.expect("mixed");
            let l = mixed.lambda;
            assert!((0.0..=1.0).contains(&l));
            let BatchTarget::Soft { probs, classes } = &b.target else {
                panic!("soft targets")
            };
            for r in 0..6 {
                let row = &probs[r * classes..(r + 1) * classes];
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                // Smoothed: own class 0.925, others 0.025; mixed with the partner's.
                let (own, partner) = (r % 4, (5 - r) % 4);
                let want = |k: usize| {
                    let t = |c: usize| if c == k { 0.925 } else { 0.025 };
                    (l * t(own) + (1.0 - l) * t(partner)) as f32
                };
                for (k, v) in row.iter().enumerate() {
                    assert!((v - want(k)).abs() < 1e-5, "{mixed:?} row {r}: {row:?}");
                }
                // The pixels carry the same weights: own share lambda.
                let x = &b.x[r * 64..(r + 1) * 64];
                let (o, q) = (&p.x[r * 64..(r + 1) * 64], &p.x[(5 - r) * 64..(6 - r) * 64]);
                if mixed.kind == "mixup" {
                    for j in 0..64 {
                        let want = l as f32 * o[j] + (1.0 - l as f32) * q[j];
                        assert!((x[j] - want).abs() < 1e-2);
                    }
                } else {
                    let own_px = (0..64).filter(|&j| x[j] == o[j]).count();
                    assert_eq!(own_px as f64 / 64.0, l, "cutmix lambda is the kept share");
                }
            }
        }
    }
}

#[test]
fn label_smoothing_and_plain_targets() {
    let inf = info(&[4], 5);
    let p = part(5, 4, 5);
    let b =
        BatchMaker::new(&p, &inf, &AugmentSpec::default(), 0.0, 1).make(&[0, 3], 1, 0, Mix::Spec);
    assert_eq!(b.target, BatchTarget::Classes(vec![0, 3]));
    assert_eq!(
        b.x,
        p.x[..4]
            .iter()
            .chain(&p.x[12..16])
            .copied()
            .collect::<Vec<_>>()
    );
    let b = BatchMaker::new(&p, &inf, &AugmentSpec::default(), 0.2, 1).make(&[3], 1, 0, Mix::Spec);
    let BatchTarget::Soft { probs, .. } = b.target else {
        panic!()
    };
    assert_eq!(probs, vec![0.04, 0.04, 0.04, 0.84, 0.04]);
}

#[test]
fn mixing_is_off_in_the_last_epochs_and_at_mix_prob_zero() {
    let inf = info(&[4], 2);
    let p = part(4, 4, 2);
    let s = spec(|s| {
        s.mixup = 0.4;
        s.mix_off_epochs = 2;
    });
    let m = BatchMaker::new(&p, &inf, &s, 0.0, 1);
    assert_eq!(m.mix_in_epoch(8, 10), Mix::Spec);
    assert_eq!(m.mix_in_epoch(9, 10), Mix::Off);
    assert!(m.make(&[0, 1, 2, 3], 9, 0, Mix::Off).mixed.is_none());
    let s = spec(|s| {
        s.mixup = 0.4;
        s.mix_prob = 0.5;
    });
    let m = BatchMaker::new(&p, &inf, &s, 0.0, 1);
    let mixed = (0..400)
        .filter(|e| m.make(&[0, 1, 2, 3], *e, 0, Mix::Spec).mixed.is_some())
        .count();
    assert!(
        (150..250).contains(&mixed),
        "{mixed} of 400 batches mixed at mix_prob 0.5"
    );
}

#[test]
fn workers_give_the_same_batches_in_the_same_order() {
    let inf = info(&[1, 6, 6], 3);
    let p = part(50, 36, 3);
    let s = every_image_transform();
    let m = BatchMaker::new(&p, &inf, &s, 0.1, 11);
    let order: Vec<usize> = (0..50).rev().collect();
    let collect = |workers: usize| {
        let mut v = Vec::new();
        loader::for_each_batch(&m, &order, 8, 3, Mix::Spec, workers, |step, b| {
            v.push((step, b.x, b.target));
            true
        });
        v
    };
    let inline = collect(0);
    assert_eq!(inline.len(), 7);
    assert_eq!(collect(1), inline);
    assert_eq!(collect(3), inline);
    // Stopping early stops the workers (the call returns).
    let mut seen = 0;
    loader::for_each_batch(&m, &order, 8, 3, Mix::Spec, 2, |_, _| {
        seen += 1;
        seen < 2
    });
    assert_eq!(seen, 2);
}

#[test]
fn keys_that_do_not_fit_the_data_are_named() {
    let e = spec(|s| s.rotate = 10.0).check_shape(&[64]).unwrap_err();
    assert_eq!(e.0, "augment.rotate");
    assert!(e.1.contains("data.shape"), "{}", e.1);
    let e = spec(|s| s.time_warp = 0.1)
        .check_shape(&[1, 28, 28])
        .unwrap_err();
    assert_eq!(e.0, "augment.time_warp");
    let e = spec(|s| s.shift = 8).check_shape(&[1, 8, 8]).unwrap_err();
    assert_eq!(e.0, "augment.shift");
    for (s, key) in [
        (spec(|s| s.hflip = 1.5), "augment.hflip"),
        (spec(|s| s.scale = 1.0), "augment.scale"),
        (spec(|s| s.rotate = -1.0), "augment.rotate"),
        (spec(|s| s.mixup = -0.2), "augment.mixup"),
        (spec(|s| s.noise = f64::NAN), "augment.noise"),
        (spec(|s| s.erase_area = [0.3, 0.1]), "augment.erase_area"),
        (spec(|s| s.time_warp = 0.9), "augment.time_warp"),
    ] {
        assert_eq!(s.validate().unwrap_err().0, key);
    }
}
