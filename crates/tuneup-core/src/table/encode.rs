//! The features a table's columns become, fitted on the training rows only and kept with the run,
//! so that new data is encoded the same way: numbers and booleans standardised with the training
//! median filling a missing cell and a missing-indicator feature beside; dates as their parts;
//! categorical columns one-hot (dense nets) or as level codes (the tabular model's embeddings),
//! with levels of their own for missing, rare (seen in fewer than `rare_count` training rows) and
//! unknown (unseen in training) values.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::infer::boolean_value;
use super::{MISSING, RawCol, RawTable, ReadAs, date};
use crate::error::InputError;
use crate::spec::{ColumnKind, TextSpec};
use crate::text::TextFit;

/// How categorical columns reach the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A 0 / 1 feature per level (dense nets).
    OneHot,
    /// Columns with many levels ([`EMBED_FROM`] or more kept) as one level code each, after
    /// every other feature (the tabular model's embeddings); columns with few one-hot.
    Codes,
    /// Every categorical column as a level code after the other features, and a missing
    /// number left missing (NaN, no indicator feature): the boosted trees, which split on level
    /// sets and learn where missing values go.
    Native,
}

/// Under [`Layout::Codes`], a categorical column with at least this many kept levels is
/// embedded; one with fewer is one-hot.
pub const EMBED_FROM: usize = 8;

/// One-hot columns at most per categorical column (the most frequent levels; the rest are rare).
pub const MAX_ONE_HOT: usize = 256;

/// Codes of the levels every categorical column has (the kept levels follow).
pub const UNKNOWN: u32 = 0;
pub const MISSING_LEVEL: u32 = 1;
pub const RARE: u32 = 2;
const FIRST_LEVEL: u32 = 3;

/// Centre and scale of one feature, with the value a missing cell takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub median: f64,
    pub mean: f64,
    pub std: f64,
}

impl Stats {
    fn fit(values: &[f64]) -> Stats {
        let mut present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        present.sort_by(f64::total_cmp);
        let median = match present.len() {
            0 => 0.0,
            n if n % 2 == 1 => present[n / 2],
            n => (present[n / 2 - 1] + present[n / 2]) / 2.0,
        };
        let filled: Vec<f64> = values
            .iter()
            .map(|v| if v.is_nan() { median } else { *v })
            .collect();
        let n = filled.len().max(1) as f64;
        let mean = filled.iter().sum::<f64>() / n;
        let std = (filled.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        Stats {
            median,
            mean,
            std: if std < 1e-12 { 1.0 } else { std },
        }
    }

    fn apply(&self, v: f64) -> f32 {
        let v = if v.is_nan() { self.median } else { v };
        ((v - self.mean) / self.std) as f32
    }
}

/// What was fitted for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "fit")]
pub enum Fit {
    /// Not a feature (an id, free text, ignored).
    Skip,
    /// A number (or a boolean as 0 / 1); `log`: a skewed non-negative number, read as
    /// `ln(1 + x)` before it is standardised (as AutoGluon's networks treat skewed features),
    /// with `raw`: the number itself standardised beside it (a target linear in the number
    /// stays linear for the nets; runs recorded before it have none).
    Number {
        stats: Stats,
        indicator: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        log: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw: Option<Stats>,
    },
    /// A date's parts ([`date::PARTS`]).
    Date { parts: Vec<Stats>, indicator: bool },
    /// Categorical: the kept levels (code = 3 + index), whether the training rows had missing
    /// or rare values.
    Levels {
        levels: Vec<String>,
        missing: bool,
        rare: bool,
        /// The training levels merged as rare (a level in neither list is unknown).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rare_levels: Vec<String>,
    },
}

/// One column: its name, kind, how it is read, what was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub read: Option<ReadAs>,
    #[serde(flatten)]
    pub fit: Fit,
}

/// A table's encoder, fitted on the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularEncoder {
    pub layout: Layout,
    pub columns: Vec<Column>,
    /// For a text model: the text columns' tokenizer; each row's token ids (`max_len` of them,
    /// padded with 0) follow every other feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextFit>,
}

/// The numbers of a column of a numeric or boolean kind (NaN where missing or not a boolean
/// word).
fn numbers(col: &RawCol) -> Vec<f64> {
    match col {
        RawCol::Num(v, _) => v.iter().map(|x| *x as f64).collect(),
        RawCol::Str(codes, levels) => codes
            .iter()
            .map(|&c| {
                (c != MISSING)
                    .then(|| boolean_value(&levels[c as usize]))
                    .flatten()
                    .map_or(f64::NAN, f64::from)
            })
            .collect(),
        RawCol::Date(v, _) => v.clone(),
        RawCol::Skipped(n) => vec![f64::NAN; *n],
    }
}

