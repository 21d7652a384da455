//! Two or more runs side by side: the experiment keys that differ (only those), their
//! validation curves overlaid, their numbers in columns.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::chart::{PALETTE, Panel, Series, svg};
use crate::html::{Page, duration, esc, num, run_link, section};
use crate::{Pages, WebError};

/// Parses `1,2,3` (the `runs` query parameter).
pub fn parse_ids(s: &str) -> Result<Vec<i64>, WebError> {
    let ids: Vec<i64> = s
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.trim().parse::<i64>().map_err(|_| {
                WebError::BadRequest(format!(
                    "runs=: expected run ids separated by commas, got `{p}`"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if ids.len() < 2 {
        return Err(WebError::BadRequest(
            "runs=: give two or more run ids, e.g. /diff?runs=3,5".into(),
        ));
    }
    Ok(ids)
}

/// Every leaf of a JSON value under a dotted key.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

pub fn page(p: &Pages, ids: &[i64]) -> Result<Page, WebError> {
    let runs = ids
        .iter()
        .map(|id| p.run(*id))
        .collect::<Result<Vec<_>, _>>()?;
    let configs: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            flatten(
                "",
                &serde_json::to_value(&r.experiment).unwrap_or(Value::Null),
                &mut m,
            );
            m
        })
        .collect();
    let keys: std::collections::BTreeSet<&String> = configs.iter().flat_map(|c| c.keys()).collect();
    let head: Vec<String> = std::iter::once("".to_string())
        .chain(runs.iter().map(|r| run_link(p.mode, r.id)))
        .collect();
    let head_row = format!(
        "<tr>{}</tr>",
        head.iter()
            .map(|h| format!("<th>{h}</th>"))
            .collect::<String>()
    );
    let mut differ = String::new();
    let mut n_differ = 0;
    for k in keys {
        let vals: Vec<Option<&String>> = configs.iter().map(|c| c.get(k)).collect();
        if vals.iter().all(|v| *v == vals[0]) {
            continue;
        }
        n_differ += 1;
        differ.push_str(&format!("<tr><th>{}</th>", esc(k)));
        for v in vals {
            differ.push_str(&format!(
                "<td class=\"changed\">{}</td>",
                esc(v.map(String::as_str).unwrap_or("—"))
            ));
        }
        differ.push_str("</tr>\n");
    }
    let mut body = format!(
        "<h1>{} runs compared</h1><p class=\"sub\">{n_differ} experiment keys differ</p>\n",
        runs.len()
    );
    body.push_str(&section(
        "Experiment keys that differ",
        "keys",
        &format!("<table class=\"diff\" id=\"diff-keys\"><thead>{head_row}</thead><tbody>{differ}</tbody></table>"),
    ));
    let mut numbers = String::new();
    type Cell = fn(&tuneup_store::Run) -> String;
    let rows: [(&str, Cell); 11] = [
        ("model", |r| esc(&r.model)),
        ("state", |r| crate::html::name_of(&r.state)),
        ("metric", |r| esc(&r.metric_name)),
        ("train metric", |r| num(r.train.map(|s| s.metric), 4)),
        ("validation metric", |r| num(r.val.map(|s| s.metric), 4)),
        ("test metric", |r| num(r.test.map(|s| s.metric), 4)),
        ("train error", |r| num(r.train.map(|s| s.error), 4)),
        ("validation error", |r| num(r.val.map(|s| s.error), 4)),
        ("best epoch", |r| {
            r.best_epoch.map(|b| b.to_string()).unwrap_or("—".into())
        }),
        ("parameters", |r| {
            r.params.map(|b| b.to_string()).unwrap_or("—".into())
        }),
        ("time", |r| duration(r.seconds)),
    ];
    for (name, f) in rows {
        numbers.push_str(&format!("<tr><th>{name}</th>"));
        for r in &runs {
            numbers.push_str(&format!("<td>{}</td>", f(r)));
        }
        numbers.push_str("</tr>\n");
    }
    body.push_str(&section(
        "Numbers",
        "numbers",
        &format!(
            "<table id=\"diff-numbers\"><thead>{head_row}</thead><tbody>{numbers}</tbody></table>"
        ),
    ));
    let mut err = Vec::new();
    let mut loss = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let epochs = p.store.epochs(crate::pages::curves_of(r))?;
        let color = PALETTE[i % PALETTE.len()];
        let s = |name: String, points: Vec<(f64, f64)>| Series {
            name,
            points,
            color,
            dashed: false,
            markers: false,
        };
        err.push(s(
            format!("run {}", r.id),
            epochs
                .iter()
                .map(|e| (e.epoch as f64, e.val_error))
                .collect(),
        ));
        loss.push(s(
            format!("run {}", r.id),
            epochs
                .iter()
                .map(|e| (e.epoch as f64, e.val_loss))
                .collect(),
        ));
    }
    let panel = |title: &str, y: &str, series| Panel {
        title: title.into(),
        x_label: "epoch".into(),
        y_label: y.into(),
        series,
        hlines: vec![],
        vlines: vec![],
        log_x: false,
    };
    body.push_str(&section(
        "Validation curves",
        "curves",
        &format!(
            "<div class=\"charts\">{}</div>",
            svg(&[
                panel("validation error", "error", err),
                panel("validation loss", "loss", loss)
            ])
        ),
    ));
    Ok(Page {
        title: format!(
            "diff {} · tuneup",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        body,
    })
}
