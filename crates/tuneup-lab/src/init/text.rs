//! The commented experiment file `init` writes: what it saw, then each table with the keys a
//! newcomer is likely to change next.

use std::fmt::Write as _;
use std::path::Path;

use tuneup_core::spec::{DataFormat, Task};

use super::Inspection;

/// The experiment file for the inspected data at `data_rel` (relative to the file), named for
/// `name`.
pub(super) fn experiment_text(
    ins: &Inspection,
    data_rel: &Path,
    test_rel: Option<&Path>,
    name: &str,
) -> String {
    let mut s = String::new();
    let imbalance = header(&mut s, ins, name);
    top_level(&mut s, ins, name, imbalance);
    data_table(&mut s, ins, data_rel, test_rel);
    super::columns::columns_table(&mut s, ins);
    super::columns::text_table(&mut s, ins);
    let (batch, epochs) = model_table(&mut s, ins);
    training_tables(&mut s, ins, batch, epochs);
    s
}

/// What init saw; returns the class imbalance (largest / smallest class).
fn header(s: &mut String, ins: &Inspection, name: &str) -> f64 {
    let _ = writeln!(
        s,
        "# tuneup experiment: a baseline for {name}, written by `tuneup init`."
    );
    let _ = writeln!(
        s,
        "# Train it with `tuneup train <this file>`; every key is documented in the README."
    );
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# What init saw: {} samples, {}; {}.",
        ins.rows,
        super::columns::seen_text(ins),
        ins.why_task
    );
    let imbalance = if ins.classes.is_empty() {
        1.0
    } else {
        let max = ins.classes.iter().map(|c| c.1).max().unwrap_or(1) as f64;
        let min = ins.classes.iter().map(|c| c.1).min().unwrap_or(1) as f64;
        max / min
    };
    if !ins.classes.is_empty() {
        let list: Vec<String> = ins
            .classes
            .iter()
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        let _ = writeln!(s, "# Classes ({}): {}", ins.classes.len(), list.join(", "));
        let _ = writeln!(
            s,
            "# Largest / smallest class: {imbalance:.1}x{}",
            if imbalance > 3.0 {
                " (imbalanced: judged by macro F1, not accuracy)"
            } else {
                ""
            }
        );
    }
    imbalance
}

