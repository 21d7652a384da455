//! `tuneup score`: score any predictions against a truth file, with any of tuneup's metrics.

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::metrics::{Direction, Metric, Needs};

use crate::cli::ScoreArgs;
use crate::output::json_num;

fn list(json_out: bool) -> anyhow::Result<()> {
    let rows: Vec<(String, &str, &str, &str)> = Metric::catalogue()
        .into_iter()
        .map(|m| {
            let dir = if m.direction() == Direction::Maximize {
                "higher"
            } else {
                "lower"
            };
            let needs = match m.needs() {
                Needs::Labels => "labels",
                Needs::Probabilities => "probabilities (p_<class> columns)",
                Needs::Values => "numeric values",
                Needs::Text => "text, one segment per line",
            };
            (m.name(), dir, needs, m.describe())
        })
        .collect();
    if json_out {
        let v: Vec<_> = rows
            .iter()
            .map(|(n, d, i, w)| json!({"name": n, "better": d, "needs": i, "description": w}))
            .collect();
        println!("{}", json!({ "metrics": v }));
        return Ok(());
    }
    println!("{:<22} {:<7} {:<34} what", "metric", "better", "needs");
    for (n, d, i, w) in rows {
        println!("{n:<22} {d:<7} {i:<34} {w}");
    }
    println!(
        "\nAlso: top<k>_accuracy for any k, f<beta> for any beta (with _micro, _macro, _weighted), confusion_matrix."
    );
    Ok(())
}

pub fn run(a: ScoreArgs) -> anyhow::Result<()> {
    let (truth, pred) = match (a.list, &a.truth, &a.pred) {
        (true, _, _) => return list(a.json),
        (false, Some(t), Some(p)) => (t, p),
        _ => return Err(InputError::new("give --truth and --pred (or --list)").into()),
    };
    let scored = tuneup_lab::score::score_files(&a.metrics, truth, pred, a.pos_label.as_deref())?;
    let (results, matrix) = (scored.results, scored.matrix);
    let json_out = a.json;
    if json_out {
        let mut metrics_obj = serde_json::Map::new();
        for (n, v) in &results {
            metrics_obj.insert(n.clone(), json_num(*v));
        }
        let mut out = json!({ "metrics": metrics_obj });
        if let Some((labels, m)) = &matrix {
            out["confusion_matrix"] = json!({"labels": labels, "matrix": m});
        }
        println!("{out}");
        return Ok(());
    }
    for (n, v) in &results {
        let m = Metric::from_name(n).unwrap();
        let dir = if m.direction() == Direction::Maximize {
            "higher is better"
        } else {
            "lower is better"
        };
        println!("{n:<22} {v:>12.6}   ({dir})");
    }
    if let Some((labels, m)) = matrix {
        println!("\nconfusion matrix (rows: truth, columns: prediction)");
        let w = labels.iter().map(|l| l.len()).max().unwrap_or(1).max(
            m.iter()
                .flatten()
                .map(|v| v.to_string().len())
                .max()
                .unwrap_or(1),
        ) + 1;
        print!("{:>w$}", "");
        for l in &labels {
            print!(" {l:>w$}");
        }
        println!();
        for (l, row) in labels.iter().zip(&m) {
            print!("{l:>w$}");
            for v in row {
                print!(" {v:>w$}");
            }
            println!();
        }
    }
    Ok(())
}
