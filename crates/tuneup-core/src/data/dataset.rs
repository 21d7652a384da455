//! Samples as loaded from a file, before any split or encoding.

use std::path::PathBuf;

use crate::rng::Rng;
use crate::spec::ColumnKind;
use crate::table::{RawTable, ReadAs};

/// Targets as read from a file, before classes are encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Class labels as written in the file (`"7"`, `"cat"`).
    Labels(Vec<String>),
    /// Regression targets.
    Values(Vec<f32>),
    /// An unlabelled file (for prediction).
    None,
}

/// Samples as loaded: `x` holds `len()` samples of `sample_shape` each, row-major.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub source: PathBuf,
    /// `[features]` for vectors, `[channels, height, width]` for images.
    pub sample_shape: Vec<usize>,
    pub feature_names: Vec<String>,
    pub target_name: Option<String>,
    pub x: Vec<f32>,
    pub targets: Targets,
    /// Row ids for submissions: the file's `id` column, or the 0-based row number.
    pub ids: Vec<String>,
    pub id_name: Option<String>,
    /// A table that is not clean numbers (text categories, missing cells, dates ...): its raw
    /// feature columns and their kinds, encoded once the encoder is fitted on the training
    /// split. `x` is empty until then.
    pub table: Option<TableRows>,
    /// What reading left out and why (pictures that did not decode), for reports.
    pub notes: Vec<String>,
}

/// A table's feature columns as read, with what each is.
#[derive(Debug, Clone)]
pub struct TableRows {
    pub table: RawTable,
    pub kinds: Vec<(String, ColumnKind)>,
}

impl TableRows {
    /// Each column's name, kind and how it was read: how another file must be read to match.
    pub fn plan(&self) -> Vec<(String, ColumnKind, Option<ReadAs>)> {
        self.kinds
            .iter()
            .map(|(name, kind)| {
                let read = self
                    .table
                    .position(name)
                    .and_then(|i| self.table.cols[i].read_as());
                (name.clone(), *kind, read)
            })
            .collect()
    }
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    pub fn sample_len(&self) -> usize {
        self.sample_shape.iter().product()
    }

    pub(super) fn select(&self, idx: &[usize]) -> Dataset {
        let s = self.sample_len();
        let mut x = Vec::with_capacity(idx.len() * s);
        for &i in idx {
            x.extend_from_slice(&self.x[i * s..(i + 1) * s]);
        }
        Dataset {
            source: self.source.clone(),
            sample_shape: self.sample_shape.clone(),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            x,
            targets: match &self.targets {
                Targets::Labels(l) => Targets::Labels(idx.iter().map(|&i| l[i].clone()).collect()),
                Targets::Values(v) => Targets::Values(idx.iter().map(|&i| v[i]).collect()),
                Targets::None => Targets::None,
            },
            ids: idx.iter().map(|&i| self.ids[i].clone()).collect(),
            id_name: self.id_name.clone(),
            table: self.table.as_ref().map(|t| TableRows {
                table: t.table.select(idx),
                kinds: t.kinds.clone(),
            }),
            notes: self.notes.clone(),
        }
    }

    /// A seeded order of sample indices in which every prefix keeps the class proportions
    /// (each sample is placed by its rank within its class, divided by the class size).
    pub(super) fn stratified_order(&self, rng: &mut Rng) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        rng.shuffle(&mut order);
        if let Targets::Labels(labels) = &self.targets {
            let mut seen = std::collections::HashMap::<&str, usize>::new();
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for l in labels {
                *counts.entry(l.as_str()).or_default() += 1;
            }
            let mut keyed: Vec<(f64, usize, usize)> = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| {
                    let l = labels[i].as_str();
                    let r = seen.entry(l).or_default();
                    let key = (*r as f64 + 0.5) / counts[l] as f64;
                    *r += 1;
                    (key, pos, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order = keyed.into_iter().map(|(_, _, i)| i).collect();
        }
        order
    }
}
