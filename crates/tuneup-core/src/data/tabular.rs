//! Tables (CSV, Parquet) into datasets: the target, id and group columns taken out, every other
//! column's kind inferred (or as `[data.columns]` or a trained model says). A clean numeric table
//! (every feature a plain number, none missing, no `[data.columns]`) becomes a numeric matrix as
//! it always has; any other keeps its raw columns, encoded once the encoder is fitted on the
//! training split.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Dataset, ReadOptions, TableRows, Targets};
use crate::error::InputError;
use crate::spec::{ColumnKind, Task};
use crate::table::{self, Forced, NumFormat, RawCol, RawTable, ReadAs, infer};

/// A column as a model (or the training file) reads it: its name, kind, how it is stored.
pub type Planned = (String, ColumnKind, Option<ReadAs>);

fn is_id(name: &str) -> bool {
    name.eq_ignore_ascii_case("id")
}

/// How each column must be read, where that is known before sniffing.
fn forced(o: &ReadOptions, header: &[String], target: Option<&str>) -> BTreeMap<String, Forced> {
    let mut f = BTreeMap::new();
    for (name, kind) in o.columns {
        let how = match kind {
            ColumnKind::Numeric => Forced::AnyNum,
            ColumnKind::Date => Forced::AnyDate,
            ColumnKind::Ignore => Forced::Skip,
            _ => Forced::Str,
        };
        f.insert(name.clone(), how);
    }
    if let Some(plan) = o.like {
        for (name, _, read) in plan {
            f.insert(name.clone(), read.map_or(Forced::Skip, Forced::As));
        }
    }
    for h in header.iter().filter(|h| is_id(h)) {
        f.insert(h.clone(), Forced::Str);
    }
    if let Some(g) = o.group {
        f.insert(g.to_string(), Forced::Str);
    }
    if let Some(t) = target {
        let how = match o.task {
            Task::Classification => Forced::Str,
            Task::Regression => Forced::AnyNum,
        };
        f.insert(t.to_string(), how);
    }
    f
}

/// The target column's name: as given (an error listing the columns when it is not there and
/// must be), else the last column that is not an id.
fn target_name(
    path: &Path,
    o: &ReadOptions,
    header: &[String],
) -> Result<Option<String>, InputError> {
    match o.target {
        Some(name) if header.iter().any(|h| h == name) => Ok(Some(name.to_string())),
        Some(name) if o.require_target => Err(InputError::in_file(
            path,
            format!(
                "target column `{name}` not found; the columns are: {}",
                header.join(", ")
            ),
        )
        .line(1)),
        Some(_) => Ok(None),
        None => {
            let last = header.iter().rev().find(|h| !is_id(h)).ok_or_else(|| {
                InputError::in_file(
                    path,
                    "no columns besides the id: expected features and a target",
                )
                .line(1)
            })?;
            Ok(Some(last.clone()))
        }
    }
}

/// Loads a table file; returns the dataset and the group column's values (when named).
pub fn load(path: &Path, o: &ReadOptions) -> Result<(Dataset, Option<Vec<String>>), InputError> {
    let header = table::header(path)?;
    // The training file must have every column `[data.columns]` names (a file read like it is
    // checked against the plan instead).
    let declared_missing = o
        .columns
        .keys()
        .find(|n| o.like.is_none() && !header.contains(n));
    if let Some(name) = declared_missing {
        return Err(InputError::in_file(
            path,
            format!(
                "[data.columns] names column `{name}`, which the file does not have; the columns are: {}",
                header.join(", ")
            ),
        )
        .key(format!("data.columns.{name}")));
    }
    let target = target_name(path, o, &header)?;
    let mut t = table::read_with(path, &forced(o, &header, target.as_deref()), o.encoding)?;
    let group = match o.group {
        None => None,
        Some(g) => {
            let i = t.position(g).ok_or_else(|| {
                InputError::in_file(
                    path,
                    format!(
                        "group column `{g}` (cv.group) not found; the columns are: {}",
                        header.join(", ")
                    ),
                )
                .line(1)
            })?;
            let (_, col) = t.take(i);
            Some((0..col.len()).map(|r| col.text(r)).collect::<Vec<_>>())
        }
    };
    let targets = match target.as_deref().and_then(|n| t.position(n)) {
        Some(i) => {
            let (name, col) = t.take(i);
            Some((name, col))
        }
        None => None,
    };
    let (targets, keep) = take_targets(&t, o, targets)?;
    let (mut t, group) = match keep {
        Some(rows) => (
            t.select(&rows),
            group.map(|g| rows.iter().map(|&r| g[r].clone()).collect()),
        ),
        None => (t, group),
    };
    let (id_name, ids) = match t.names.iter().position(|h| is_id(h)) {
        Some(i) => {
            let (name, col) = t.take(i);
            (Some(name), (0..col.len()).map(|r| col.text(r)).collect())
        }
        None => (None, (0..t.len()).map(|r| r.to_string()).collect()),
    };
    let (target_name, targets) = targets;
    let d = Dataset {
        source: path.to_path_buf(),
        sample_shape: vec![0],
        feature_names: vec![],
        target_name,
        x: vec![],
        targets,
        ids,
        id_name,
        table: None,
        notes: Vec::new(),
    };
    let d = features(path, d, t, o)?;
    Ok((d, group))
}

