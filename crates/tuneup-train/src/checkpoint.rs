//! Model checkpoints on disk (burnpack), sealed with their length and checksum and written whole
//! or not at all (`tuneup_core::sealed`): a crash never leaves a half-written checkpoint under
//! the real name, and a damaged one is an error naming it and what to do.

use std::path::Path;

use burn::module::Module;
use burn::store::ModuleRecord;
use tuneup_core::data::DataInfo;
use tuneup_core::spec::ModelSpec;

use crate::model::Net;

pub(crate) fn save(model: &Net, path: &Path) -> Result<(), String> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tuneup_core::sealed::write(path, &bytes).map_err(|e| e.to_string())
}

/// What to do about a damaged file of a run's folder.
pub(crate) fn what_to_do(e: tuneup_core::sealed::SealError) -> String {
    match e {
        tuneup_core::sealed::SealError::Damaged(d) => format!(
            "{d}: train that run again; or, if the `last.bpk` beside it is intact, `tuneup resume RUN` continues from the last epoch"
        ),
        other => other.to_string(),
    }
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
        &info.inputs(),
        info.outputs(),
        device,
    )?;
    let bytes = tuneup_core::sealed::read(path).map_err(what_to_do)?;
    let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
        .map_err(|e| format!("cannot read checkpoint {}: {e}", path.display()))?;
    net.try_load_record(record)
        .map_err(|e| format!("checkpoint {} does not fit the model: {e}", path.display()))
}
