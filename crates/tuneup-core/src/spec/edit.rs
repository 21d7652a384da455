//! The experiment file as text: errors placed at their line and column, keys located, the
//! resolved experiment written back as text and edited one key at a time.

use std::path::Path;

use super::Experiment;
use crate::error::InputError;

/// The experiment `edits` make of `exp`: each key set (or, for `None`, removed) in the resolved
/// experiment's text, which is parsed again as any experiment file is.
pub fn with_keys(
    exp: &Experiment,
    edits: &[(&str, Option<toml::Value>)],
) -> Result<Experiment, InputError> {
    use crate::tune::space::set_key;
    let err = |m: String| InputError::new(m);
    let mut doc: toml::Table =
        toml::from_str(&exp.to_toml_text()).map_err(|e| err(e.to_string()))?;
    for (key, value) in edits {
        match value {
            Some(v) => set_key(&mut doc, key, v.clone()).map_err(err)?,
            None => remove_key(&mut doc, key),
        }
    }
    let text = toml::to_string(&doc).map_err(|e| err(e.to_string()))?;
    Experiment::parse(&text, Path::new(""))
}

fn remove_key(t: &mut toml::Table, key: &str) {
    match key.split_once('.') {
        None => {
            t.remove(key);
        }
        Some((head, rest)) => {
            if let Some(next) = t.get_mut(head).and_then(|v| v.as_table_mut()) {
                remove_key(next, rest);
            }
        }
    }
}

pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> InputError {
    // serde names Rust types; say what a person writes instead.
    let msg = e
        .message()
        .trim()
        .replace("expected usize", "expected a non-negative integer")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected f64", "expected a number");
    let mut err = InputError::new(msg);
    if let Some(span) = e.span() {
        let (line, col) = line_col(text, span.start);
        err = err.line(line).column(col.to_string());
        // Name the key the span starts at when it is a `key = ...` line.
        let line_text = text.lines().nth(line - 1).unwrap_or("");
        if let Some((k, _)) = line_text.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && !k.starts_with('[') {
                err = err.key(k.to_string());
            }
        }
    }
    err
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The 1-based line where a dotted key (`optimizer.lr`) is set, for files written in the usual
/// `[table]` / `key = value` style.
pub fn locate_key(text: &str, dotted: &str) -> Option<usize> {
    let (table, key) = match dotted.rsplit_once('.') {
        Some((t, k)) => (t, k),
        None => ("", dotted),
    };
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().trim_matches('"');
            if current == table && k == key {
                return Some(i + 1);
            }
            if current.is_empty() && !table.is_empty() && k == dotted {
                return Some(i + 1);
            }
        }
    }
    // A table key that was never written (a default that failed validation): point at the table.
    text.lines()
        .position(|l| l.trim() == format!("[{table}]"))
        .map(|i| i + 1)
}
