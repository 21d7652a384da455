//! An improve chain's page: the metric over the chain with the best so far, the ledger as a
//! timeline (each step's diagnosis, remedy, exact change, result, kept or rejected and the
//! paired test's numbers, time), and the validation curves of every kept run overlaid.

use std::fmt::Write as _;

use tuneup_core::direction::Direction;
use tuneup_lab::improve::describe::short;
use tuneup_store::{Step, StepKind, StepState};

use crate::chart::{PALETTE, Panel, Series, svg};
use crate::html::{Page, duration, esc, name_of, num, run_link, section, utc};
use crate::{Pages, WebError};

pub fn page(p: &Pages, chain: &str) -> Result<Page, WebError> {
    let steps = p.store.ledger(chain)?;
    if steps.is_empty() {
        return Err(WebError::NotFound(format!(
            "no improve chain `{chain}` in this store"
        )));
    }
    let base = steps.iter().find_map(|s| s.parent_run.or(s.run_id));
    let (direction, metric) = match base.map(|id| p.store.run(id)) {
        Some(Ok(r)) => (r.experiment.metric().direction(), r.metric_name),
        _ => (Direction::Maximize, "metric".to_string()),
    };
    let total: f64 = steps.iter().filter_map(Step::seconds).sum();
    let kept = steps.iter().filter(|s| s.state == StepState::Kept).count();
    let mut body = format!(
        "<h1>improve chain {}</h1><p class=\"sub\">{} steps · {kept} kept · {} · started {} UTC</p>\n",
        esc(chain),
        steps.len(),
        duration(Some(total)),
        utc(steps[0].started_at)
    );
    body.push_str(&section(
        &format!("{metric} over the chain"),
        "progress",
        &format!(
            "<div class=\"charts\">{}{}</div>",
            progress(&steps, direction, &metric),
            curves(p, &steps)?
        ),
    ));
    let mut tl = String::from("<ol class=\"timeline\">\n");
    for s in &steps {
        tl.push_str(&step(p, s));
    }
    tl.push_str("</ol>\n");
    body.push_str(&section("Ledger", "ledger", &tl));
    Ok(Page {
        title: format!("chain {chain} · tuneup"),
        body,
    })
}

/// Each step's value (kept steps filled) and the best so far. The final step's value is the
/// test score, drawn apart.
fn progress(steps: &[Step], direction: Direction, metric: &str) -> String {
    let mut best: Option<f64> = None;
    let mut best_line = Vec::new();
    let (mut kept, mut other, mut fin) = (Vec::new(), Vec::new(), Vec::new());
    for s in steps {
        let Some(v) = s.value.filter(|v| v.is_finite()) else {
            continue;
        };
        let x = s.step as f64;
        if s.kind == StepKind::Final {
            fin.push((x, v));
            continue;
        }
        if matches!(s.state, StepState::Kept) {
            kept.push((x, v));
            if best.is_none_or(|b| direction.better(v, b)) {
                best = Some(v);
            }
        } else {
            other.push((x, v));
        }
        if let Some(b) = best {
            best_line.push((x, b));
        }
    }
    let series = |name: &str, points: Vec<(f64, f64)>, color: &'static str, markers: bool| Series {
        name: name.into(),
        points,
        color,
        dashed: false,
        markers,
    };
    svg(&[Panel {
        title: format!("validation {metric} per step"),
        x_label: "step".into(),
        y_label: metric.into(),
        series: vec![
            series("kept", kept, "#2ca02c", true),
            series("rejected / failed", other, "#9aa5b5", true),
            series("best so far", best_line, "#1f77b4", false),
            series("final (test)", fin, "#d62728", true),
        ],
        hlines: vec![],
        vlines: vec![],
        log_x: false,
    }])
}

/// The validation error per epoch of every kept run, overlaid.
fn curves(p: &Pages, steps: &[Step]) -> Result<String, WebError> {
    let mut series = Vec::new();
    for s in steps.iter().filter(|s| s.state == StepState::Kept) {
        let Some(id) = s.run_id else { continue };
        let epochs = p.store.epochs(crate::pages::curves_of(&p.run(id)?))?;
        if epochs.is_empty() {
            continue;
        }
        series.push(Series {
            name: format!("step {} (run {id})", s.step),
            points: epochs
                .iter()
                .map(|e| (e.epoch as f64, e.val_error))
                .collect(),
            color: PALETTE[series.len() % PALETTE.len()],
            dashed: false,
            markers: false,
        });
    }
    if series.is_empty() {
        return Ok(String::new());
    }
    Ok(svg(&[Panel {
        title: "kept runs: validation error".into(),
        x_label: "epoch".into(),
        y_label: "validation error".into(),
        series,
        hlines: vec![],
        vlines: vec![],
        log_x: false,
    }]))
}

fn step(p: &Pages, s: &Step) -> String {
    let state = s.state.as_str();
    let mut out = format!(
        "<li class=\"{state}\"><b>step {}</b> · {} <span class=\"badge {state}\">{state}</span> · {}{}",
        s.step,
        s.kind.as_str(),
        duration(s.seconds()),
        s.run_id
            .map(|r| format!(" · {}", run_link(p.mode, r)))
            .unwrap_or_default()
    );
    if let Some(d) = &s.diagnosis {
        let _ = write!(
            out,
            "<div>diagnosis: <b>{}</b> (train error {}, validation error {}{})</div>",
            esc(&name_of(&d.verdict).replace('_', " ")),
            num(d.train_error, 4),
            num(d.val_error, 4),
            d.target_error
                .map(|t| format!(", target {t:.4}"))
                .unwrap_or_default()
        );
    }
    if s.title.is_some() || s.remedy.is_some() {
        let _ = write!(
            out,
            "<div>remedy: {} <span class=\"sub\">[{}]</span></div>",
            esc(s.title.as_deref().unwrap_or("-")),
            esc(s.remedy.as_deref().unwrap_or("-"))
        );
    }
    if let Some(ch) = s.changes.as_ref().filter(|c| !c.is_empty()) {
        let list: Vec<String> = ch
            .iter()
            .map(|c| format!("<code>{} = {}</code>", esc(&c.key), esc(&short(&c.to))))
            .collect();
        let _ = write!(out, "<div>change: {}</div>", list.join(", "));
    }
    let _ = write!(
        out,
        "<div>result: {} (best before {}){}</div></li>\n",
        num(s.value, 4),
        num(s.best_before, 4),
        s.reason
            .as_deref()
            .map(|r| format!(" — {}", esc(r)))
            .unwrap_or_default()
    );
    out
}
