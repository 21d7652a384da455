//! Which features a run's boosted trees split on: each feature's summed split gain, as a share of
//! the total, largest first (LightGBM's "gain" importance). Networks have none here.

use tuneup_core::data::DataInfo;
use tuneup_core::spec::Arch;
use tuneup_store::Storage;
use tuneup_train::TrainedModel;

/// The names of a run's model features, in order (a table's encoded features, else the data's
/// feature names).
pub fn feature_names(info: &DataInfo) -> Vec<String> {
    match &info.tabular {
        Some(t) => t.feature_names(),
        None => info.feature_names.clone(),
    }
}

/// (feature, share of the total gain), largest first, for a complete gbdt run; `None` for any
/// other run.
pub fn of_run(store: &dyn Storage, id: i64) -> anyhow::Result<Option<Vec<(String, f64)>>> {
    let run = store.run(id)?;
    if !matches!(run.experiment.model.arch, Arch::Gbdt(_)) || run.extra.ensemble.is_some() {
        return Ok(None);
    }
    if run.fold_runs().is_some() {
        return Ok(None);
    }
    let member = crate::predictor::member(store, id, false)?;
    let m = &member.models[0];
    let model =
        TrainedModel::load(&m.exp.model, &m.info, &m.checkpoint).map_err(anyhow::Error::msg)?;
    let Some(gains) = model.importance() else {
        return Ok(None);
    };
    Ok(Some(shares(&feature_names(&m.info), &gains)))
}

/// Gains as shares of their total, named, largest first (ties by name).
pub fn shares(names: &[String], gains: &[f64]) -> Vec<(String, f64)> {
    let total: f64 = gains.iter().sum();
    let mut v: Vec<(String, f64)> = gains
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let name = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("feature {i}"));
            (name, if total > 0.0 { g / total } else { 0.0 })
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}
