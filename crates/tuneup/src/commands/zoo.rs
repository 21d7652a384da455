//! `tuneup zoo [--input 1x28x28 | text:256] [--classes 10] [--json]`: every architecture with its
//! parameter count and forward FLOPs for an input; `tuneup zoo bench DATA`: every one that fits
//! the data trained for the same time.

use std::fmt::Write as _;

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::zoo;

use crate::cli::{BenchArgs, ZooAction, ZooArgs};
use crate::output::{num, write_atomic};

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: ZooArgs) -> anyhow::Result<()> {
    match a.action {
        None => list(&a.input, a.classes, a.json),
        Some(ZooAction::Bench(b)) => bench(ctx, b),
    }
}

/// `text:LEN` or `text:LENxVOCAB`: texts of LEN tokens (a VOCAB-id vocabulary, by default
/// `[data.text]`'s).
fn text_input(input: &str) -> Option<zoo::TextBlock> {
    let rest = input.strip_prefix("text:")?;
    let mut parts = rest
        .split(['x', 'X'])
        .map(|p| p.trim().parse::<usize>().ok());
    let len = parts.next()??;
    let vocab = match parts.next() {
        Some(v) => v?,
        None => tuneup_core::spec::TextSpec::default().vocab_size,
    };
    (parts.next().is_none() && len > 0 && vocab > 3).then_some(zoo::TextBlock { len, vocab })
}

fn list(input: &str, classes: usize, json_out: bool) -> anyhow::Result<()> {
    let text = text_input(input);
    let shape = match text {
        Some(t) => vec![t.len],
        None => zoo::parse_shape(input).ok_or_else(|| {
            InputError::new(format!(
                "--input: expected a shape such as 1x28x28 (images), 1x40 or 40 (signals, vectors), or text:256 (256 tokens; text:256x30000 with a 30,000-id vocabulary), found `{input}`"
            ))
        })?,
    };
    if classes == 0 {
        return Err(InputError::new("--classes: expected at least 1").into());
    }
    let inputs = zoo::Inputs {
        cats: Vec::new(),
        text,
    };
    let rows: Vec<_> = zoo::catalogue()
        .into_iter()
        .map(|e| {
            let size = zoo::size_for(&e.spec, &shape, &inputs, classes);
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
            // Trees: the most leaves and comparisons per sample (every round used).
            Ok(s) if e.spec.kind() == "gbdt" => println!(
                "  {:<11} {:<8} {:>10} {:>12}  {}",
                e.name,
                e.input,
                format!("<={}", s.params),
                format!("<={}", s.flops),
                e.about
            ),
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
    if text.is_none() {
        println!(
            "\nThe text models' sizes: --input text:256 (tokens per sample; text:256x30000 with a vocabulary)."
        );
    }
    println!("\nUse one with [model] kind = \"<kind>\" and its knobs (`--json` prints them).");
    Ok(())
}

fn bench(ctx: &Ctx, a: BenchArgs) -> anyhow::Result<()> {
    let checked = tuneup_lab::zoo_bench::check(&a.data, &a.budget, a.models.as_deref())?;
    let store = ctx.open()?;
    let bench = tuneup_lab::zoo_bench::run(lab(store.as_ref()), checked)?;
    let (rows, m) = (&bench.table.rows, &bench.metric);
    let opt =
        |v: Option<f64>, digits: usize| v.map(|v| format!("{v:.digits$}")).unwrap_or_default();
    let mut csv = format!(
        "model,kind,params,flops,epochs,{m}_val,{m}_test,train_samples_per_s,infer_ms_per_sample\n"
    );
    for r in rows {
        writeln!(
            csv,
            "{},{},{},{},{},{},{},{:.0},{:.4}",
            r.model,
            r.kind,
            r.params,
            r.flops,
            r.epochs,
            opt(r.val_metric, 4),
            opt(r.test_metric, 4),
            r.train_samples_per_s.unwrap_or(0.0),
            r.infer_ms_per_sample.unwrap_or(0.0)
        )?;
    }
    if let Some(o) = &a.output {
        write_atomic(o, csv.as_bytes())?;
        eprintln!("wrote {}", o.display());
    }
    if a.json {
        println!(
            "{}",
            json!({"run_id": bench.run_id, "budget_seconds": bench.table.budget_seconds, "rows": rows})
        );
        return Ok(());
    }
    println!("run {}: {}", bench.run_id, bench.name);
    println!(
        "  {:<11} {:>9} {:>11} {:>6} {:>10} {:>10} {:>10} {:>12}",
        "model",
        "params",
        "FLOPs",
        "epochs",
        format!("{m} val"),
        "test",
        "train /s",
        "infer ms"
    );
    let nan = |v: Option<f64>| num(v.unwrap_or(f64::NAN));
    for r in rows {
        println!(
            "  {:<11} {:>9} {:>11} {:>6} {:>10} {:>10} {:>10.0} {:>12.4}",
            r.model,
            r.params,
            r.flops,
            r.epochs,
            nan(r.val_metric),
            nan(r.test_metric),
            r.train_samples_per_s.unwrap_or(0.0),
            r.infer_ms_per_sample.unwrap_or(0.0)
        );
    }
    Ok(())
}
