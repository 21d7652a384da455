//! `tuneup init DATA`: look at the data, say what it is (for a table, column by column; for
//! pictures, their sizes and modes), write a commented baseline experiment ([`text`]); the same
//! baseline in memory for the commands that start from a data file.

mod columns;
mod text;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use tuneup_core::InputError;
use tuneup_core::data::{self, ImageOptions, ReadOptions, Targets, images};
use tuneup_core::spec::{DataFormat, Experiment, Task};
use tuneup_core::table::{self, infer::ColumnReport};

pub use columns::seen_text;
pub use text::shape_text;

/// What the user chose on the command line about the data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choices<'a> {
    /// The target column (default: the last that is not an id).
    pub target: Option<&'a str>,
    /// A test file, scored once at the end.
    pub test: Option<&'a Path>,
    /// Drop rows whose target is missing.
    pub drop_missing_target: bool,
}

/// A table's columns as `init` saw them.
pub struct TableSeen {
    /// Every column but the target.
    pub columns: Vec<ColumnReport>,
    /// Every feature a plain number, none missing: read as a numeric matrix, no
    /// `[data.columns]` needed.
    pub clean: bool,
}

/// What `init` found in the data.
pub struct Inspection {
    pub format: DataFormat,
    pub task: Task,
    pub rows: usize,
    pub sample_shape: Vec<usize>,
    pub target: Option<String>,
    /// Class name → count, for classification.
    pub classes: Vec<(String, usize)>,
    pub why_task: String,
    pub table: Option<TableSeen>,
    /// Pictures' sizes and modes.
    pub images: Option<images::Survey>,
    /// The side every picture is resized to (`data.image_size`), when they differ.
    pub image_size: Option<usize>,
    /// A regression target's skewness, when it is positive and skewed enough to model in log
    /// space (`data.log_target`).
    pub log_skew: Option<f64>,
    pub test: Option<PathBuf>,
    pub drop_missing_target: bool,
    /// The text columns' lengths (all of them joined per row), when the table has any.
    pub text_lengths: Option<tuneup_core::text::Lengths>,
}

/// Skewness above which a positive regression target is modelled in log space.
const LOG_SKEW: f64 = 1.0;

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

