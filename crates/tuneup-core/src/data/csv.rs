//! Small CSV files as text, record by record (predictions and truths for `tuneup score`,
//! out-of-fold files); data tables are read by [`crate::table`].

use std::path::Path;

use crate::error::{InputError, read_file};

/// Splits CSV text into records of fields (RFC 4180 quoting), each with its 1-based line.
fn records(text: &str, path: &Path) -> Result<Vec<(usize, Vec<String>)>, InputError> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut field = String::new();
    let mut fields = Vec::new();
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push((record_line, std::mem::take(&mut fields)));
                }
                any = false;
                line += 1;
                record_line = line;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if in_quotes {
        return Err(InputError::in_file(path, "unterminated quoted field").line(record_line));
    }
    if any || !field.is_empty() {
        fields.push(field);
        out.push((record_line, fields));
    }
    Ok(out)
}

/// A whole CSV file as text: the header (trimmed) and each record with its 1-based line.
/// Every record must have the header's field count.
pub fn table(path: &Path) -> Result<(Vec<String>, Vec<(usize, Vec<String>)>), InputError> {
    let text = text_of(path)?;
    let mut recs = records(&text, path)?.into_iter();
    let (_, header) = recs
        .next()
        .ok_or_else(|| InputError::in_file(path, "empty file: expected a CSV header line"))?;
    let header: Vec<String> = header.into_iter().map(|s| s.trim().to_string()).collect();
    let rows: Vec<(usize, Vec<String>)> = recs.collect();
    for (line, r) in &rows {
        if r.len() != header.len() {
            return Err(InputError::in_file(
                path,
                format!(
                    "expected {} fields (as in the header), found {}",
                    header.len(),
                    r.len()
                ),
            )
            .line(*line));
        }
    }
    if rows.is_empty() {
        return Err(InputError::in_file(
            path,
            "no data rows: the file has a header and nothing else",
        ));
    }
    Ok((header, rows))
}

/// The header row of a CSV file, for `init`'s inspection.
pub fn header(path: &Path) -> Result<Vec<String>, InputError> {
    let text = text_of(path)?;
    let recs = records(&text, path)?;
    recs.into_iter()
        .next()
        .map(|(_, h)| h.into_iter().map(|s| s.trim().to_string()).collect())
        .ok_or_else(|| InputError::in_file(path, "empty file: expected a CSV header line"))
}

fn text_of(path: &Path) -> Result<String, InputError> {
    String::from_utf8(read_file(path)?).map_err(|e| {
        InputError::in_file(
            path,
            format!(
                "not UTF-8 text (byte {}): expected CSV",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_line_numbers() {
        let r = records(
            "a,b\n\"x,1\",\"he said \"\"hi\"\"\"\n\n3,4\n",
            Path::new("f"),
        )
        .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].1, vec!["x,1", "he said \"hi\""]);
        assert_eq!(r[2].0, 4);
    }
}
