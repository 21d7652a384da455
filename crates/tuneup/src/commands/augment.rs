//! `tuneup augment-preview EXP.toml -o grid.png`: what the model will see.

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::augment::{BatchMaker, preview};
use tuneup_core::spec::Experiment;

use crate::cli::AugmentPreviewArgs;

pub fn run(a: AugmentPreviewArgs) -> anyhow::Result<()> {
    let exp = Experiment::load(&a.experiment)?;
    if a.samples == 0 || a.draws == 0 {
        return Err(InputError::new("--samples and --draws must be at least 1").into());
    }
    let data = tuneup_core::data::prepare(&exp)?;
    exp.augment
        .check_data(&data.info)
        .map_err(|(key, msg)| tuneup_lab::record::key_error(&a.experiment, &key, msg))?;
    if !exp.augment.is_on() {
        eprintln!(
            "note: {} has no [augment] keys switched on; the columns will equal the original",
            a.experiment.display()
        );
    }
    if data.info.text().is_some() {
        super::augment_text::preview(&exp, &data.info, &data.train, a.samples, a.draws, a.json);
        return Ok(());
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
        a.samples,
        a.draws,
        exp.augment.mixes(),
        exp.seed,
        &a.output,
    )?;
    if a.json {
        println!(
            "{}",
            json!({
                "output": a.output.display().to_string(),
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
        a.output.display(),
        p.width,
        p.height,
        p.rows.len(),
        p.columns.join(", ")
    );
    println!(
        "augmentation: {}",
        exp.augment.summary().unwrap_or_else(|| "none".into())
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
