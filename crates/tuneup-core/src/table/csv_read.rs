//! Delimited text: the bytes (gunzipped when gzipped, a UTF-8 BOM dropped), the delimiter
//! (`,` `;` tab `|`, from the first lines), the header, then the rows column by column.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use super::{
    DateFormat, Forced, MISSING, NumFormat, RawCol, RawTable, ReadAs, SNIFF_ROWS, is_missing,
};
use crate::error::{InputError, read_file};
use crate::spec::Encoding;

/// The file's bytes as UTF-8: gunzipped when they are gzip, without a UTF-8 BOM, Latin-1
/// transcoded. UTF-16 is refused.
fn bytes_of(path: &Path, encoding: Encoding) -> Result<Vec<u8>, InputError> {
    let raw = read_file(path)?;
    let mut bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                InputError::in_file(
                    path,
                    format!("corrupt gzip data ({e}): expected a gzipped table"),
                )
            })?;
        out
    } else {
        raw
    };
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(InputError::in_file(
            path,
            "UTF-16 text: expected UTF-8 (save the table as UTF-8)",
        ));
    }
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        bytes.drain(..3);
    }
    if encoding == Encoding::Latin1 {
        // Every byte is the character of its code.
        bytes = bytes
            .iter()
            .map(|&b| b as char)
            .collect::<String>()
            .into_bytes();
    }
    Ok(bytes)
}

/// The delimiter: the candidate found the same number of times (at least once) on the most
/// of the first lines, outside quotes; a comma when none is.
fn delimiter(bytes: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').take(20).collect();
    let count = |line: &[u8], d: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                !quoted && b == d
            })
            .count()
    };
    let score = |d: u8| -> (usize, usize) {
        let first = count(lines.first().copied().unwrap_or(&[]), d);
        let same = lines
            .iter()
            .filter(|l| !l.is_empty() && count(l, d) == first)
            .count();
        (if first > 0 { same } else { 0 }, first)
    };
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&d| score(d))
        .filter(|&d| score(d).0 > 0)
        .unwrap_or(b',')
}

/// A field as UTF-8 text, or an error naming the byte, line and column.
fn utf8<'a>(
    path: &Path,
    field: &'a [u8],
    line: u64,
    col: usize,
    names: &[String],
) -> Result<&'a str, InputError> {
    std::str::from_utf8(field).map_err(|e| {
        let at = e.valid_up_to();
        let mut err = InputError::in_file(
            path,
            format!(
                "not UTF-8 text: byte 0x{:02x} ({} bytes into the field): save the table as UTF-8, or set data.encoding = \"latin-1\" for a Latin-1 file",
                field[at], at
            ),
        )
        .line(line as usize);
        if let Some(n) = names.get(col) {
            err = err.column(format!("{} (`{n}`)", col + 1));
        }
        err
    })
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// The header names, trimmed; duplicate or empty names are errors.
fn header_of(path: &Path, rdr: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, InputError> {
    let mut rec = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| InputError::in_file(path, format!("cannot read the header: {e}")))?;
    if !got || rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
        return Err(InputError::in_file(
            path,
            "empty file: expected a header line",
        ));
    }
    let mut names = Vec::new();
    for (i, f) in rec.iter().enumerate() {
        let name = utf8(path, f, 1, i, &[])?.trim().to_string();
        if name.is_empty() {
            return Err(InputError::in_file(path, format!("column {} has no name", i + 1)).line(1));
        }
        if names.contains(&name) {
            return Err(InputError::in_file(
                path,
                format!("column `{name}` appears twice in the header"),
            )
            .line(1));
        }
        names.push(name);
    }
    Ok(names)
}

