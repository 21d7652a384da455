//! `tuneup zoo [--input 1x28x28] [--classes 10] [--json]`: every architecture with its
//! parameter count and forward FLOPs for an input.

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::zoo;

pub fn list(input: &str, classes: usize, json_out: bool) -> anyhow::Result<()> {
    let shape = zoo::parse_shape(input).ok_or_else(|| {
        InputError::new(format!(
            "--input: expected a shape such as 1x28x28 (images), 1x40 or 40 (signals, vectors), found `{input}`"
        ))
    })?;
    if classes == 0 {
        return Err(InputError::new("--classes: expected at least 1").into());
    }
    let rows: Vec<_> = zoo::catalogue()
        .into_iter()
        .map(|e| {
            let size = zoo::size(&e.spec, &shape, classes);
            (e, size)
        })
        .collect();
    if json_out {
        let v: Vec<_> = rows
            .iter()
            .map(|(e, s)| {
                json!({
                    "name": e.name, "kind": e.spec.kind(), "input": e.input, "about": e.about,
                    "params": s.as_ref().ok().map(|s| s.params),
                    "flops": s.as_ref().ok().map(|s| s.flops),
                    "fits": s.is_ok(),
                    "why_not": s.as_ref().err(),
                    "model": e.spec,
                })
            })
            .collect();
        println!(
            "{}",
            json!({"input": shape, "classes": classes, "models": v})
        );
        return Ok(());
    }
    println!("models for input {input}, {classes} outputs");
    println!(
        "  {:<11} {:<8} {:>10} {:>12}  about",
        "name", "data", "params", "FLOPs"
    );
    for (e, s) in rows {
        match s {
            Ok(s) => println!(
                "  {:<11} {:<8} {:>10} {:>12}  {}",
                e.name, e.input, s.params, s.flops, e.about
            ),
            Err(_) => println!(
                "  {:<11} {:<8} {:>10} {:>12}  {} (not for this input)",
                e.name, e.input, "-", "-", e.about
            ),
        }
    }
    println!("\nUse one with [model] kind = \"<kind>\" and its knobs (`--json` prints them).");
    Ok(())
}
