//! `tuneup augment-preview EXP.toml -o grid.png`: what the model will see.

use std::path::Path;

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::augment::{BatchMaker, preview};
use tuneup_core::data::Prepared;
use tuneup_core::spec::Experiment;

/// Checks the `[augment]` keys against the data's samples (an image key on vectors ...), naming
/// the key and its line in the experiment file.
pub fn check(exp: &Experiment, data: &Prepared, exp_path: &Path) -> Result<(), InputError> {
    exp.augment
        .check_shape(&data.info.sample_shape)
        .map_err(|(key, msg)| super::train::key_error(exp_path, &key, msg))
}

/// One line for the run header: what augmentation is on.
pub fn summary(exp: &Experiment) -> Option<String> {
    let a = &exp.augment;
    let mut parts: Vec<String> = a
        .active()
        .iter()
        .map(|(k, _)| {
            let v = serde_json::to_value(a)
                .ok()
                .and_then(|j| j.get(*k).cloned())
                .unwrap_or_default();
            format!("{k} {v}")
        })
        .collect();
    if a.mixes() && a.mix_prob < 1.0 {
        parts.push(format!("mix_prob {}", a.mix_prob));
    }
    if a.mixes() && a.mix_off_epochs > 0 {
        parts.push(format!("no mixing in the last {} epochs", a.mix_off_epochs));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

pub fn run(
    exp_path: &Path,
    output: &Path,
    samples: usize,
    draws: usize,
    json_out: bool,
) -> anyhow::Result<()> {
    let exp = Experiment::load(exp_path)?;
    if samples == 0 || draws == 0 {
        return Err(InputError::new("--samples and --draws must be at least 1").into());
    }
    let data = tuneup_core::data::prepare(&exp)?;
    check(&exp, &data, exp_path)?;
    if !exp.augment.is_on() {
        eprintln!(
            "note: {} has no [augment] keys switched on; the columns will equal the original",
            exp_path.display()
        );
    }
    let maker = BatchMaker::new(
        &data.train,
        &data.info,
        &exp.augment,
        exp.train.label_smoothing,
        exp.seed,
    );
    let p = preview::write_grid(
        &maker,
        &data.info,
        &data.train,
        samples,
        draws,
        exp.augment.mixes(),
        exp.seed,
        output,
    )?;
    if json_out {
        println!(
            "{}",
            json!({
                "output": output.display().to_string(),
                "rows": p.rows,
                "columns": p.columns,
                "mixed": p.mixed.map(|m| json!({"kind": m.kind, "lambda": m.lambda})),
                "mixed_labels": p.mixed_labels,
                "width": p.width,
                "height": p.height,
            })
        );
        return Ok(());
    }
    println!(
        "wrote {} ({}x{} px): {} training samples (rows) x [{}]",
        output.display(),
        p.width,
        p.height,
        p.rows.len(),
        p.columns.join(", ")
    );
    println!(
        "augmentation: {}",
        summary(&exp).unwrap_or_else(|| "none".into())
    );
    if let Some(m) = p.mixed {
        println!(
            "{} column (lambda {:.2}; each row mixed with the row mirrored from the bottom):",
            m.kind, m.lambda
        );
        for (r, l) in p.mixed_labels.iter().enumerate() {
            println!("  row {}: {l}", r + 1);
        }
    }
    Ok(())
}