/// The header of a delimited file (from its first 64 KiB).
pub(super) fn header(path: &Path) -> Result<Vec<String>, InputError> {
    let io = |e: std::io::Error| InputError::in_file(path, format!("cannot read: {e}"));
    let f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => InputError::in_file(path, "file not found"),
        _ => io(e),
    })?;
    let mut magic = [0u8; 2];
    let gz = std::io::Read::read_exact(&mut &f, &mut magic).is_ok() && magic == [0x1f, 0x8b];
    let f = std::fs::File::open(path).map_err(io)?;
    let mut head = Vec::new();
    let limit = 64 * 1024;
    let read = if gz {
        flate2::read::MultiGzDecoder::new(f)
            .take(limit)
            .read_to_end(&mut head)
    } else {
        f.take(limit).read_to_end(&mut head)
    };
    read.map_err(|e| {
        InputError::in_file(
            path,
            format!("corrupt gzip data ({e}): expected a gzipped table"),
        )
    })?;
    if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        head.drain(..3);
    }
    header_of(path, &mut reader(&head))
}

/// One column being filled.
enum Builder {
    Num(Vec<f32>, NumFormat),
    Date(Vec<f64>, DateFormat),
    Str(Vec<u32>, Vec<String>, HashMap<String, u32>),
    Skip(usize),
}

impl Builder {
    /// How a column is stored: forced, or from its sniffed values (numbers, then dates, then
    /// strings).
    fn decide(forced: Option<Forced>, sniffed: &[&str]) -> Result<Builder, String> {
        let present = || sniffed.iter().copied().filter(|s| !is_missing(s));
        let any_num = || NumFormat::detect(present());
        let any_date = || DateFormat::detect(present());
        Ok(match forced {
            Some(Forced::Skip) => Builder::Skip(0),
            Some(Forced::Str) => Builder::Str(vec![], vec![], HashMap::new()),
            Some(Forced::As(ReadAs::Str)) => Builder::Str(vec![], vec![], HashMap::new()),
            Some(Forced::As(ReadAs::Num(f))) => Builder::Num(vec![], f),
            Some(Forced::As(ReadAs::Date(f))) => Builder::Date(vec![], f),
            Some(Forced::AnyNum) => match any_num() {
                Some(f) => Builder::Num(vec![], f),
                None if present().next().is_none() => Builder::Num(vec![], NumFormat::Plain),
                None => return Err("numbers".into()),
            },
            Some(Forced::AnyDate) => match any_date() {
                Some(f) => Builder::Date(vec![], f),
                None => return Err("dates".into()),
            },
            None => match (present().next(), any_num(), any_date()) {
                (None, _, _) => Builder::Str(vec![], vec![], HashMap::new()),
                (_, Some(f), _) => Builder::Num(vec![], f),
                (_, None, Some(f)) => Builder::Date(vec![], f),
                _ => Builder::Str(vec![], vec![], HashMap::new()),
            },
        })
    }

    /// Adds a cell (trimmed); `Err` says what the column expected.
    fn push(&mut self, s: &str) -> Result<(), &'static str> {
        match self {
            Builder::Num(v, f) => v.push(if is_missing(s) {
                f32::NAN
            } else {
                f.parse(s).ok_or(f.describe())?
            }),
            Builder::Date(v, f) => v.push(if is_missing(s) {
                f64::NAN
            } else {
                f.parse(s).ok_or("dates")?
            }),
            Builder::Str(codes, levels, index) => {
                if is_missing(s) {
                    codes.push(MISSING);
                } else if let Some(&c) = index.get(s) {
                    codes.push(c);
                } else {
                    let c = levels.len() as u32;
                    levels.push(s.to_string());
                    index.insert(s.to_string(), c);
                    codes.push(c);
                }
            }
            Builder::Skip(n) => *n += 1,
        }
        Ok(())
    }

    fn finish(self) -> RawCol {
        match self {
            Builder::Num(v, f) => RawCol::Num(v, f),
            Builder::Date(v, f) => RawCol::Date(v, f),
            Builder::Str(c, l, _) => RawCol::Str(c, l),
            Builder::Skip(n) => RawCol::Skipped(n),
        }
    }
}