/// The sample skewness of a target that is never negative (`None` otherwise).
fn positive_skew(labels: &[String]) -> Option<f64> {
    let v: Vec<f64> = labels
        .iter()
        .filter_map(|l| l.parse::<f64>().ok())
        .collect();
    if v.is_empty() || v.iter().any(|x| *x < 0.0) {
        return None;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let s2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let s3 = v.iter().map(|x| (x - m).powi(3)).sum::<f64>() / n;
    (s2 > 0.0).then(|| s3 / s2.powf(1.5))
}

/// Class name → count, numerically ordered when the names are numbers.
fn class_counts(labels: &[String]) -> Vec<(String, usize)> {
    let mut counts = BTreeMap::<&str, usize>::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    let mut classes: Vec<(String, usize)> = counts
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
    classes
}

/// Looks at a data set: its layout, target and task; a table's columns; pictures' sizes.
pub fn inspect(path: &Path, choices: &Choices) -> Result<Inspection, InputError> {
    let format = data::detect_format(path)?;
    let survey = match format {
        DataFormat::ImageFolder => Some(images::survey(path, &ImageOptions::default())?),
        _ => None,
    };
    let image_size = survey.as_ref().and_then(images::Survey::proposed_size);
    // Read labels as text first; decide the task from them.
    let o = ReadOptions {
        format: Some(format),
        target: choices.target,
        drop_missing_target: choices.drop_missing_target,
        images: ImageOptions {
            size: image_size,
            ..ImageOptions::default()
        },
        ..ReadOptions::new(Task::Classification)
    };
    let (d, _) = data::load(path, &o)?;
    let Targets::Labels(labels) = &d.targets else {
        unreachable!("labelled load")
    };
    let tabular = matches!(format, DataFormat::Csv | DataFormat::Parquet);
    let text_folder = format == DataFormat::TextFolder;
    let (task, why_task) = if tabular {
        guess_task(labels)
    } else if text_folder {
        (Task::Classification, "texts in class folders".into())
    } else {
        (Task::Classification, "images with class labels".into())
    };
    let mut classes = Vec::new();
    let distinct = labels
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if tabular && task == Task::Classification && labels.len() >= 20 && distinct * 2 > labels.len()
    {
        let name = d.target_name.clone().unwrap_or_default();
        return Err(InputError::in_file(
            path,
            format!(
                "the target column `{name}` has {distinct} distinct text values in {} rows: that is not a class label (free text, or an id); name the target column with --target",
                labels.len()
            ),
        )
        .column(name));
    }
    if task == Task::Classification {
        data::check_targets(&d, task)?;
        classes = class_counts(labels);
    }
    let (table, text_lengths) = if tabular || text_folder {
        let mut declared = BTreeMap::new();
        let raw = match &d.table {
            Some(t) if text_folder => {
                declared.insert(
                    data::text_folder::TEXT.to_string(),
                    tuneup_core::spec::ColumnKind::Text,
                );
                t.table.clone()
            }
            _ => table::read(path, &BTreeMap::new())?,
        };
        let columns = table::infer::kinds(&raw, &declared, d.target_name.as_deref())?;
        let text_cols: Vec<String> = columns
            .iter()
            .filter(|c| c.kind == tuneup_core::spec::ColumnKind::Text)
            .map(|c| c.name.clone())
            .collect();
        let lengths = if text_cols.is_empty() {
            None
        } else {
            let rows = tuneup_core::text::rows_of(&raw, &text_cols)?;
            let joined: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
            Some(tuneup_core::text::lengths(
                joined.iter().map(String::as_str),
            ))
        };
        (
            Some(TableSeen {
                columns,
                clean: d.table.is_none(),
            }),
            lengths,
        )
    } else {
        (None, None)
    };
    let log_skew = (task == Task::Regression)
        .then(|| positive_skew(labels))
        .flatten()
        .filter(|s| *s > LOG_SKEW);
    Ok(Inspection {
        format,
        task,
        rows: d.len(),
        sample_shape: d.sample_shape.clone(),
        target: d.target_name.clone(),
        classes,
        why_task,
        table,
        images: survey,
        image_size,
        log_skew,
        test: choices.test.map(Path::to_path_buf),
        drop_missing_target: choices.drop_missing_target,
        text_lengths,
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

/// What `init` wrote.
pub struct Written {
    pub inspection: Inspection,
    pub output: PathBuf,
}

/// Inspects `data` and writes its baseline experiment to `output` (default `<stem>.toml`); an
/// existing file is kept unless `force`.
pub fn write(
    data: &Path,
    choices: &Choices,
    output: Option<&Path>,
    force: bool,
) -> anyhow::Result<Written> {
    let ins = inspect(data, choices)?;
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
    let test = ins.test.as_deref().map(|t| relative(t, out_dir));
    let text = text::experiment_text(&ins, &relative(data, out_dir), test.as_deref(), &stem);
    // What init writes must be a valid experiment: parse it back before writing.
    Experiment::parse(&text, out_dir)
        .map_err(|e| anyhow::anyhow!("internal error: init wrote an invalid experiment: {e}"))?;
    tuneup_core::fsio::write_atomic(&output, text.as_bytes())?;
    Ok(Written {
        inspection: ins,
        output,
    })
}

/// The baseline experiment `init` would write for `data`, in memory (for `tuneup improve` and
/// `tuneup zoo bench` on a data file).
pub fn baseline(data: &Path, choices: &Choices) -> anyhow::Result<Experiment> {
    let ins = inspect(data, choices)?;
    let abs = std::path::absolute(data)?;
    let test = ins.test.as_deref().map(std::path::absolute).transpose()?;
    let stem = data
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("data")
        .to_string();
    let text = text::experiment_text(&ins, &abs, test.as_deref(), &stem);
    Ok(Experiment::parse(&text, Path::new(""))?)
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