/// The targets (classes as written, or numbers), and the rows kept when rows with a missing
/// target are dropped.
#[allow(clippy::type_complexity)]
fn take_targets(
    t: &RawTable,
    o: &ReadOptions,
    target: Option<(String, RawCol)>,
) -> Result<((Option<String>, Targets), Option<Vec<usize>>), InputError> {
    let Some((name, col)) = target else {
        return Ok(((None, Targets::None), None));
    };
    let missing: Vec<usize> = (0..col.len()).filter(|&r| col.missing(r)).collect();
    let keep = if missing.is_empty() {
        None
    } else if o.drop_missing_target {
        Some(
            (0..col.len())
                .filter(|r| !col.missing(*r))
                .collect::<Vec<usize>>(),
        )
    } else {
        return Err(InputError::in_file(
            &t.source,
            format!(
                "the target `{name}` is missing in {} of {} rows (the first at line {}): fill them, or drop those rows with data.drop_missing_target = true (--drop-missing-target for a data file)",
                missing.len(),
                col.len(),
                t.lines[missing[0]]
            ),
        )
        .line(t.lines[missing[0]] as usize));
    };
    let rows: Vec<usize> = keep.clone().unwrap_or_else(|| (0..col.len()).collect());
    let targets = match (o.task, &col) {
        (Task::Regression, RawCol::Num(v, _)) => {
            if let Some(&r) = rows.iter().find(|&&r| !v[r].is_finite()) {
                return Err(InputError::in_file(
                    &t.source,
                    format!(
                        "expected a finite number as the regression target, found `{}`",
                        v[r]
                    ),
                )
                .line(t.lines[r] as usize)
                .column(name.clone()));
            }
            Targets::Values(rows.iter().map(|&r| v[r]).collect())
        }
        _ => Targets::Labels(rows.iter().map(|&r| col.text(r)).collect()),
    };
    Ok(((Some(name), targets), keep))
}

/// The feature columns: a numeric matrix when the table is clean numbers, else the raw columns
/// with their kinds.
fn features(
    path: &Path,
    mut d: Dataset,
    t: RawTable,
    o: &ReadOptions,
) -> Result<Dataset, InputError> {
    if let Some(plan) = o.like {
        check_columns(path, &t, plan)?;
    }
    let clean = o.columns.is_empty()
        && o.like.is_none()
        && t.cols.iter().all(
            |c| matches!(c, RawCol::Num(v, NumFormat::Plain) if v.iter().all(|x| !x.is_nan())),
        );
    if t.names.is_empty() {
        return Err(InputError::in_file(
            path,
            "no feature columns: expected at least one column besides the target",
        )
        .line(1));
    }
    if clean {
        return numeric_matrix(d, t);
    }
    let kinds: Vec<(String, ColumnKind)> = match o.like {
        Some(plan) => plan.iter().map(|(n, k, _)| (n.clone(), *k)).collect(),
        None => infer::kinds(&t, o.columns, None)?
            .into_iter()
            .map(|r| (r.name, r.kind))
            .collect(),
    };
    if !kinds.iter().any(|(_, k)| k.is_feature()) {
        let list: Vec<String> = kinds
            .iter()
            .map(|(n, k)| format!("{n} ({})", k.as_str()))
            .collect();
        return Err(InputError::in_file(
            path,
            format!(
                "no feature columns: every column besides the target is an id, text, constant or ignored ({}); name one numeric or categorical in [data.columns]",
                list.join(", ")
            ),
        )
        .line(1));
    }
    d.feature_names = kinds.iter().map(|(n, _)| n.clone()).collect();
    d.table = Some(TableRows { table: t, kinds });
    Ok(d)
}

/// A file read like the training file must have its feature columns, and no others.
fn check_columns(path: &Path, t: &RawTable, plan: &[Planned]) -> Result<(), InputError> {
    let missing: Vec<&str> = plan
        .iter()
        .map(|(n, _, _)| n.as_str())
        .filter(|n| t.position(n).is_none())
        .collect();
    let extra: Vec<&str> = t
        .names
        .iter()
        .map(String::as_str)
        .filter(|n| !plan.iter().any(|(p, _, _)| p == n))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("missing column(s) {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        why.push(format!("extra column(s) {}", extra.join(", ")));
    }
    Err(InputError::in_file(
        path,
        format!(
            "the columns differ from the training data's: {}",
            why.join("; ")
        ),
    )
    .line(1))
}

/// Every feature a plain, present number: the matrix row by row, as tuneup has always read
/// clean tables (infinity refused at its line and column).
fn numeric_matrix(mut d: Dataset, t: RawTable) -> Result<Dataset, InputError> {
    let n = t.len();
    let width = t.cols.len();
    let mut x = vec![0f32; n * width];
    for (c, col) in t.cols.iter().enumerate() {
        let RawCol::Num(v, _) = col else {
            unreachable!("a clean table has numbers only")
        };
        for (r, val) in v.iter().enumerate() {
            if !val.is_finite() {
                return Err(InputError::in_file(
                    &t.source,
                    format!("feature value `{val}` is not finite: NaN and infinity are not allowed in features"),
                )
                .line(t.lines[r] as usize)
                .column(format!("{} (`{}`)", c + 1, t.names[c])));
            }
            x[r * width + c] = *val;
        }
    }
    d.sample_shape = vec![width];
    d.feature_names = t.names;
    d.x = x;
    Ok(d)
}
