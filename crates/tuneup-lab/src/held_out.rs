//! Held-out predictions: each member's predictions on the same rows it never trained on
//! (validation rows for runs, out-of-fold rows for cross-validation runs), and the out-of-fold
//! predictions file a CV run writes.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, anyhow};
use tuneup_core::InputError;
use tuneup_core::data::{self, DataInfo, Y};
use tuneup_core::ensemble::MemberPred;
use tuneup_core::spec::Task;
use tuneup_store::{MemberKind, Storage};

use crate::predictor::{Member, classes_of};

/// Which held-out rows predictions are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldOut {
    Validation,
    OutOfFold,
}

impl HeldOut {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldOut::Validation => "validation",
            HeldOut::OutOfFold => "out-of-fold",
        }
    }
}

/// Held-out predictions of each member on the same rows, and those rows' targets: validation
/// predictions for runs (recomputed from each run's experiment, without reading its test data),
/// out-of-fold predictions for CV runs.
pub fn held_out(
    store: &dyn Storage,
    members: &[Member],
) -> anyhow::Result<(Vec<MemberPred>, Y, HeldOut)> {
    let cv = members
        .iter()
        .filter(|m| m.kind == MemberKind::CvFolds)
        .count();
    if cv > 0 && cv < members.len() {
        return Err(InputError::new(
            "weighted ensembles fit their weights on held-out predictions of the same rows: give only CV runs (out-of-fold) or only plain runs (validation)",
        )
        .into());
    }
    let mut preds = Vec::new();
    let mut ids: Option<Vec<String>> = None;
    let mut y = Y::None;
    for m in members {
        let (p, row_ids, truth) = if cv > 0 {
            let run = store.run(m.run_id)?;
            let path = run
                .extra
                .cv
                .and_then(|c| c.oof)
                .ok_or_else(|| anyhow!("run {} has no out-of-fold predictions", m.run_id))?;
            read_oof(&crate::artifacts::bring(store, &path)?, &m.models[0].info)?
        } else {
            let model = &m.models[0];
            let data = data::prepare_with(&model.exp, false)?;
            let out = crate::predictor::Model {
                info: data.info.clone(),
                ..model.clone()
            }
            .outputs(&data.val)?;
            (
                MemberPred::from_outputs(&data.info, &out),
                data.val.ids.clone(),
                data.val.y.clone(),
            )
        };
        match &ids {
            None => {
                ids = Some(row_ids);
                y = truth;
            }
            Some(first) if *first != row_ids => {
                return Err(InputError::new(format!(
                    "run {} was validated on other rows than run {}: weights must be fitted on the same held-out rows (give the runs the same data and data.split_seed)",
                    m.run_id, members[0].run_id
                ))
                .into());
            }
            Some(_) => {}
        }
        preds.push(p);
    }
    let on = if cv > 0 {
        HeldOut::OutOfFold
    } else {
        HeldOut::Validation
    };
    Ok((preds, y, on))
}

/// Out-of-fold predictions as a CV run writes them.
fn read_oof(path: &Path, info: &DataInfo) -> anyhow::Result<(MemberPred, Vec<String>, Y)> {
    let (header, rows) = data::csv::table(path)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let missing = |c: &str| anyhow!("{}: no {c} column", path.display());
    let truth_col = col("truth").ok_or_else(|| missing("truth"))?;
    let pcols: Vec<usize> = match info.task {
        Task::Classification => info
            .classes
            .iter()
            .map(|c| col(&format!("p_{c}")).ok_or_else(|| missing(&format!("p_{c}"))))
            .collect::<anyhow::Result<_>>()?,
        Task::Regression => vec![col("pred").ok_or_else(|| missing("pred"))?],
    };
    let mut ids = Vec::new();
    let mut vals = Vec::new();
    let mut truth_c = Vec::new();
    let mut truth_v = Vec::new();
    for (_, r) in rows {
        ids.push(r[0].clone());
        for &c in &pcols {
            vals.push(r[c].parse::<f64>().context("out-of-fold value")?);
        }
        let t = &r[truth_col];
        match info.task {
            Task::Classification => truth_c.push(
                info.classes
                    .iter()
                    .position(|c| c == t)
                    .ok_or_else(|| anyhow!("unknown class {t}"))? as u32,
            ),
            Task::Regression => truth_v.push(t.parse::<f32>()?),
        }
    }
    Ok(match info.task {
        Task::Classification => (MemberPred::Proba(vals), ids, Y::Classes(truth_c)),
        Task::Regression => (MemberPred::Values(vals), ids, Y::Values(truth_v)),
    })
}

/// Writes out-of-fold predictions as CSV: id, the fold (of the first repeat), the truth, and
/// the probabilities / prediction.
pub fn write_oof(
    path: &Path,
    info: &DataInfo,
    ids: &[String],
    folds: &[usize],
    y: &Y,
    p: &MemberPred,
) -> anyhow::Result<()> {
    let mut s = String::from("id,fold,truth");
    match p {
        MemberPred::Proba(_) => {
            for c in &info.classes {
                write!(s, ",p_{c}")?;
            }
        }
        MemberPred::Values(_) => s.push_str(",pred"),
    }
    s.push('\n');
    let k = classes_of(info).max(1);
    let vals = p.values();
    for (r, id) in ids.iter().enumerate() {
        let truth = match y {
            Y::Classes(c) => info.classes[c[r] as usize].clone(),
            Y::Values(v) => v[r].to_string(),
            Y::None => String::new(),
        };
        write!(s, "{id},{},{truth}", folds[r] + 1)?;
        for v in &vals[r * k..(r + 1) * k] {
            write!(s, ",{v}")?;
        }
        s.push('\n');
    }
    tuneup_core::fsio::write_atomic(path, s.as_bytes())?;
    Ok(())
}
