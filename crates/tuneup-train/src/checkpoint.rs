//! Model checkpoints on disk (burnpack), written whole or not at all (`tuneup_core::fsio`), so a
//! crash never leaves a half-written checkpoint under the real name.

use std::path::Path;

use burn::module::Module;
use burn::store::ModuleRecord;
use tuneup_core::data::DataInfo;
use tuneup_core::spec::ModelSpec;

use crate::model::Net;

pub(crate) fn save(model: &Net, path: &Path) -> Result<(), String> {
    tuneup_core::fsio::write_with(path, |tmp| model.clone().into_record().save(tmp))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Rebuilds the model a run trained and loads its weights.
pub(crate) fn load(spec: &ModelSpec, info: &DataInfo, path: &Path) -> Result<Net, String> {
    load_on(spec, info, path, &crate::cpu())
}

/// The same, on a device of one's choosing (the autodiff device, to train on).
pub(crate) fn load_on(
    spec: &ModelSpec,
    info: &DataInfo,
    path: &Path,
    device: &burn::tensor::Device,
) -> Result<Net, String> {
    let net = Net::new(
        spec,
        &info.sample_shape,
        &info.cat_levels(),
        info.outputs(),
        device,
    )?;
    let record = ModuleRecord::load(path)
        .map_err(|e| format!("cannot read checkpoint {}: {e}", path.display()))?;
    net.try_load_record(record)
        .map_err(|e| format!("checkpoint {} does not fit the model: {e}", path.display()))
}