/// The parts of each date (NaN where missing).
fn date_parts(col: &RawCol) -> Vec<[f64; 6]> {
    let days = numbers(col);
    days.iter()
        .map(|d| {
            if d.is_nan() {
                [f64::NAN; 6]
            } else {
                date::parts(*d)
            }
        })
        .collect()
}

/// The level text of each row (`None` where missing).
fn level_texts(col: &RawCol) -> Vec<Option<String>> {
    (0..col.len())
        .map(|i| (!col.missing(i)).then(|| col.text(i)))
        .collect()
}

impl TabularEncoder {
    /// Fits every column of `kinds` (name, kind) on the training rows of `table`; with `text`
    /// (a text model), a tokenizer on its text columns.
    pub fn fit(
        table: &RawTable,
        kinds: &[(String, ColumnKind)],
        layout: Layout,
        rare_count: usize,
        text: Option<&TextSpec>,
    ) -> Result<TabularEncoder, InputError> {
        let columns = kinds
            .iter()
            .map(|(name, kind)| {
                let col = table.position(name).map(|i| &table.cols[i]);
                let fit = match (col, kind) {
                    (Some(c), ColumnKind::Numeric | ColumnKind::Boolean) => {
                        let v = numbers(c);
                        let log = *kind == ColumnKind::Numeric && skewed(&v);
                        let (t, raw): (Vec<f64>, _) = if log {
                            (v.iter().map(|x| log1p(*x)).collect(), Some(Stats::fit(&v)))
                        } else {
                            (v, None)
                        };
                        Fit::Number {
                            indicator: t.iter().any(|x| x.is_nan()),
                            stats: Stats::fit(&t),
                            log,
                            raw,
                        }
                    }
                    (Some(c), ColumnKind::Date) => {
                        let p = date_parts(c);
                        Fit::Date {
                            indicator: p.iter().any(|x| x[0].is_nan()),
                            parts: (0..6)
                                .map(|k| Stats::fit(&p.iter().map(|x| x[k]).collect::<Vec<_>>()))
                                .collect(),
                        }
                    }
                    (Some(c), ColumnKind::Categorical) => fit_levels(c, layout, rare_count),
                    _ => Fit::Skip,
                };
                Column {
                    name: name.clone(),
                    kind: *kind,
                    read: col.and_then(RawCol::read_as),
                    fit,
                }
            })
            .collect();
        let text_cols: Vec<String> = kinds
            .iter()
            .filter(|(n, k)| *k == ColumnKind::Text && table.position(n).is_some())
            .map(|(n, _)| n.clone())
            .collect();
        let text = match text {
            Some(spec) if !text_cols.is_empty() => {
                let rows = crate::text::rows_of(table, &text_cols)?;
                Some(TextFit::fit(spec, text_cols, &rows)?)
            }
            _ => None,
        };
        Ok(TabularEncoder {
            layout,
            columns,
            text,
        })
    }
}

/// A skewed number's own standardised value (beside its log) is clipped to this many standard
/// deviations.
const RAW_CLIP: f32 = 3.0;

/// Skewness above which a non-negative number is read in log space.
const SKEWED: f64 = 1.0;

/// `ln(1 + x)` of a non-negative number (a negative one, unseen in training, counts as 0).
fn log1p(x: f64) -> f64 {
    if x.is_nan() { x } else { x.max(0.0).ln_1p() }
}

/// Whether the present values are non-negative, of more than two distinct values, and skewed
/// to the right past [`SKEWED`].
fn skewed(v: &[f64]) -> bool {
    let p: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if p.len() < 3 || p.iter().any(|x| *x < 0.0) {
        return false;
    }
    let n = p.len() as f64;
    let m = p.iter().sum::<f64>() / n;
    let s2 = p.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let s3 = p.iter().map(|x| (x - m).powi(3)).sum::<f64>() / n;
    s2 > 0.0 && s3 / s2.powf(1.5) > SKEWED
}

/// The kept levels of a categorical column: those seen in at least `rare_count` training rows,
/// most frequent first (at most [`MAX_ONE_HOT`] for one-hot).
fn fit_levels(col: &RawCol, layout: Layout, rare_count: usize) -> Fit {
    let texts = level_texts(col);
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, t) in texts.iter().enumerate() {
        if let Some(t) = t {
            counts.entry(t.as_str()).or_insert((0, i)).0 += 1;
        }
    }
    let mut kept: Vec<(&str, usize, usize)> = counts
        .iter()
        .map(|(l, (n, first))| (*l, *n, *first))
        .filter(|(_, n, _)| *n >= rare_count)
        .collect();
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    if layout == Layout::OneHot {
        kept.truncate(MAX_ONE_HOT);
    }
    let levels: Vec<String> = kept.into_iter().map(|(l, _, _)| l.to_string()).collect();
    let mut rare_levels: Vec<(usize, String)> = counts
        .iter()
        .filter(|(l, _)| !levels.iter().any(|k| k == *l))
        .map(|(l, (_, first))| (*first, l.to_string()))
        .collect();
    rare_levels.sort();
    Fit::Levels {
        rare: !rare_levels.is_empty(),
        missing: texts.iter().any(Option::is_none),
        levels,
        rare_levels: rare_levels.into_iter().map(|(_, l)| l).collect(),
    }
}

