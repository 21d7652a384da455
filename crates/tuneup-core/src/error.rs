//! Errors caused by what the user gave us (files, experiment keys). The binary maps every
//! [`InputError`] to exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

/// Bad input: names the file and, where known, the line, column and key, and says what was
/// expected.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<String>,
    pub key: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        InputError {
            path: None,
            line: None,
            column: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        InputError::new(message).path(path)
    }

    pub fn path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }

    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// A column, by name or by 1-based number.
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            wrote = true;
        }
        if let Some(l) = self.line {
            write!(f, "{}line {l}", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if let Some(c) = &self.column {
            write!(f, "{}column {c}", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if let Some(k) = &self.key {
            write!(f, "{}key `{k}`", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if wrote {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Reads a whole file, naming it when it is missing or unreadable.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => format!("cannot read: {e}"),
        };
        InputError::in_file(path, what)
    })
}
