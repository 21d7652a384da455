//! What each column of a table is: numeric, categorical (text, or integers with few distinct
//! values), boolean, date, free text, an id, or constant; from the data, or as `[data.columns]`
//! says. Each column's report says what tuneup will do with it.

use std::collections::BTreeMap;

use super::{RawCol, RawTable};
use crate::error::InputError;
use crate::spec::ColumnKind;

/// Integer columns with at most this many distinct values are categorical (in a table that has
/// text columns too; in an all-numeric table they stay numbers: pixels, counts).
pub const FEW_LEVELS: usize = 10;

/// Words of a boolean column, and the value each stands for.
pub fn boolean_value(s: &str) -> Option<f32> {
    const TRUE: [&str; 5] = ["yes", "true", "y", "t", "1"];
    const FALSE: [&str; 5] = ["no", "false", "n", "f", "0"];
    if TRUE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(1.0)
    } else if FALSE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(0.0)
    } else {
        None
    }
}

/// One column as `init` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnReport {
    pub name: String,
    pub kind: ColumnKind,
    /// Rows where it is missing, of all rows.
    pub missing: usize,
    pub rows: usize,
    pub distinct: usize,
    /// Up to three values as written.
    pub examples: Vec<String>,
    /// How it was read (`numbers`, `amounts of money`, `dates` ...).
    pub read_as: String,
    /// What tuneup does with it.
    pub action: String,
}

/// A value as an example in a report: on one line, at most 40 characters.
fn example(v: &str) -> String {
    let one: String = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 40 {
        format!("{}...", one.chars().take(37).collect::<String>())
    } else {
        one
    }
}

/// Distinct values, missing count and the first three distinct values of a column.
fn stats(col: &RawCol) -> (usize, usize, Vec<String>) {
    let n = col.len();
    let missing = (0..n).filter(|&i| col.missing(i)).count();
    let (distinct, examples) = match col {
        RawCol::Str(codes, levels) => {
            let mut seen = vec![false; levels.len()];
            codes
                .iter()
                .filter(|&&c| c != super::MISSING)
                .for_each(|&c| seen[c as usize] = true);
            let d = seen.iter().filter(|s| **s).count();
            (d, levels.iter().take(3).cloned().collect())
        }
        _ => {
            let mut v: Vec<u64> = (0..n)
                .filter(|&i| !col.missing(i))
                .map(|i| match col {
                    RawCol::Num(x, _) => (x[i] as f64).to_bits(),
                    RawCol::Date(x, _) => x[i].to_bits(),
                    _ => 0,
                })
                .collect();
            let mut ex = Vec::new();
            for i in (0..n).filter(|&i| !col.missing(i)) {
                let t = col.text(i);
                if !ex.contains(&t) {
                    ex.push(t);
                }
                if ex.len() == 3 {
                    break;
                }
            }
            v.sort_unstable();
            v.dedup();
            (v.len(), ex)
        }
    };
    (
        distinct,
        missing,
        examples.iter().map(|e| example(e)).collect(),
    )
}

/// The kind a column's data suggest. `mixed`: the table has text columns (so a few distinct
/// integers are levels, not quantities).
fn guess(name: &str, col: &RawCol, distinct: usize, missing: usize, mixed: bool) -> ColumnKind {
    let n = col.len();
    let present = n - missing;
    if name.eq_ignore_ascii_case("id") {
        return ColumnKind::Id;
    }
    if present == 0 || distinct <= 1 {
        return ColumnKind::Ignore;
    }
    match col {
        RawCol::Num(v, _) => {
            let vals: Vec<f32> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            let integers = vals.iter().all(|x| x.fract() == 0.0);
            let increasing = vals.windows(2).all(|w| w[1] > w[0]);
            if distinct == 2 && vals.iter().all(|x| *x == 0.0 || *x == 1.0) {
                ColumnKind::Boolean
            } else if integers && increasing && distinct == n && n >= 20 {
                ColumnKind::Id
            } else if mixed && integers && distinct <= FEW_LEVELS {
                ColumnKind::Categorical
            } else {
                ColumnKind::Numeric
            }
        }
        RawCol::Date(..) => ColumnKind::Date,
        RawCol::Str(codes, levels) => {
            let used: Vec<&String> = {
                let mut seen = vec![false; levels.len()];
                codes
                    .iter()
                    .filter(|&&c| c != super::MISSING)
                    .for_each(|&c| seen[c as usize] = true);
                levels
                    .iter()
                    .zip(seen)
                    .filter(|(_, s)| *s)
                    .map(|(l, _)| l)
                    .collect()
            };
            let mean_len = used.iter().map(|l| l.chars().count()).sum::<usize>() as f64
                / used.len().max(1) as f64;
            let spaced = used.iter().filter(|l| l.contains(' ')).count() * 2 > used.len();
            if distinct == 2 && used.iter().all(|l| boolean_value(l).is_some()) {
                ColumnKind::Boolean
            } else if mean_len >= 30.0 && spaced {
                ColumnKind::Text
            } else if present >= 20 && distinct * 2 > present {
                ColumnKind::Id
            } else {
                ColumnKind::Categorical
            }
        }
        RawCol::Skipped(_) => ColumnKind::Ignore,
    }
}