impl Column {
    /// Whether the column is a level code for an embedding (else one-hot, or not categorical).
    fn embedded(&self, layout: Layout) -> bool {
        match &self.fit {
            Fit::Levels { levels, .. } => match layout {
                Layout::OneHot => false,
                Layout::Codes => levels.len() >= EMBED_FROM,
                Layout::Native => true,
            },
            _ => false,
        }
    }

    /// Whether a skewed number's own value follows its log (not for trees, to which a log
    /// changes nothing).
    fn raw_copy(&self, layout: Layout) -> bool {
        layout != Layout::Native && matches!(&self.fit, Fit::Number { raw: Some(_), .. })
    }

    /// Whether a missing-value indicator feature follows the column's values.
    fn indicated(&self, layout: Layout) -> bool {
        layout != Layout::Native
            && matches!(
                &self.fit,
                Fit::Number {
                    indicator: true,
                    ..
                } | Fit::Date {
                    indicator: true,
                    ..
                }
            )
    }

    /// Features this column becomes in `layout` (an embedded column's code counts in
    /// [`TabularEncoder::cat_levels`] instead).
    fn width(&self, layout: Layout) -> usize {
        match &self.fit {
            Fit::Skip => 0,
            Fit::Number { .. } => {
                1 + usize::from(self.raw_copy(layout)) + usize::from(self.indicated(layout))
            }
            Fit::Date { .. } => 6 + usize::from(self.indicated(layout)),
            Fit::Levels { .. } if self.embedded(layout) => 0,
            Fit::Levels {
                levels,
                missing,
                rare,
                ..
            } => levels.len() + usize::from(*missing) + usize::from(*rare),
        }
    }

    fn names(&self, layout: Layout) -> Vec<String> {
        let n = &self.name;
        let mut out = Vec::new();
        match &self.fit {
            Fit::Skip => {}
            Fit::Number { .. } => {
                out.push(n.clone());
                if self.raw_copy(layout) {
                    out.push(format!("{n}_raw"));
                }
                if self.indicated(layout) {
                    out.push(format!("{n}_missing"));
                }
            }
            Fit::Date { .. } => {
                out.extend(date::PARTS.iter().map(|p| format!("{n}_{p}")));
                if self.indicated(layout) {
                    out.push(format!("{n}_missing"));
                }
            }
            Fit::Levels { .. } if self.embedded(layout) => {}
            Fit::Levels {
                levels,
                missing,
                rare,
                ..
            } => {
                out.extend(levels.iter().map(|l| format!("{n}={l}")));
                if *missing {
                    out.push(format!("{n}=<missing>"));
                }
                if *rare {
                    out.push(format!("{n}=<rare>"));
                }
            }
        }
        out
    }
}

