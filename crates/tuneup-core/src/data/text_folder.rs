//! A folder of `.txt` files as a table of texts: one subfolder per class (the subfolder's name is
//! the label, as for pictures), or `.txt` files of its own (unlabelled, to predict). Each file is
//! one sample: its path below the folder is the id, its whole content the `text` column.

use std::path::{Path, PathBuf};

use super::images::sorted_entries;
use super::{Dataset, ReadOptions, TableRows, Targets};
use crate::error::{InputError, read_file};
use crate::spec::{ColumnKind, Encoding};
use crate::table::{RawCol, RawTable};

/// The text column's name.
pub const TEXT: &str = "text";

fn is_text(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// True when `dir` has a subfolder of `.txt` files, or `.txt` files of its own.
pub fn looks_like_text_folder(dir: &Path) -> bool {
    let has = |d: &Path| sorted_entries(d).is_ok_and(|f| f.iter().any(|p| is_text(p)));
    sorted_entries(dir).is_ok_and(|e| e.iter().filter(|p| p.is_dir()).any(|d| has(d))) || has(dir)
}

/// One file's text: UTF-8 (a byte that is not is an error naming the file and the byte's
/// offset), or Latin-1 when the experiment says so.
fn read_text(file: &Path, encoding: Encoding) -> Result<String, InputError> {
    let bytes = read_file(file)?;
    match encoding {
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(&bytes);
            std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
                let at = e.valid_up_to();
                InputError::in_file(
                    file,
                    format!(
                        "not UTF-8 text: byte 0x{:02x} at offset {at}: save it as UTF-8, or set data.encoding = \"latin-1\"",
                        bytes[at]
                    ),
                )
                .line(bytes[..at].iter().filter(|b| **b == b'\n').count() + 1)
            })
        }
    }
}

/// Loads the folder: a labelled one (subfolders) for training, a flat one to predict.
pub fn load(dir: &Path, o: &ReadOptions) -> Result<Dataset, InputError> {
    let mut files: Vec<(PathBuf, Option<String>)> = Vec::new();
    for e in sorted_entries(dir)? {
        if e.is_dir() {
            let label = e
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            for f in sorted_entries(&e)?.into_iter().filter(|p| is_text(p)) {
                files.push((f, Some(label.clone())));
            }
        } else if is_text(&e) {
            files.push((e, None));
        }
    }
    let labelled = files.iter().any(|(_, l)| l.is_some());
    if labelled && files.iter().any(|(_, l)| l.is_none()) {
        return Err(InputError::in_file(
            dir,
            "both .txt files and class subfolders: put every text in its class's subfolder (or, to predict, none in subfolders)",
        ));
    }
    if !labelled && o.require_target {
        return Err(InputError::in_file(
            dir,
            "no class subfolders: to train, put each class's .txt files in a subfolder named for the class",
        ));
    }
    if files.is_empty() {
        return Err(InputError::in_file(dir, "no .txt files"));
    }
    let mut texts = Vec::with_capacity(files.len());
    for (f, _) in &files {
        texts.push(read_text(f, o.encoding)?);
    }
    let ids: Vec<String> = files
        .iter()
        .map(|(f, _)| {
            f.strip_prefix(dir)
                .unwrap_or(f)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let n = texts.len();
    let table = RawTable {
        source: dir.to_path_buf(),
        names: vec![TEXT.to_string()],
        cols: vec![RawCol::Str((0..n as u32).collect(), texts)],
        lines: (1..=n as u32).collect(),
    };
    Ok(Dataset {
        source: dir.to_path_buf(),
        sample_shape: vec![0],
        feature_names: vec![TEXT.to_string()],
        target_name: None,
        x: vec![],
        targets: if labelled {
            Targets::Labels(files.into_iter().filter_map(|(_, l)| l).collect())
        } else {
            Targets::None
        },
        ids,
        id_name: Some("file".into()),
        table: Some(TableRows {
            table,
            kinds: vec![(TEXT.to_string(), ColumnKind::Text)],
        }),
        notes: Vec::new(),
    })
}