/// The name, task, seed, metric and target error.
fn top_level(s: &mut String, ins: &Inspection, name: &str, imbalance: f64) {
    let _ = writeln!(s);
    let _ = writeln!(s, "name = {:?}", format!("{name} baseline"));
    let _ = writeln!(
        s,
        "task = {:?}",
        match ins.task {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    );
    let _ = writeln!(s, "seed = 42");
    let metric = match ins.task {
        Task::Classification if imbalance > 3.0 => "f1_macro",
        Task::Classification => "accuracy",
        Task::Regression => "rmse",
    };
    let _ = writeln!(
        s,
        "# The metric that judges the model (`tuneup score --list`): e.g. accuracy, f1_macro, log_loss, roc_auc_ovr; rmse, mae, r2."
    );
    let _ = writeln!(s, "metric = {metric:?}");
    let _ = writeln!(
        s,
        "# Human-level or best-known error ({}), the bar the diagnosis measures avoidable bias against.",
        if ins.task == Task::Classification {
            "a fraction, e.g. 0.01 for 99% accuracy"
        } else {
            "in target units, like RMSE"
        }
    );
    let _ = writeln!(s, "# target_error = 0.0");
}

/// `[data]`.
fn data_table(s: &mut String, ins: &Inspection, data_rel: &Path, test_rel: Option<&Path>) {
    let _ = writeln!(s);
    let _ = writeln!(s, "[data]");
    let _ = writeln!(s, "train = {:?}", data_rel.display().to_string());
    if let Some(t) = &ins.target {
        let _ = writeln!(s, "target = {t:?}");
    }
    if let Some(t) = test_rel {
        let _ = writeln!(s, "# Scored once, at the end of training.");
        let _ = writeln!(s, "test = {:?}", t.display().to_string());
    }
    super::columns::data_keys(s, ins);
    let test_note = if ins.format == DataFormat::Mnist {
        " The folder's t10k-* files are the test set."
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "# 20% of the training data is held out for validation (stratified, seeded).{test_note}"
    );
    let _ = writeln!(s, "val_fraction = 0.2");
    let _ = writeln!(
        s,
        "# val = \"path/to/val.csv\"    # an explicit validation file instead of the hold-out"
    );
    if test_rel.is_none() {
        let _ = writeln!(
            s,
            "# test = \"path/to/test.csv\"  # scored once, at the end of training"
        );
    }
    let _ = writeln!(
        s,
        "# limit = 1000                # train on a subset, for quick experiments"
    );
}

/// `[model]`: a small CNN for images, an MLP otherwise; returns the batch size and epochs that
/// suit it.
fn model_table(s: &mut String, ins: &Inspection) -> (usize, usize) {
    let image = ins.sample_shape.len() == 3;
    let n_train = (ins.rows as f64 * 0.8) as usize;
    let _ = writeln!(s);
    let _ = writeln!(s, "[model]");
    let (batch, epochs) = if image {
        let _ = writeln!(
            s,
            "# A small CNN: 3x3 convs (same padding) with 2x2 max-pooling after each, one hidden layer."
        );
        let _ = writeln!(s, "kind = \"cnn\"");
        let _ = writeln!(s, "channels = [32, 64]");
        let _ = writeln!(s, "hidden = 128");
        let _ = writeln!(
            s,
            "activation = \"relu\"  # relu, gelu, tanh, sigmoid, leaky_relu"
        );
        let _ = writeln!(s, "dropout = 0.0");
        // A CNN epoch on MNIST takes about a minute here (~1.2 ms per 28x28 sample); four
        // epochs keep the baseline to about five minutes.
        let epochs = if n_train >= 20_000 {
            4
        } else {
            (30_000 / n_train.max(1)).clamp(5, 30)
        };
        (128, epochs)
    } else if ins.text_lengths.is_some() {
        let _ = writeln!(
            s,
            "# fastText (Joulin et al. 2017): the mean embedding of the words and their hashed word pairs, then"
        );
        let _ = writeln!(
            s,
            "# a linear layer: a strong, fast baseline. The other text models: embbag, textcnn, bigru, transformer"
        );
        let _ = writeln!(s, "# (`tuneup zoo`); `tuneup improve` tries them.");
        let _ = writeln!(s, "kind = \"fasttext\"");
        let _ = writeln!(s, "dim = 64");
        let _ = writeln!(s, "ngrams = 2");
        let _ = writeln!(s, "dropout = 0.0");
        (64, 10)
    } else if ins.table.as_ref().is_some_and(|t| !t.clean) {
        let _ = writeln!(
            s,
            "# The tabular model (fastai's): learned embeddings for categorical columns with many levels"
        );
        let _ = writeln!(
            s,
            "# (one-hot for few), batch-normed numbers, then linear layers with batch norm."
        );
        let _ = writeln!(
            s,
            "# Or boosted trees: kind = \"gbdt\" (rounds, learning_rate, max_leaves, min_leaf, l2, subsample, ...;"
        );
        let _ = writeln!(
            s,
            "# then remove hidden, emb_dropout and dropout below); `tuneup improve` tries both families."
        );
        let _ = writeln!(s, "kind = \"tabular\"");
        let _ = writeln!(s, "hidden = [200, 100]");
        let _ = writeln!(
            s,
            "emb_dropout = 0.0    # dropout on the embeddings; emb_width = 1.0 scales their widths"
        );
        // Small tables overfit a 200-100 net quickly: some dropout (and weight decay, below)
        // from the start, as fastai's tabular learner regularises by default.
        let _ = writeln!(s, "dropout = 0.2");
        let steps_per_epoch = n_train.div_ceil(64).max(1);
        (64, (3_000 / steps_per_epoch).clamp(10, 100))
    } else {
        let _ = writeln!(
            s,
            "# A multi-layer perceptron: the widths of its hidden layers."
        );
        let _ = writeln!(s, "kind = \"mlp\"");
        let _ = writeln!(s, "hidden = [256, 128]");
        let _ = writeln!(
            s,
            "activation = \"relu\"  # relu, gelu, tanh, sigmoid, leaky_relu"
        );
        let _ = writeln!(s, "dropout = 0.0");
        // About 3,000 optimiser steps, within 10 to 100 epochs.
        let steps_per_epoch = n_train.div_ceil(64).max(1);
        (64, (3_000 / steps_per_epoch).clamp(10, 100))
    };
    (batch, epochs)
}

/// `[optimizer]`, `[train]` and the commented `[augment]`.
fn training_tables(s: &mut String, ins: &Inspection, batch: usize, epochs: usize) {
    let image = ins.sample_shape.len() == 3;
    let _ = writeln!(s);
    let _ = writeln!(s, "[optimizer]");
    let _ = writeln!(
        s,
        "kind = \"adam\"  # adam (lr, beta1, beta2, eps, weight_decay) or sgd (lr, momentum, nesterov, weight_decay)"
    );
    // fastText trains its bag of embeddings at a high rate.
    let lr = if ins.text_lengths.is_some() {
        0.01
    } else {
        0.001
    };
    let _ = writeln!(s, "lr = {lr}");
    if ins.table.as_ref().is_some_and(|t| !t.clean) && ins.text_lengths.is_none() {
        let _ = writeln!(s, "weight_decay = 0.01");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "[train]");
    let _ = writeln!(s, "epochs = {epochs}");
    let _ = writeln!(s, "batch_size = {batch}");
    let _ = writeln!(
        s,
        "# label_smoothing = 0.1       # regularization, when `tuneup diagnose` finds high variance"
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Augmentation of the training batches (`tuneup augment-preview` draws what it does):"
    );
    let _ = writeln!(s, "# [augment]");
    if image {
        let _ = writeln!(
            s,
            "# shift = 2        # random translation, pixels; rotate = 10.0, scale = 0.1, erase = 0.25 ..."
        );
    } else if ins.text_lengths.is_some() {
        let _ = writeln!(
            s,
            "# token_delete = 0.1   # random deletion; token_swap, token_insert, token_dropout (shares of the tokens)"
        );
        return;
    } else {
        let _ = writeln!(
            s,
            "# noise = 0.1      # Gaussian noise on the standardised features; signals: shift = 3, time_warp = 0.1"
        );
    }
    let _ = writeln!(
        s,
        "# mixup = 0.2      # mix pairs of samples and their labels"
    );
}

pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [f] => format!("{f} numeric features"),
        [c, h, w] => format!(
            "{c}x{h}x{w} images ({})",
            if *c == 1 { "grey" } else { "colour" }
        ),
        other => format!("shape {other:?}"),
    }
}
