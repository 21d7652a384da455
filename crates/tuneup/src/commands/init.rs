//! `tuneup init DATA`: look at the data, say what it is, write a commented baseline experiment.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use tuneup_core::InputError;
use tuneup_core::data::{self, Targets};
use tuneup_core::spec::{DataFormat, Experiment, Task};

use crate::output::write_atomic;

/// What `init` found in the data.
struct Inspection {
    format: DataFormat,
    task: Task,
    rows: usize,
    sample_shape: Vec<usize>,
    target: Option<String>,
    /// Class name → count, for classification.
    classes: Vec<(String, usize)>,
    why_task: String,
}

/// A numeric target with few distinct integer values is a class label; anything else numeric is
/// a regression target.
fn guess_task(labels: &[String]) -> (Task, String) {
    let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    let distinct: std::collections::BTreeSet<&String> = labels.iter().collect();
    match numbers {
        None => (
            Task::Classification,
            format!("the target has text labels ({} distinct)", distinct.len()),
        ),
        Some(v) => {
            let integers = v.iter().all(|x| x.fract() == 0.0);
            let few = distinct.len() <= 30 && distinct.len() * 10 <= labels.len().max(20);
            if integers && few {
                (
                    Task::Classification,
                    format!("the target has {} distinct integer values", distinct.len()),
                )
            } else {
                (
                    Task::Regression,
                    format!(
                        "the target is numeric with {} distinct values",
                        distinct.len()
                    ),
                )
            }
        }
    }
}

fn inspect(path: &Path, target: Option<&str>) -> Result<Inspection, InputError> {
    let format = data::detect_format(path)?;
    // Read labels as text first; decide the task from them.
    let d = data::load(path, Some(format), Task::Classification, target, true)?;
    let Targets::Labels(labels) = &d.targets else {
        unreachable!("labelled load")
    };
    let (task, why_task) = match format {
        DataFormat::Csv => guess_task(labels),
        _ => (Task::Classification, "images with class labels".into()),
    };
    let mut classes = Vec::new();
    if task == Task::Classification {
        data::check_targets(&d, task)?;
        let mut counts = BTreeMap::<&str, usize>::new();
        for l in labels {
            *counts.entry(l).or_default() += 1;
        }
        classes = counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if classes.iter().all(|(c, _)| c.parse::<f64>().is_ok()) {
            classes.sort_by(|a, b| {
                a.0.parse::<f64>()
                    .unwrap()
                    .total_cmp(&b.0.parse::<f64>().unwrap())
            });
        }
    }
    Ok(Inspection {
        format,
        task,
        rows: d.len(),
        sample_shape: d.sample_shape.clone(),
        target: d.target_name.clone(),
        classes,
        why_task,
    })
}

/// `to` written relative to the folder `from` (both made absolute first).
fn relative(to: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (to, from) = (abs(to), abs(from));
    let t: Vec<Component> = to.components().collect();
    let f: Vec<Component> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

fn experiment_text(ins: &Inspection, data_rel: &Path, name: &str) -> String {
    let mut s = String::new();
    let image = ins.sample_shape.len() == 3;
    let n_train = (ins.rows as f64 * 0.8) as usize;
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
        shape_text(&ins.sample_shape),
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
    let _ = writeln!(s);
    let _ = writeln!(s, "[data]");
    let _ = writeln!(s, "train = {:?}", data_rel.display().to_string());
    if let Some(t) = &ins.target {
        let _ = writeln!(s, "target = {t:?}");
    }
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
    let _ = writeln!(
        s,
        "# test = \"path/to/test.csv\"  # scored once, at the end of training"
    );
    let _ = writeln!(
        s,
        "# limit = 1000                # train on a subset, for quick experiments"
    );
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
    let _ = writeln!(s);
    let _ = writeln!(s, "[optimizer]");
    let _ = writeln!(
        s,
        "kind = \"adam\"  # adam (lr, beta1, beta2, eps, weight_decay) or sgd (lr, momentum, nesterov, weight_decay)"
    );
    let _ = writeln!(s, "lr = 0.001");
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
    s
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [f] => format!("{f} numeric features"),
        [c, h, w] => format!(
            "{c}x{h}x{w} images ({})",
            if *c == 1 { "grey" } else { "colour" }
        ),
        other => format!("shape {other:?}"),
    }
}

pub fn run(
    data: &Path,
    target: Option<&str>,
    output: Option<&Path>,
    force: bool,
) -> anyhow::Result<()> {
    let ins = inspect(data, target)?;
    let stem = data
        .file_stem()
        .and_then(|s| s.to_str())
        .map(|s| s.trim_end_matches("-images-idx3-ubyte").to_string())
        .unwrap_or_else(|| "experiment".into());
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{stem}.toml")));
    if output.exists() && !force {
        return Err(InputError::in_file(
            &output,
            "already exists: choose another file with -o, or pass --force to overwrite",
        )
        .into());
    }
    let out_dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let text = experiment_text(&ins, &relative(data, out_dir), &stem);
    // What init writes must be a valid experiment: parse it back before writing.
    Experiment::parse(&text, out_dir)
        .map_err(|e| anyhow::anyhow!("internal error: init wrote an invalid experiment: {e}"))?;
    write_atomic(&output, text.as_bytes())?;

    println!(
        "{}: {} samples, {}",
        data.display(),
        ins.rows,
        shape_text(&ins.sample_shape)
    );
    println!("  task      {:?} ({})", ins.task, ins.why_task);
    if !ins.classes.is_empty() {
        let list: Vec<String> = ins
            .classes
            .iter()
            .take(20)
            .map(|(c, n)| format!("{c}:{n}"))
            .collect();
        println!(
            "  classes   {}  [{}{}]",
            ins.classes.len(),
            list.join(" "),
            if ins.classes.len() > 20 { " ..." } else { "" }
        );
    }
    println!(
        "wrote {}; train it with: tuneup train {}",
        output.display(),
        output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_guess() {
        let ints: Vec<String> = (0..200).map(|i| (i % 10).to_string()).collect();
        assert_eq!(guess_task(&ints).0, Task::Classification);
        let floats: Vec<String> = (0..200).map(|i| format!("{}.5", i)).collect();
        assert_eq!(guess_task(&floats).0, Task::Regression);
        let many_ints: Vec<String> = (0..400).map(|i| (i % 200).to_string()).collect();
        assert_eq!(guess_task(&many_ints).0, Task::Regression);
        let text: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(guess_task(&text).0, Task::Classification);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b/c.csv"), Path::new("/a/d")),
            PathBuf::from("../b/c.csv")
        );
        assert_eq!(
            relative(Path::new("/a/c.csv"), Path::new("/a")),
            PathBuf::from("c.csv")
        );
    }
}

/// The baseline experiment `init` would write for `data`, in memory (for `tuneup zoo bench`).
pub fn baseline(data: &Path, target: Option<&str>) -> anyhow::Result<Experiment> {
    let ins = inspect(data, target)?;
    let abs = std::path::absolute(data)?;
    let stem = data
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("data")
        .to_string();
    let text = experiment_text(&ins, &abs, &stem);
    Ok(Experiment::parse(&text, Path::new(""))?)
}