/// The whole table: sniffs the first rows, then reads every row into its column.
pub(super) fn read(
    path: &Path,
    forced: &BTreeMap<String, Forced>,
    encoding: Encoding,
) -> Result<RawTable, InputError> {
    let bytes = bytes_of(path, encoding)?;
    let mut rdr = reader(&bytes);
    let names = header_of(path, &mut rdr)?;
    let mut sniff: Vec<(u64, csv::ByteRecord)> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let read_err = |e: csv::Error| InputError::in_file(path, format!("cannot read: {e}"));
    while sniff.len() < SNIFF_ROWS && rdr.read_byte_record(&mut rec).map_err(read_err)? {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if !blank(&rec) {
            sniff.push((line, rec.clone()));
        }
    }
    let mut builders = Vec::with_capacity(names.len());
    for (c, name) in names.iter().enumerate() {
        let mut cells = Vec::with_capacity(sniff.len());
        for (line, r) in &sniff {
            check_width(path, r, *line, names.len())?;
            cells.push(utf8(path, &r[c], *line, c, &names)?.trim());
        }
        let b = Builder::decide(forced.get(name).copied(), &cells).map_err(|want| {
            // The first value that is not one, in any format.
            let fits = |s: &str| match want.as_str() {
                "dates" => DateFormat::detect(std::iter::once(s)).is_some(),
                _ => NumFormat::detect(std::iter::once(s)).is_some(),
            };
            let bad = cells
                .iter()
                .zip(&sniff)
                .find(|(s, _)| !is_missing(s) && !fits(s));
            contradiction(path, name, &want, bad.map(|(s, (l, _))| (*s, *l)))
        })?;
        builders.push(b);
    }
    let mut lines = Vec::new();
    let mut push_row = |r: &csv::ByteRecord, line: u64, builders: &mut Vec<Builder>| {
        check_width(path, r, line, names.len())?;
        for (c, b) in builders.iter_mut().enumerate() {
            let s = utf8(path, &r[c], line, c, &names)?.trim();
            b.push(s)
                .map_err(|want| mixed(path, line, c, &names[c], s, want))?;
        }
        lines.push(line as u32);
        Ok::<(), InputError>(())
    };
    for (line, r) in &sniff {
        push_row(r, *line, &mut builders)?;
    }
    drop(sniff);
    while rdr.read_byte_record(&mut rec).map_err(read_err)? {
        if !blank(&rec) {
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            push_row(&rec, line, &mut builders)?;
        }
    }
    if lines.is_empty() {
        return Err(InputError::in_file(
            path,
            "no data rows: the file has a header and nothing else",
        ));
    }
    Ok(RawTable {
        source: path.to_path_buf(),
        names,
        cols: builders.into_iter().map(Builder::finish).collect(),
        lines,
    })
}

/// A line with nothing on it (or only spaces) is not a row.
fn blank(r: &csv::ByteRecord) -> bool {
    r.len() <= 1 && r.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

fn check_width(
    path: &Path,
    r: &csv::ByteRecord,
    line: u64,
    width: usize,
) -> Result<(), InputError> {
    if r.len() != width {
        return Err(InputError::in_file(
            path,
            format!(
                "expected {width} fields (as in the header), found {}",
                r.len()
            ),
        )
        .line(line as usize));
    }
    Ok(())
}

/// A value past the sniffed rows that does not fit its column.
fn mixed(path: &Path, line: u64, c: usize, name: &str, s: &str, want: &str) -> InputError {
    InputError::in_file(
        path,
        format!(
            "found `{s}` in a column whose first rows were {want}: mixed types in one column; say what it is in [data.columns] (e.g. `{name}` = \"categorical\")"
        ),
    )
    .line(line as usize)
    .column(format!("{} (`{name}`)", c + 1))
}

/// A column named as one kind whose values are another.
fn contradiction(path: &Path, name: &str, want: &str, bad: Option<(&str, u64)>) -> InputError {
    let mut e = InputError::in_file(
        path,
        format!(
            "column `{name}` is named as {want} in [data.columns], but its values are not{}",
            bad.map(|(s, _)| format!(" (`{s}`)")).unwrap_or_default()
        ),
    )
    .key(format!("data.columns.{name}"));
    if let Some((_, l)) = bad {
        e = e.line(l as usize);
    }
    e
}
