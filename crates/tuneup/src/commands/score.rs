//! `tuneup score`: score any predictions against a truth file, with any of tuneup's metrics.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::data::{csv, sort_classes};
use tuneup_core::metrics::{Direction, Input, Metric, Needs, classification};

use crate::output::json_num;

pub fn list(json_out: bool) -> anyhow::Result<()> {
    let rows: Vec<(String, &str, &str, &str)> = Metric::catalogue()
        .into_iter()
        .map(|m| {
            let dir = if m.direction() == Direction::HigherIsBetter {
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

/// The `label` column, else the `target` column.
fn target_column(header: &[String]) -> Option<usize> {
    header
        .iter()
        .position(|h| h == "label")
        .or_else(|| header.iter().position(|h| h == "target"))
}

fn lines(path: &Path) -> Result<Vec<String>, InputError> {
    let bytes = tuneup_core::error::read_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InputError::in_file(path, "not UTF-8 text: expected one segment per line"))?;
    Ok(text.lines().map(str::to_string).collect())
}

pub fn run(
    names: &[String],
    truth: &Path,
    pred: &Path,
    pos_label: Option<&str>,
    json_out: bool,
) -> anyhow::Result<()> {
    if names.is_empty() {
        return Err(
            InputError::new("give at least one --metric (see `tuneup score --list`)").into(),
        );
    }
    let confusion = names.iter().any(|n| n == "confusion_matrix");
    let mut metrics = Vec::new();
    for n in names.iter().filter(|n| *n != "confusion_matrix") {
        metrics.push(Metric::from_name(n).ok_or_else(|| {
            InputError::new(format!("unknown metric `{n}` (see `tuneup score --list`)"))
                .key("--metric")
        })?);
    }
    let text = metrics.iter().filter(|m| m.needs() == Needs::Text).count();
    if text > 0 && (text < metrics.len() || confusion) {
        return Err(InputError::new(
            "text metrics read plain text files; score them separately from label or value metrics",
        )
        .key("--metric")
        .into());
    }
    let mut results: Vec<(String, f64)> = Vec::new();
    let mut matrix = None;
    if text > 0 {
        let refs = lines(truth)?;
        let hyps = lines(pred)?;
        for m in &metrics {
            let v = m
                .compute(&Input::Text {
                    refs: &refs,
                    hyps: &hyps,
                })
                .map_err(|e| InputError::in_file(pred, e.0))?;
            results.push((m.name(), v));
        }
    } else {
        let (th, trows) = csv::table(truth)?;
        let (ph, prows) = csv::table(pred)?;
        let tcol = target_column(&th).ok_or_else(|| {
            InputError::in_file(
                truth,
                format!(
                    "no `label` or `target` column; the columns are: {}",
                    th.join(", ")
                ),
            )
            .line(1)
        })?;
        if trows.len() != prows.len() {
            return Err(InputError::in_file(
                pred,
                format!(
                    "{} rows, but {} has {}: expected one prediction per row, in the same order",
                    prows.len(),
                    truth.display(),
                    trows.len()
                ),
            )
            .into());
        }
        // Rows must line up: where both files have an id column, the ids must agree.
        if let (Some(ti), Some(pi)) = (
            th.iter().position(|h| h.eq_ignore_ascii_case("id")),
            ph.iter().position(|h| h.eq_ignore_ascii_case("id")),
        ) {
            for ((tl, t), (pl, p)) in trows.iter().zip(&prows) {
                if t[ti].trim() != p[pi].trim() {
                    return Err(InputError::in_file(
                        pred,
                        format!(
                            "id `{}` where {} has `{}` (line {tl}): rows are out of order",
                            p[pi].trim(),
                            truth.display(),
                            t[ti].trim()
                        ),
                    )
                    .line(*pl)
                    .into());
                }
            }
        }
        let pcol = target_column(&ph);
        let all_values = metrics.iter().all(|m| m.needs() == Needs::Values) && !confusion;
        if metrics.iter().any(|m| m.needs() == Needs::Values) && !all_values {
            return Err(InputError::new(
                "regression metrics cannot be mixed with classification metrics",
            )
            .key("--metric")
            .into());
        }
        if all_values {
            let pcol = pcol.ok_or_else(|| {
                InputError::in_file(
                    pred,
                    format!(
                        "no `label` or `target` column; the columns are: {}",
                        ph.join(", ")
                    ),
                )
                .line(1)
            })?;
            let parse = |path: &Path,
                         rows: &[(usize, Vec<String>)],
                         col: usize,
                         header: &[String]|
             -> Result<Vec<f64>, InputError> {
                rows.iter()
                    .map(|(line, r)| {
                        let s = r[col].trim();
                        s.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| {
                                InputError::in_file(
                                    path,
                                    format!("expected a finite number, found `{s}`"),
                                )
                                .line(*line)
                                .column(format!(
                                    "{} (`{}`)",
                                    col + 1,
                                    header[col]
                                ))
                            })
                    })
                    .collect()
            };
            let t = parse(truth, &trows, tcol, &th)?;
            let p = parse(pred, &prows, pcol, &ph)?;
            for m in &metrics {
                let v = m
                    .compute(&Input::Values {
                        truth: &t,
                        pred: &p,
                    })
                    .map_err(|e| InputError::in_file(pred, e.0))?;
                results.push((m.name(), v));
            }
        } else {
            // Classes: those in the truth, the predicted labels and the probability columns.
            let pcols: Vec<(usize, String)> = ph
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.strip_prefix("p_").map(|c| (i, c.to_string())))
                .collect();
            let mut set: BTreeSet<String> = trows
                .iter()
                .map(|(_, r)| r[tcol].trim().to_string())
                .collect();
            if let Some(pc) = pcol {
                set.extend(prows.iter().map(|(_, r)| r[pc].trim().to_string()));
            }
            set.extend(pcols.iter().map(|(_, c)| c.clone()));
            let mut classes: Vec<String> = set.into_iter().collect();
            sort_classes(&mut classes);
            let index = |s: &str| classes.iter().position(|c| c == s).unwrap() as u32;
            let truth_idx: Vec<u32> = trows.iter().map(|(_, r)| index(r[tcol].trim())).collect();
            let needs_proba = metrics.iter().any(|m| m.needs() == Needs::Probabilities);
            let proba: Option<Vec<f64>> = if pcols.is_empty() {
                None
            } else {
                if pcols.len() != classes.len() {
                    let missing: Vec<&String> = classes
                        .iter()
                        .filter(|c| !pcols.iter().any(|(_, p)| p == *c))
                        .collect();
                    return Err(InputError::in_file(pred, format!("no probability column for class(es) {missing:?}: expected one p_<class> column per class")).line(1).into());
                }
                let mut v = vec![0.0; prows.len() * classes.len()];
                for (row, (line, r)) in prows.iter().enumerate() {
                    for (col, c) in &pcols {
                        let s = r[*col].trim();
                        let x: f64 =
                            s.parse()
                                .ok()
                                .filter(|x: &f64| x.is_finite())
                                .ok_or_else(|| {
                                    InputError::in_file(
                                        pred,
                                        format!("expected a probability, found `{s}`"),
                                    )
                                    .line(*line)
                                    .column(format!(
                                        "{} (`{}`)",
                                        col + 1,
                                        ph[*col]
                                    ))
                                })?;
                        v[row * classes.len() + index(c) as usize] = x;
                    }
                }
                Some(v)
            };
            if needs_proba && proba.is_none() {
                return Err(InputError::in_file(pred, "no p_<class> probability columns: the chosen metrics need them (`tuneup predict --proba` writes them)").line(1).into());
            }
            let pred_idx: Vec<u32> = match (pcol, &proba) {
                (Some(pc), _) => prows.iter().map(|(_, r)| index(r[pc].trim())).collect(),
                (None, Some(p)) => p
                    .chunks(classes.len())
                    .map(|row| {
                        row.iter()
                            .enumerate()
                            .fold(0, |b, (i, v)| if *v > row[b] { i } else { b })
                            as u32
                    })
                    .collect(),
                (None, None) => {
                    return Err(InputError::in_file(pred, format!("no `label` or `target` column and no p_<class> columns; the columns are: {}", ph.join(", "))).line(1).into());
                }
            };
            let positive = match pos_label {
                Some(p) => Some(classes.iter().position(|c| c == p).ok_or_else(|| {
                    InputError::new(format!(
                        "`{p}` is not a class; the classes are: {}",
                        classes.join(", ")
                    ))
                    .key("--pos-label")
                })? as u32),
                None => None,
            };
            for m in &metrics {
                let input = Input::Classes {
                    truth: &truth_idx,
                    pred: &pred_idx,
                    proba: proba.as_deref(),
                    n_classes: classes.len(),
                    positive,
                };
                let v = m
                    .compute(&input)
                    .map_err(|e| InputError::in_file(pred, format!("{}: {}", m.name(), e.0)))?;
                results.push((m.name(), v));
            }
            if confusion {
                matrix = Some((
                    classes.clone(),
                    classification::confusion(&truth_idx, &pred_idx, classes.len()),
                ));
            }
        }
    }
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
        let dir = if m.direction() == Direction::HigherIsBetter {
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
