//! CSV with a header: numeric features, one target column (by name; default the last), an
//! optional `id` column kept for submissions.

use std::path::Path;

use super::{Dataset, Targets};
use crate::error::{InputError, read_file};
use crate::spec::Task;

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

/// Whether a column is the row id (kept for submissions, never a feature).
fn is_id(name: &str) -> bool {
    name.eq_ignore_ascii_case("id")
}

/// Loads a CSV file. `target`: the target column's name (default: the last column that is not
/// an id). With `require_target = false` a file without that column loads unlabelled (for
/// `predict`).
pub fn load(
    path: &Path,
    task: Task,
    target: Option<&str>,
    require_target: bool,
) -> Result<Dataset, InputError> {
    Ok(load_with_group(path, task, target, require_target, None)?.0)
}

/// Which column is what: the id, the target, the group, the features.
struct Columns {
    header: Vec<String>,
    id: Option<usize>,
    target: Option<usize>,
    group: Option<usize>,
    features: Vec<usize>,
}

impl Columns {
    fn resolve(
        path: &Path,
        header: Vec<String>,
        target: Option<&str>,
        require_target: bool,
        group: Option<&str>,
    ) -> Result<Columns, InputError> {
        let not_found = |what: &str| {
            InputError::in_file(
                path,
                format!("{what} not found; the columns are: {}", header.join(", ")),
            )
            .line(1)
        };
        let id = header.iter().position(|h| is_id(h));
        let target = match target {
            Some(name) => match header.iter().position(|h| h == name) {
                None if require_target => {
                    return Err(not_found(&format!("target column `{name}`")));
                }
                found => found,
            },
            None => Some((0..header.len()).rev().find(|&i| Some(i) != id).ok_or_else(|| {
                InputError::in_file(
                    path,
                    "no columns besides the id: expected features and a target",
                )
                .line(1)
            })?),
        };
        let group = match group {
            None => None,
            Some(name) => Some(
                header
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| not_found(&format!("group column `{name}` (cv.group)")))?,
            ),
        };
        let features: Vec<usize> = (0..header.len())
            .filter(|&i| Some(i) != id && Some(i) != target && Some(i) != group)
            .collect();
        if features.is_empty() {
            return Err(InputError::in_file(
                path,
                "no feature columns: expected at least one column besides the target",
            )
            .line(1));
        }
        Ok(Columns {
            header,
            id,
            target,
            group,
            features,
        })
    }

    fn at(&self, c: usize) -> String {
        format!("{} (`{}`)", c + 1, self.header[c])
    }
}

/// The rows as they are read.
#[derive(Default)]
struct Rows {
    x: Vec<f32>,
    labels: Vec<String>,
    values: Vec<f32>,
    ids: Vec<String>,
    groups: Vec<String>,
}

impl Rows {
    /// Adds one record: its features, target, id and group.
    fn push(
        &mut self,
        path: &Path,
        cols: &Columns,
        task: Task,
        line: usize,
        rec: &[String],
    ) -> Result<(), InputError> {
        if rec.len() != cols.header.len() {
            return Err(InputError::in_file(
                path,
                format!(
                    "expected {} fields (as in the header), found {}",
                    cols.header.len(),
                    rec.len()
                ),
            )
            .line(line));
        }
        if let Some(g) = cols.group {
            self.groups.push(rec[g].trim().to_string());
        }
        for &c in &cols.features {
            let s = rec[c].trim();
            let v: f32 = s.parse().map_err(|_| {
                InputError::in_file(path, format!("expected a number, found `{s}`"))
                    .line(line)
                    .column(cols.at(c))
            })?;
            if !v.is_finite() {
                return Err(InputError::in_file(path, format!("feature value `{s}` is not finite: NaN and infinity are not allowed in features"))
                    .line(line)
                    .column(cols.at(c)));
            }
            self.x.push(v);
        }
        if let Some(t) = cols.target {
            let s = rec[t].trim();
            let at = |m: String| InputError::in_file(path, m).line(line).column(cols.at(t));
            match task {
                Task::Classification if s.is_empty() => {
                    return Err(at("empty label: expected a class".into()));
                }
                Task::Classification => self.labels.push(s.to_string()),
                Task::Regression => self.values.push(
                    s.parse()
                        .ok()
                        .filter(|v: &f32| v.is_finite())
                        .ok_or_else(|| {
                            at(format!(
                                "expected a finite number as the regression target, found `{s}`"
                            ))
                        })?,
                ),
            }
        }
        let id = match cols.id {
            Some(c) => rec[c].trim().to_string(),
            None => self.ids.len().to_string(),
        };
        self.ids.push(id);
        Ok(())
    }
}

/// [`load`], with the column `group` (if named) set aside: not a feature; its values returned
/// one per row. A missing group column is an error naming the columns.
pub fn load_with_group(
    path: &Path,
    task: Task,
    target: Option<&str>,
    require_target: bool,
    group: Option<&str>,
) -> Result<(Dataset, Option<Vec<String>>), InputError> {
    let text = text_of(path)?;
    let recs = records(&text, path)?;
    let mut it = recs.into_iter();
    let (_, header) = it
        .next()
        .ok_or_else(|| InputError::in_file(path, "empty file: expected a CSV header line"))?;
    let header: Vec<String> = header.into_iter().map(|s| s.trim().to_string()).collect();
    let cols = Columns::resolve(path, header, target, require_target, group)?;
    let mut rows = Rows::default();
    for (line, rec) in it {
        rows.push(path, &cols, task, line, &rec)?;
    }
    if rows.ids.is_empty() {
        return Err(InputError::in_file(
            path,
            "no data rows: the file has a header and nothing else",
        ));
    }
    let targets = match (cols.target, task) {
        (None, _) => Targets::None,
        (Some(_), Task::Classification) => Targets::Labels(rows.labels),
        (Some(_), Task::Regression) => Targets::Values(rows.values),
    };
    let name = |c: usize| cols.header[c].clone();
    Ok((
        Dataset {
            source: path.to_path_buf(),
            sample_shape: vec![cols.features.len()],
            feature_names: cols.features.iter().map(|&c| name(c)).collect(),
            target_name: cols.target.map(name),
            x: rows.x,
            targets,
            ids: rows.ids,
            id_name: cols.id.map(name),
        },
        cols.group.map(|_| rows.groups),
    ))
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
