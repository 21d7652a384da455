//! A study's page: its best trial, the optimization history with the best so far, the values
//! reported per epoch with pruning marks, parallel coordinates, parameter importance and slices,
//! every trial in a table with filters (state, best), and the best trial's experiment.

use std::fmt::Write as _;

use tuneup_core::tune::TrialState;
use tuneup_lab::study::view::{View, load};
use tuneup_store::StoredTrial;

use crate::chart::study as chart;
use crate::html::{Page, duration, esc, num, pre, run_link, section};
use crate::{Pages, WebError};

/// Trials whose curves the intermediate-values chart draws (the latest).
const CURVES: usize = 300;

pub fn page(p: &Pages, name: &str) -> Result<Page, WebError> {
    if p.store.study(name)?.is_none() {
        return Err(WebError::NotFound(format!(
            "no study `{name}` in this store"
        )));
    }
    let view = load(p.store, name)?;
    let search = &view.study.search;
    let count = |s: TrialState| view.trials.iter().filter(|t| t.trial.state == s).count();
    let mut body = format!(
        "<h1>study {}</h1><p class=\"sub\">{} trials: {} complete, {} pruned, {} failed, {} running, {} interrupted · sampler {} · pruner {} · {}</p>\n",
        esc(name),
        view.trials.len(),
        count(TrialState::Complete),
        count(TrialState::Pruned),
        count(TrialState::Failed),
        count(TrialState::Running),
        count(TrialState::Interrupted),
        esc(&kind_of(&search.sampler)),
        esc(&kind_of(&search.pruner)),
        if view.direction.higher_is_better() {
            "maximize"
        } else {
            "minimize"
        }
    );
    body.push_str(&best(p, &view));
    let mut charts = chart::history(&view.trials, view.direction);
    if view.trials.iter().any(|t| !t.trial.intermediate.is_empty()) {
        charts.push_str(&chart::intermediate(&view.trials, CURVES));
    }
    body.push_str(&section(
        "History",
        "history",
        &format!("<div class=\"charts\">{charts}</div>"),
    ));
    let mut params = chart::parallel(search, &view.trials, view.direction);
    match &view.importance {
        Some(imp) => {
            let mut rows = imp.clone();
            rows.sort_by(|a, b| b.1.total_cmp(&a.1));
            params.push_str(&chart::bars("parameter importance", &rows));
        }
        None => params.push_str("<p>parameter importance: needs 5 complete trials</p>"),
    }
    if let Some(s) = chart::slices(search, &view.trials, view.importance.as_deref()) {
        params.push_str(&s);
    }
    body.push_str(&section(
        "Parameters",
        "parameters",
        &format!("<div class=\"charts\">{params}</div>"),
    ));
    body.push_str(&trials(p, &view));
    if let Ok(toml) = view.export_best() {
        body.push_str(&section(
            "Best trial's experiment",
            "best-experiment",
            &pre(&toml),
        ));
    }
    Ok(Page {
        title: format!("study {name} · tuneup"),
        body,
    })
}

fn best(p: &Pages, view: &View) -> String {
    let Some(b) = view.best() else {
        return section("Best trial", "best", "<p>no complete trial yet</p>");
    };
    let params: Vec<String> = b
        .trial
        .params
        .iter()
        .map(|(k, v)| format!("<code>{} = {}</code>", esc(k), esc(&v.to_string())))
        .collect();
    section(
        "Best trial",
        "best",
        &format!(
            "<p>trial <b>{}</b>: value <b>{}</b>{}</p><p>{}</p>",
            b.trial.number,
            num(b.trial.value, 4),
            b.run_id
                .map(|r| format!(" · {}", run_link(p.mode, r)))
                .unwrap_or_default(),
            params.join(" ")
        ),
    )
}

fn trials(p: &Pages, view: &View) -> String {
    let best = view.best().map(|b| b.trial.number);
    let names: Vec<&str> = view
        .study
        .search
        .space
        .params
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let mut out = String::from(
        "<div class=\"filters\"><label>state <select id=\"f-trial-state\" data-filter-for=\"trials\" data-key=\"state\"><option value=\"\">any</option>",
    );
    for s in ["complete", "pruned", "failed", "running", "interrupted"] {
        let _ = write!(out, "<option value=\"{s}\">{s}</option>");
    }
    out.push_str("</select></label><label><input type=\"checkbox\" id=\"f-trial-best\" data-filter-for=\"trials\" data-key=\"best\"> best only</label><label>search <input id=\"f-trial-text\" data-filter-for=\"trials\" data-key=\"text\" size=\"16\"></label><span class=\"sub\" data-count-for=\"trials\"></span></div>\n");
    out.push_str("<table id=\"trials\" data-filterable=\"1\"><thead><tr><th>#</th><th>state</th><th>value</th>");
    for n in &names {
        let _ = write!(out, "<th>{}</th>", esc(n));
    }
    out.push_str("<th>epochs</th><th>time</th><th>run</th><th>worker</th></tr></thead><tbody>\n");
    for t in &view.trials {
        row(p, t, best == Some(t.trial.number), &names, &mut out);
    }
    out.push_str("</tbody></table>\n");
    section("Trials", "trials-section", &out)
}

fn row(p: &Pages, t: &StoredTrial, is_best: bool, names: &[&str], out: &mut String) {
    let state = t.trial.state.as_str();
    let _ = write!(
        out,
        "<tr data-state=\"{state}\" data-best=\"{}\" data-trial=\"{}\"><td>{}</td><td><span class=\"badge {state}\">{state}</span></td><td>{}</td>",
        u8::from(is_best),
        t.trial.number,
        t.trial.number,
        num(t.trial.value, 4)
    );
    for n in names {
        let v = t
            .trial
            .params
            .get(*n)
            .map(|v| match v.as_f64() {
                Some(f) if v.is_f64() => crate::chart::line::fmt_tick(f),
                _ => v.to_string(),
            })
            .unwrap_or("—".into());
        let _ = write!(out, "<td>{}</td>", esc(&v));
    }
    let _ = writeln!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
        t.trial.intermediate.len(),
        duration(t.seconds()),
        t.run_id.map(|r| run_link(p.mode, r)).unwrap_or("—".into()),
        esc(&t.worker),
        t.failure
            .as_deref()
            .map(|f| format!("<div class=\"sub\">{}</div>", esc(f)))
            .unwrap_or_default()
    );
}

/// A sampler's or pruner's kind (`tpe`, `asha`), not its whole configuration.
fn kind_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => m
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("?")
            .to_string(),
        _ => crate::html::name_of(v),
    }
}