fn action(kind: ColumnKind, missing: usize, distinct: usize) -> String {
    let fill = if missing > 0 {
        "; missing: training median + indicator"
    } else {
        ""
    };
    match kind {
        ColumnKind::Numeric => format!("standardised{fill}"),
        ColumnKind::Boolean => format!("0 / 1{fill}"),
        ColumnKind::Date => format!("year, month, day, weekday, day of year, days{fill}"),
        ColumnKind::Categorical => format!(
            "{}{}",
            if distinct >= super::encode::EMBED_FROM {
                "embedded (tabular model) or one-hot"
            } else {
                "one-hot"
            },
            if missing > 0 {
                "; missing: a level of its own"
            } else {
                ""
            }
        ),
        ColumnKind::Text if missing > 0 => {
            "text: tokens for the text models (an empty cell is empty text)".into()
        }
        ColumnKind::Text => "text: tokens for the text models".into(),
        ColumnKind::Id => "an id: kept for submissions, not a feature".into(),
        ColumnKind::Ignore if distinct <= 1 => "constant: dropped".into(),
        ColumnKind::Ignore => "ignored".into(),
    }
}

/// The kind of every column of `table` but `target`: as `declared`, else from the data. A
/// column that is missing everywhere is an error; so is a declared kind its data contradict.
pub fn kinds(
    table: &RawTable,
    declared: &BTreeMap<String, ColumnKind>,
    target: Option<&str>,
) -> Result<Vec<ColumnReport>, InputError> {
    let mixed = table.cols.iter().zip(&table.names).any(|(c, n)| {
        Some(n.as_str()) != target && !n.eq_ignore_ascii_case("id") && matches!(c, RawCol::Str(..))
    });
    let mut out = Vec::new();
    for (name, col) in table.names.iter().zip(&table.cols) {
        if Some(name.as_str()) == target {
            continue;
        }
        let (distinct, missing, examples) = stats(col);
        let rows = col.len();
        let declared_kind = declared.get(name).copied();
        if missing == rows && declared_kind.is_none_or(|k| k.is_feature()) && rows > 0 {
            return Err(InputError::in_file(
                &table.source,
                format!("column `{name}` is missing in every row: drop it, or name it `{name}` = \"ignore\" in [data.columns]"),
            )
            .column(name.clone()));
        }
        let kind = match declared_kind {
            Some(k) => check(table, name, col, k, distinct)?,
            None => guess(name, col, distinct, missing, mixed),
        };
        out.push(ColumnReport {
            name: name.clone(),
            kind,
            missing,
            rows,
            distinct,
            examples,
            read_as: read_as(col),
            action: action(kind, missing, distinct),
        });
    }
    Ok(out)
}

fn read_as(col: &RawCol) -> String {
    match col {
        RawCol::Num(_, f) => f.describe().into(),
        RawCol::Date(..) => "dates".into(),
        RawCol::Str(..) => "text".into(),
        RawCol::Skipped(_) => "-".into(),
    }
}

/// A declared kind the data must bear out (numbers and dates were read strictly already).
fn check(
    table: &RawTable,
    name: &str,
    col: &RawCol,
    kind: ColumnKind,
    distinct: usize,
) -> Result<ColumnKind, InputError> {
    if kind != ColumnKind::Boolean {
        return Ok(kind);
    }
    let bad = match col {
        RawCol::Str(codes, levels) => codes
            .iter()
            .position(|&c| c != super::MISSING && boolean_value(&levels[c as usize]).is_none()),
        RawCol::Num(v, _) => v.iter().position(|x| !x.is_nan() && *x != 0.0 && *x != 1.0),
        _ => None,
    };
    match bad {
        None if distinct <= 2 => Ok(kind),
        bad => {
            let mut e = InputError::in_file(
                &table.source,
                format!(
                    "column `{name}` is named boolean in [data.columns], but it has {distinct} values{}: expected yes / no, true / false, y / n or 0 / 1",
                    bad.map(|i| format!(" (`{}`)", col.text(i))).unwrap_or_default()
                ),
            )
            .key(format!("data.columns.{name}"));
            if let Some(i) = bad {
                e = e.line(table.lines[i] as usize);
            }
            Err(e)
        }
    }
}