impl TabularEncoder {
    /// Features per row.
    pub fn width(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.width(self.layout))
            .sum::<usize>()
            + self.cat_levels().len()
            + self.text.as_ref().map_or(0, |t| t.spec.max_len)
    }

    /// The token ids' block at the end of each row (a text model's input).
    pub fn text_block(&self) -> Option<crate::zoo::TextBlock> {
        self.text.as_ref().map(|t| crate::zoo::TextBlock {
            len: t.spec.max_len,
            vocab: t.size,
        })
    }

    /// The features' names, in order.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .columns
            .iter()
            .flat_map(|c| c.names(self.layout))
            .collect();
        names.extend(
            self.columns
                .iter()
                .filter(|c| c.embedded(self.layout))
                .map(|c| c.name.clone()),
        );
        if let Some(t) = &self.text {
            let joined = t.columns.join("+");
            names.extend((0..t.spec.max_len).map(|i| format!("{joined}[{i}]")));
        }
        names
    }

    /// Each embedded column's number of codes (unknown, missing, rare and the kept levels), in
    /// the order their codes follow the other features.
    pub fn cat_levels(&self) -> Vec<usize> {
        self.columns
            .iter()
            .filter(|c| c.embedded(self.layout))
            .filter_map(|c| match &c.fit {
                Fit::Levels { levels, .. } => Some(FIRST_LEVEL as usize + levels.len()),
                _ => None,
            })
            .collect()
    }

    /// How each column is read (for a new file to be read the same way).
    pub fn read_as(&self) -> Vec<(String, Option<ReadAs>)> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.read))
            .collect()
    }

    /// The rows of `table` as features, row-major. A column the encoder needs and the table
    /// lacks is an error naming it; a value that is not finite is an error naming its line.
    pub fn transform(&self, table: &RawTable) -> Result<Vec<f32>, InputError> {
        let n = table.len();
        let width = self.width();
        let mut x = vec![0f32; n * width];
        let mut at = 0;
        let mut codes: Vec<Vec<u32>> = Vec::new();
        for c in &self.columns {
            if matches!(c.fit, Fit::Skip) {
                continue;
            }
            let Some(i) = table.position(&c.name) else {
                return Err(InputError::in_file(
                    &table.source,
                    format!("no column `{}`, which the model was trained with", c.name),
                ));
            };
            let col = &table.cols[i];
            let indicator = c.indicated(self.layout);
            // Under the native layout a missing value stays missing (NaN).
            let keep_missing = self.layout == Layout::Native;
            let value = |s: &Stats, v: f64| {
                if keep_missing && v.is_nan() {
                    f32::NAN
                } else {
                    s.apply(v)
                }
            };
            match &c.fit {
                Fit::Number {
                    stats, log, raw, ..
                } => {
                    let v = numbers(col);
                    finite(table, &c.name, &v)?;
                    let raw = raw.as_ref().filter(|_| c.raw_copy(self.layout));
                    for (r, own) in v.iter().enumerate() {
                        let val = if *log { log1p(*own) } else { *own };
                        x[r * width + at] = value(stats, val);
                        let mut k = 1;
                        if let Some(rs) = raw {
                            // Clipped: a heavy tail's few extreme values would dominate it.
                            x[r * width + at + 1] = value(rs, *own).clamp(-RAW_CLIP, RAW_CLIP);
                            k = 2;
                        }
                        if indicator {
                            x[r * width + at + k] = f32::from(u8::from(val.is_nan()));
                        }
                    }
                }
                Fit::Date { parts, .. } => {
                    for (r, p) in date_parts(col).iter().enumerate() {
                        for (k, s) in parts.iter().enumerate() {
                            x[r * width + at + k] = value(s, p[k]);
                        }
                        if indicator {
                            x[r * width + at + 6] = f32::from(u8::from(p[0].is_nan()));
                        }
                    }
                }
                Fit::Levels {
                    levels,
                    missing,
                    rare,
                    rare_levels,
                } => {
                    let code = level_codes(col, levels, rare_levels);
                    if c.embedded(self.layout) {
                        codes.push(code);
                        continue;
                    }
                    let (m, r) = (levels.len(), levels.len() + usize::from(*missing));
                    for (row, k) in code.iter().enumerate() {
                        let slot = match *k {
                            MISSING_LEVEL if *missing => Some(m),
                            RARE if *rare => Some(r),
                            k if k >= FIRST_LEVEL => Some((k - FIRST_LEVEL) as usize),
                            _ => None,
                        };
                        if let Some(s) = slot {
                            x[row * width + at + s] = 1.0;
                        }
                    }
                }
                Fit::Skip => unreachable!("skipped above"),
            }
            at += c.width(self.layout);
        }
        for (k, code) in codes.iter().enumerate() {
            for (row, v) in code.iter().enumerate() {
                x[row * width + at + k] = *v as f32;
            }
        }
        at += codes.len();
        if let Some(t) = &self.text {
            let ids = t.ids(&crate::text::rows_of(table, &t.columns)?)?;
            for (row, ids) in ids.iter().enumerate() {
                for (k, id) in ids.iter().enumerate() {
                    x[row * width + at + k] = *id as f32;
                }
            }
        }
        Ok(x)
    }
}

/// Each row's level code: a kept level, missing, rare (seen in training, but rarely) or unknown.
fn level_codes(col: &RawCol, levels: &[String], rare: &[String]) -> Vec<u32> {
    let index: HashMap<&str, u32> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), FIRST_LEVEL + i as u32))
        .chain(rare.iter().map(|l| (l.as_str(), RARE)))
        .collect();
    level_texts(col)
        .iter()
        .map(|t| match t {
            None => MISSING_LEVEL,
            Some(t) => index.get(t.as_str()).copied().unwrap_or(UNKNOWN),
        })
        .collect()
}

/// Infinities are not values a model can read: an error naming the line.
fn finite(table: &RawTable, name: &str, v: &[f64]) -> Result<(), InputError> {
    match v.iter().position(|x| x.is_infinite()) {
        None => Ok(()),
        Some(i) => Err(InputError::in_file(
            &table.source,
            format!(
                "value `{}` is not finite: infinity is not allowed in features",
                v[i]
            ),
        )
        .line(table.lines[i] as usize)
        .column(name.to_string())),
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
