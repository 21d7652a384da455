//! Variance remedies end to end: augmentation, normalization, dropout per layer, label
//! smoothing and L1 in real training runs; `augment-preview`; bad options named by key.

mod common;

use common::*;

/// Digits as 1x8x8 images, 600 samples, a small MLP with every regularizer and augmentation.
fn regularised(env: &Env, name: &str, workers: usize) -> std::path::PathBuf {
    env.write(
        name,
        format!(
            r#"task = "classification"
seed = 3
[data]
train = {:?}
shape = [1, 8, 8]
limit = 600
[model]
kind = "mlp"
hidden = [64, 32]
dropout = [0.2, 0.1]
norm = "batch"
[optimizer]
kind = "adamw"
lr = 0.003
weight_decay = 0.01
[augment]
shift = 1
rotate = 10.0
scale = 0.1
erase = 0.3
noise = 0.05
mixup = 0.4
cutmix = 1.0
mix_prob = 0.5
mix_off_epochs = 1
[train]
epochs = 4
batch_size = 32
label_smoothing = 0.1
l1 = 0.00001
workers = {workers}
"#,
            digits_csv().display().to_string()
        ),
    )
}

#[test]
fn augmented_regularised_runs_learn_and_repeat_exactly_with_any_worker_count() {
    let env = Env::new();
    let mut results = Vec::new();
    for (name, workers) in [("a.toml", 1), ("b.toml", 1), ("c.toml", 0), ("d.toml", 3)] {
        let exp = regularised(&env, name, workers);
        let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(
            stderr(&o).contains("augment: shift 1, noise 0.05"),
            "{}",
            stderr(&o)
        );
        let j = json(&o);
        assert_eq!(j["status"], "complete");
        results.push((
            j["val"]["loss"].as_f64().unwrap(),
            j["val_error"].as_f64().unwrap(),
        ));
    }
    // Same seed, same numbers: again, and whichever thread builds the batches.
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    // It learned (10 classes: chance is 90% error), in 4 heavily regularised epochs.
    assert!(results[0].1 < 0.5, "{results:?}");
    // Batch norm in evaluation mode, and a CSV read as images again for prediction.
    let o = env.tuneup(&[
        "predict",
        "1",
        digits_csv().to_str().unwrap(),
        "-o",
        "p.csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = std::fs::read_to_string(env.path("p.csv")).unwrap();
    assert_eq!(lines.lines().count(), 1798);
    let o = env.tuneup(&["eval", "1", digits_csv().to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(json(&o)["error"].as_f64().unwrap() < 0.5);
}

#[test]
fn a_cnn_with_batch_norm_and_conv_dropout_trains_on_a_csv_of_pixels() {
    let env = Env::new();
    let exp = env.experiment(
        "cnn.toml",
        &digits_csv(),
        "classification",
        "shape = [1, 8, 8]\nlimit = 500\n[model]\nkind = \"cnn\"\nchannels = [8, 16]\nhidden = 32\nnorm = \"layer\"\nconv_dropout = [0.1, 0.2]\ndropout = 0.3\n[optimizer]\nkind = \"adam\"\nlr = 0.003\n[augment]\nshift = 1\n[train]\nepochs = 15\nbatch_size = 32\n",
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["status"], "complete");
    assert!(j["val_error"].as_f64().unwrap() < 0.5, "{j}");
}

#[test]
fn augment_preview_draws_images_signals_and_mixed_batches() {
    let env = Env::new();
    let exp = regularised(&env, "e.toml", 1);
    let o = env.tuneup(&[
        "augment-preview",
        exp.to_str().unwrap(),
        "-o",
        "grid.png",
        "--samples",
        "5",
        "--draws",
        "3",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["columns"].as_array().unwrap().len(), 5, "{j}"); // original, 3 draws, mixed
    assert_eq!(j["mixed_labels"].as_array().unwrap().len(), 5);
    let img = image::open(env.path("grid.png")).unwrap().to_rgb8();
    assert_eq!(
        (img.width(), img.height()),
        (
            j["width"].as_u64().unwrap() as u32,
            j["height"].as_u64().unwrap() as u32
        )
    );
    // 8x8 digits scaled 8x: 5 columns of 64 px and 4 px gaps.
    assert_eq!(img.width(), 4 + 5 * (64 + 4));
    // The augmented cells differ from the original cell in the same row.
    let cell = |c: u32, r: u32| -> Vec<u8> {
        let (x0, y0) = (4 + c * 68, 4 + r * 68);
        (0..64)
            .flat_map(|y| (0..64).map(move |x| (x, y)))
            .map(|(x, y)| img.get_pixel(x0 + x, y0 + y)[0])
            .collect()
    };
    assert!((1..4).any(|c| cell(c, 0) != cell(0, 0)));
    // Signals (MNIST-1D): line plots.
    let mnist1d = shared_data().join("mnist1d/mnist1d_train.csv");
    let sig = env.experiment(
        "sig.toml",
        &mnist1d,
        "classification",
        "target = \"label\"\n[model]\nkind = \"mlp\"\n[augment]\nshift = 3\ntime_warp = 0.1\namplitude = 0.2\n",
    );
    let o = env.tuneup(&["augment-preview", sig.to_str().unwrap(), "-o", "sig.png"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("shift 3, amplitude 0.2, time_warp 0.1"),
        "{}",
        stdout(&o)
    );
    assert!(image::open(env.path("sig.png")).is_ok());
}

#[test]
fn bad_augmentation_and_regularization_options_name_the_key() {
    let env = Env::new();
    let d = digits_csv().display().to_string();
    let head = format!("task = \"classification\"\n[data]\ntrain = {d:?}\n");
    let cases: &[(&str, &[&str])] = &[
        (
            "[model]\nkind = \"mlp\"\n[augment]\nhflip = 2.0\n",
            &["line 7", "augment.hflip", "[0, 1]"],
        ),
        (
            "[model]\nkind = \"mlp\"\n[augment]\nrotation = 5\n",
            &["line 7", "rotation"],
        ),
        // An image transform on vectors: named, with the way out.
        (
            "[model]\nkind = \"mlp\"\n[augment]\nrotate = 10.0\n",
            &["line 7", "augment.rotate", "data.shape"],
        ),
        (
            "shape = [1, 9, 9]\n[model]\nkind = \"mlp\"\n",
            &["data.shape", "64 feature columns"],
        ),
        (
            "[model]\nkind = \"mlp\"\nhidden = [32, 16]\ndropout = [0.1]\n",
            &["line 7", "model.dropout", "one rate per hidden layer"],
        ),
        (
            "[model]\nkind = \"mlp\"\nnorm = \"group\"\n",
            &["line 6", "group"],
        ),
        (
            "[model]\nkind = \"mlp\"\n[train]\nlabel_smoothing = 1.0\n",
            &["line 7", "train.label_smoothing", "[0, 1)"],
        ),
        (
            "[model]\nkind = \"mlp\"\n[train]\nl1 = -0.1\n",
            &["line 7", "train.l1", ">= 0"],
        ),
        (
            "[model]\nkind = \"mlp\"\n[augment]\nerase_area = [0.5, 0.1]\n",
            &["line 7", "augment.erase_area"],
        ),
        (
            "[model]\nkind = \"mlp\"\nconv_dropout = 0.1\n",
            &["line 6", "conv_dropout", "mlp"],
        ),
    ];
    for (i, (rest, fragments)) in cases.iter().enumerate() {
        let exp = env.write(&format!("e{i}.toml"), format!("{head}{rest}"));
        assert_bad_input(&env.tuneup(&["train", exp.to_str().unwrap()]), fragments);
    }
    // Nothing was recorded.
    let o = env.tuneup(&["runs", "--json"]);
    assert!(code(&o) == 2 || json(&o).as_array().unwrap().is_empty());
}
