//! Tables as users bring them: CSV (any delimiter, quoted fields with embedded newlines and
//! quotes, UTF-8 with or without BOM, `.gz`) and Parquet, read column by column into typed raw
//! columns ([`RawTable`]); what each column is ([`infer`]); and the encoder fitted on the
//! training rows that turns them into model features ([`encode`]).
//!
//! Reading sniffs the first [`SNIFF_ROWS`] rows to decide how each column is stored (numbers,
//! dates or strings), then reads every row strictly: a column whose sniffed rows were numbers and
//! that later holds text is an error naming the first offending line.

mod csv_read;
pub mod date;
pub mod encode;
pub mod infer;
pub mod number;
mod parquet_read;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use date::DateFormat;
pub use number::NumFormat;

use crate::error::InputError;

/// Rows read before each column's storage is decided.
pub const SNIFF_ROWS: usize = 10_000;

/// A missing cell of a string column.
pub const MISSING: u32 = u32::MAX;

/// The usual markers of a missing cell (compared trimmed, without regard to case).
pub fn is_missing(s: &str) -> bool {
    s.is_empty()
        || matches!(s, "?" | "-" | "." | "--")
        || ["na", "n/a", "nan", "null", "none", "#n/a", "nil", "missing"]
            .iter()
            .any(|m| s.eq_ignore_ascii_case(m))
}

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "as", content = "format")]
pub enum ReadAs {
    Num(NumFormat),
    Date(DateFormat),
    Str,
}

/// What a column must be read as, when that is known before sniffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    /// Exactly this way (a model reading new data the way it read its training data).
    As(ReadAs),
    /// Numbers, in whichever format the values are written.
    AnyNum,
    /// Dates, in whichever format.
    AnyDate,
    /// Strings.
    Str,
    /// Not read at all.
    Skip,
}

/// One column's cells.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCol {
    /// Numbers; NaN for a missing cell.
    Num(Vec<f32>, NumFormat),
    /// Days since 1970-01-01; NaN for a missing cell.
    Date(Vec<f64>, DateFormat),
    /// Strings as codes into `levels` (in order of first appearance); [`MISSING`] for a missing
    /// cell.
    Str(Vec<u32>, Vec<String>),
    /// Not read.
    Skipped(usize),
}

impl RawCol {
    pub fn len(&self) -> usize {
        match self {
            RawCol::Num(v, _) => v.len(),
            RawCol::Date(v, _) => v.len(),
            RawCol::Str(c, _) => c.len(),
            RawCol::Skipped(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How it was read (`None`: skipped).
    pub fn read_as(&self) -> Option<ReadAs> {
        match self {
            RawCol::Num(_, f) => Some(ReadAs::Num(*f)),
            RawCol::Date(_, f) => Some(ReadAs::Date(*f)),
            RawCol::Str(..) => Some(ReadAs::Str),
            RawCol::Skipped(_) => None,
        }
    }

    /// Whether row `i` is missing.
    pub fn missing(&self, i: usize) -> bool {
        match self {
            RawCol::Num(v, _) => v[i].is_nan(),
            RawCol::Date(v, _) => v[i].is_nan(),
            RawCol::Str(c, _) => c[i] == MISSING,
            RawCol::Skipped(_) => true,
        }
    }

    /// Row `i` as text (an empty string when missing).
    pub fn text(&self, i: usize) -> String {
        match self {
            _ if self.missing(i) => String::new(),
            RawCol::Num(v, _) => v[i].to_string(),
            RawCol::Date(v, _) => {
                let (y, m, d) = date::civil_from_days(v[i].floor() as i64);
                format!("{y:04}-{m:02}-{d:02}")
            }
            RawCol::Str(c, levels) => levels[c[i] as usize].clone(),
            RawCol::Skipped(_) => String::new(),
        }
    }

    /// The rows `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> RawCol {
        match self {
            RawCol::Num(v, f) => RawCol::Num(idx.iter().map(|&i| v[i]).collect(), *f),
            RawCol::Date(v, f) => RawCol::Date(idx.iter().map(|&i| v[i]).collect(), *f),
            RawCol::Str(c, l) => RawCol::Str(idx.iter().map(|&i| c[i]).collect(), l.clone()),
            RawCol::Skipped(_) => RawCol::Skipped(idx.len()),
        }
    }
}

/// A table as read: its columns by name, and each row's line in the file (for messages).
#[derive(Debug, Clone, PartialEq)]
pub struct RawTable {
    pub source: PathBuf,
    pub names: Vec<String>,
    pub cols: Vec<RawCol>,
    /// 1-based line where each row starts (Parquet: the row number + 1).
    pub lines: Vec<u32>,
}

impl RawTable {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The rows `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> RawTable {
        RawTable {
            source: self.source.clone(),
            names: self.names.clone(),
            cols: self.cols.iter().map(|c| c.select(idx)).collect(),
            lines: idx.iter().map(|&i| self.lines[i]).collect(),
        }
    }

    /// The table without column `i` (returned).
    pub fn take(&mut self, i: usize) -> (String, RawCol) {
        (self.names.remove(i), self.cols.remove(i))
    }
}

/// Whether a path is a Parquet file (by its extension or its magic bytes).
pub fn is_parquet(path: &Path) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        return true;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"PAR1"
}

/// Reads a table file: Parquet, or delimited text (gzipped or not). `forced` fixes how named
/// columns are read; the others are sniffed.
pub fn read(path: &Path, forced: &BTreeMap<String, Forced>) -> Result<RawTable, InputError> {
    read_with(path, forced, crate::spec::Encoding::Utf8)
}

/// [`read`], a delimited file's bytes decoded as `encoding` (Parquet strings are UTF-8).
pub fn read_with(
    path: &Path,
    forced: &BTreeMap<String, Forced>,
    encoding: crate::spec::Encoding,
) -> Result<RawTable, InputError> {
    if is_parquet(path) {
        parquet_read::read(path, forced)
    } else {
        csv_read::read(path, forced, encoding)
    }
}

/// The header of a table file (for messages that list the columns).
pub fn header(path: &Path) -> Result<Vec<String>, InputError> {
    if is_parquet(path) {
        parquet_read::header(path)
    } else {
        csv_read::header(path)
    }
}

#[cfg(test)]
mod tests;
