//! Parquet: a table whose columns are typed already. Numbers become numeric columns, dates and
//! timestamps date columns, strings and booleans string columns; a column may be forced to be
//! read as text (a class label stored as an integer).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::{DateFormat, Forced, MISSING, NumFormat, RawCol, RawTable, ReadAs};
use crate::error::InputError;

fn open(path: &Path) -> Result<SerializedFileReader<std::fs::File>, InputError> {
    let f = std::fs::File::open(path).map_err(|e| {
        InputError::in_file(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "file not found".to_string(),
                _ => format!("cannot read: {e}"),
            },
        )
    })?;
    SerializedFileReader::new(f)
        .map_err(|e| InputError::in_file(path, format!("not a readable Parquet file: {e}")))
}

/// The columns' names (top-level fields).
pub(super) fn header(path: &Path) -> Result<Vec<String>, InputError> {
    let r = open(path)?;
    let schema = r
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .clone();
    Ok(schema
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect())
}

/// What a cell holds, as tuneup reads it.
enum Cell {
    Missing,
    Num(f64),
    Days(f64),
    Text(String),
}

fn cell(f: &Field) -> Cell {
    match f {
        Field::Null => Cell::Missing,
        Field::Bool(b) => Cell::Text(b.to_string()),
        Field::Byte(v) => Cell::Num(*v as f64),
        Field::Short(v) => Cell::Num(*v as f64),
        Field::Int(v) => Cell::Num(*v as f64),
        Field::Long(v) => Cell::Num(*v as f64),
        Field::UByte(v) => Cell::Num(*v as f64),
        Field::UShort(v) => Cell::Num(*v as f64),
        Field::UInt(v) => Cell::Num(*v as f64),
        Field::ULong(v) => Cell::Num(*v as f64),
        Field::Float16(v) => Cell::Num(f64::from(*v)),
        Field::Float(v) if v.is_nan() => Cell::Missing,
        Field::Float(v) => Cell::Num(*v as f64),
        Field::Double(v) if v.is_nan() => Cell::Missing,
        Field::Double(v) => Cell::Num(*v),
        Field::Decimal(_) => f
            .to_string()
            .parse()
            .map(Cell::Num)
            .unwrap_or(Cell::Missing),
        Field::Str(s) if super::is_missing(s.trim()) => Cell::Missing,
        Field::Str(s) => Cell::Text(s.trim().to_string()),
        Field::Date(d) => Cell::Days(*d as f64),
        Field::TimestampMillis(ms) => Cell::Days(*ms as f64 / 86_400_000.0),
        Field::TimestampMicros(us) => Cell::Days(*us as f64 / 86_400_000_000.0),
        other => Cell::Text(other.to_string()),
    }
}

/// One column being filled; decided by the first cell that is not missing (or forced).
enum Col {
    Undecided(usize),
    Num(Vec<f32>),
    Date(Vec<f64>),
    Str(Vec<u32>, Vec<String>, HashMap<String, u32>),
    Skip(usize),
}

impl Col {
    fn new(forced: Option<Forced>) -> Col {
        match forced {
            Some(Forced::Skip) => Col::Skip(0),
            Some(Forced::Str) | Some(Forced::As(ReadAs::Str)) => {
                Col::Str(vec![], vec![], HashMap::new())
            }
            Some(Forced::AnyNum) | Some(Forced::As(ReadAs::Num(_))) => Col::Num(vec![]),
            Some(Forced::AnyDate) | Some(Forced::As(ReadAs::Date(_))) => Col::Date(vec![]),
            None => Col::Undecided(0),
        }
    }

    /// Adds a cell; `Err` says what the column holds.
    fn push(&mut self, c: Cell) -> Result<(), &'static str> {
        if let Col::Undecided(n) = self {
            let n = *n;
            *self = match &c {
                Cell::Missing => Col::Undecided(n + 1),
                Cell::Num(_) => Col::Num(vec![f32::NAN; n]),
                Cell::Days(_) => Col::Date(vec![f64::NAN; n]),
                Cell::Text(_) => Col::Str(vec![MISSING; n], vec![], HashMap::new()),
            };
            if matches!(c, Cell::Missing) {
                return Ok(());
            }
        }
        match (self, c) {
            (Col::Num(v), Cell::Missing) => v.push(f32::NAN),
            (Col::Num(v), Cell::Num(x)) => v.push(x as f32),
            (Col::Date(v), Cell::Missing) => v.push(f64::NAN),
            (Col::Date(v), Cell::Days(d)) => v.push(d),
            (Col::Str(codes, _, _), Cell::Missing) => codes.push(MISSING),
            (Col::Str(codes, levels, index), other) => {
                let s = match other {
                    Cell::Num(x) => x.to_string(),
                    Cell::Days(d) => d.to_string(),
                    Cell::Text(s) => s,
                    Cell::Missing => unreachable!("handled above"),
                };
                let c = *index.entry(s.clone()).or_insert_with(|| {
                    levels.push(s);
                    levels.len() as u32 - 1
                });
                codes.push(c);
            }
            (Col::Skip(n), _) => *n += 1,
            (Col::Num(_), _) => return Err("numbers"),
            (Col::Date(_), _) => return Err("dates"),
            (Col::Undecided(_), _) => unreachable!("decided above"),
        }
        Ok(())
    }

    fn finish(self) -> RawCol {
        match self {
            Col::Undecided(n) => RawCol::Str(vec![MISSING; n], vec![]),
            Col::Num(v) => RawCol::Num(v, NumFormat::Plain),
            Col::Date(v) => RawCol::Date(v, DateFormat::YearFirst),
            Col::Str(c, l, _) => RawCol::Str(c, l),
            Col::Skip(n) => RawCol::Skipped(n),
        }
    }
}

pub(super) fn read(path: &Path, forced: &BTreeMap<String, Forced>) -> Result<RawTable, InputError> {
    let names = header(path)?;
    let reader = open(path)?;
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| InputError::in_file(path, format!("cannot read its rows: {e}")))?;
    let mut cols: Vec<Col> = names
        .iter()
        .map(|n| Col::new(forced.get(n).copied()))
        .collect();
    let mut lines = Vec::new();
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| {
            InputError::in_file(path, format!("corrupt data at row {}: {e}", i + 1))
        })?;
        for (c, (_, field)) in row.get_column_iter().enumerate() {
            cols[c].push(cell(field)).map_err(|want| {
                InputError::in_file(
                    path,
                    format!("row {}: expected {want}, found `{field}`", i + 1),
                )
                .column(format!("{} (`{}`)", c + 1, names[c]))
            })?;
        }
        lines.push(i as u32 + 1);
    }
    if lines.is_empty() {
        return Err(InputError::in_file(path, "no data rows"));
    }
    Ok(RawTable {
        source: path.to_path_buf(),
        names,
        cols: cols.into_iter().map(Col::finish).collect(),
        lines,
    })
}
