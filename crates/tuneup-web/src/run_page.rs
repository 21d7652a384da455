//! A run's page: what it is, its scores, learning curves with the best epoch, the diagnosis
//! card with intervals and remedies, what its model gets wrong on validation rows, and the
//! resolved experiment.

use std::fmt::Write as _;

use tuneup_core::diagnose::{Diagnosis, Measured, TargetSource};
use tuneup_core::spec::Task;
use tuneup_lab::diagnose::{Options, diagnose_with_curves};
use tuneup_store::{Run, RunKind};

use crate::analysis::{Analysis, Sample, View};
use crate::chart::{self, Panel, Series};
use crate::html::{Page, duration, esc, name_of, num, pre, run_link, section, table, utc};
use crate::{Pages, WebError};

pub fn page(p: &Pages, id: i64) -> Result<Page, WebError> {
    let run = p.run(id)?;
    let mut body = header(p, &run);
    body.push_str(&scores(&run));
    // A cross-validation run's curves are its first fold's.
    let curves = run
        .fold_runs()
        .and_then(|f| f.first().copied())
        .unwrap_or(id);
    let epochs = p.store.epochs(curves)?;
    let opts = Options::from_flags(None, None, None, None, None).map_err(anyhow::Error::from)?;
    if !epochs.is_empty() || run.val.is_some() {
        match diagnose_with_curves(p.store, id, curves, &opts) {
            Ok(d) => {
                if !d.epochs.is_empty() {
                    body.push_str(&section(
                        "Learning curves",
                        "curves",
                        &format!(
                            "<p class=\"sub\">loss and {} per epoch{}; the dashed line marks the best epoch (or where overfitting began)</p><div class=\"charts\">{}</div>",
                            if d.diagnosis.task == Task::Classification { "error rate" } else { "RMSE" },
                            if curves != id { format!(" of the first fold (run {curves})") } else { String::new() },
                            chart::learning_curves_svg(&d.run, &d.epochs, &d.diagnosis)
                        ),
                    ));
                }
                body.push_str(&card(&d.diagnosis));
            }
            Err(e) => body.push_str(&section(
                "Diagnosis",
                "diagnosis",
                &format!("<p>not available: {}</p>", esc(&format!("{e:#}"))),
            )),
        }
    }
    if run.kind == RunKind::Train || run.kind == RunKind::Distill {
        body.push_str(&importance(p, &run));
        body.push_str(&predictions(p, &run));
    }
    body.push_str(&section(
        "Experiment (resolved)",
        "experiment",
        &pre(&run.experiment.to_toml()),
    ));
    Ok(Page {
        title: format!("run {id} · tuneup"),
        body,
    })
}

/// Boosted trees: each feature's share of the split gain (the 20 largest), as bars.
fn importance(p: &Pages, run: &Run) -> String {
    let Ok(Some(shares)) = tuneup_lab::importance::of_run(p.store, run.id) else {
        return String::new();
    };
    let rows: Vec<Vec<String>> = shares
        .iter()
        .filter(|(_, s)| *s > 0.0)
        .take(20)
        .map(|(name, share)| {
            vec![
                esc(name),
                format!("{:.1}%", share * 100.0),
                format!(
                    "<span class=\"bar\" style=\"display:inline-block;height:0.8em;background:#4c78a8;width:{:.0}px\"></span>",
                    share * 400.0
                ),
            ]
        })
        .collect();
    section(
        "Feature importance",
        "importance",
        &format!(
            "<p class=\"sub\">each feature's share of the split gain summed over the trees kept</p>{}",
            table(&["feature", "share", ""], &rows)
        ),
    )
}

fn header(p: &Pages, run: &Run) -> String {
    let state = name_of(&run.state);
    let mut out = format!(
        "<h1>run {}{} <span class=\"badge {state}\">{state}</span> <span class=\"badge\">{}</span></h1>\n",
        run.id,
        run.name
            .as_deref()
            .map(|n| format!(": {}", esc(n)))
            .unwrap_or_default(),
        run.kind.as_str()
    );
    let mut facts = vec![
        format!("model <b>{}</b>", esc(&run.model)),
        format!("metric <b>{}</b>", esc(&run.metric_name)),
        format!(
            "{} {}",
            if run.model == "gbdt" {
                "leaves"
            } else {
                "parameters"
            },
            run.params.map(|n| n.to_string()).unwrap_or("—".into())
        ),
        format!("time {}", duration(run.seconds)),
        format!("started {} UTC", utc(run.created_at)),
    ];
    if let Some(parent) = run.parent_id {
        facts.push(format!("parent {}", run_link(p.mode, parent)));
    }
    if let Some(w) = &run.worker {
        facts.push(format!("worker {}", esc(w)));
    }
    let _ = writeln!(out, "<p class=\"sub\">{}</p>", facts.join(" · "));
    if let Some(f) = &run.failure {
        let _ = writeln!(out, "<p class=\"badge failed\">{}</p>", esc(f));
    }
    if let Some(e) = &run.extra.ensemble {
        let members: Vec<String> = e.members.iter().map(|m| run_link(p.mode, *m)).collect();
        let _ = writeln!(
            out,
            "<p>ensemble ({}) of {}</p>",
            esc(&name_of(&e.method)),
            members.join(", ")
        );
    }
    if let Some(folds) = run.fold_runs() {
        let f: Vec<String> = folds.iter().map(|m| run_link(p.mode, *m)).collect();
        let _ = writeln!(out, "<p>fold models: {}</p>", f.join(", "));
    }
    out
}

fn scores(run: &Run) -> String {
    let rows: Vec<Vec<String>> = [
        ("train", run.train),
        ("train-dev", run.train_dev),
        ("validation", run.val),
        ("test", run.test),
    ]
    .into_iter()
    .filter_map(|(n, s)| {
        let s = s?;
        Some(vec![
            n.to_string(),
            num(Some(s.loss), 4),
            num(Some(s.error), 4),
            num(Some(s.metric), 4),
        ])
    })
    .collect();
    if rows.is_empty() {
        return String::new();
    }
    let best = run
        .best_epoch
        .map(|b| format!("<p class=\"sub\">best epoch {b}</p>"))
        .unwrap_or_default();
    section(
        "Scores",
        "scores",
        &format!(
            "{best}{}",
            table(&["split", "loss", "error", &run.metric_name], &rows)
        ),
    )
}

fn measured(task: Task, m: &Measured) -> String {
    let f = |v: f64| match task {
        Task::Classification => format!("{:.2}%", v * 100.0),
        Task::Regression => format!("{v:.4}"),
    };
    if m.n > 0 {
        format!("{} [{}, {}] n = {}", f(m.value), f(m.low), f(m.high), m.n)
    } else {
        f(m.value)
    }
}

/// The report card: verdict, errors with 95% intervals, gaps, reasons, remedies.
fn card(d: &Diagnosis) -> String {
    let t = d.task;
    let mut rows = vec![vec![
        "target".to_string(),
        format!(
            "{}{}",
            measured(t, &d.errors.target),
            match &d.errors.target_source {
                TargetSource::Assumed => " (none given: assumed 0)".to_string(),
                TargetSource::Estimated { from } => format!(" (estimated from {from})"),
                TargetSource::Given => String::new(),
            }
        ),
    ]];
    for (n, m) in [
        ("train", d.errors.train),
        ("train-dev", d.errors.train_dev),
        ("validation", d.errors.val),
    ] {
        if let Some(m) = m {
            rows.push(vec![n.to_string(), measured(t, &m)]);
        }
    }
    for (n, a) in [
        ("avoidable bias", d.avoidable_bias),
        ("variance", d.variance),
        ("data mismatch", d.data_mismatch),
    ] {
        if let Some(a) = a {
            rows.push(vec![
                n.to_string(),
                format!(
                    "{:.4} [{:.4}, {:.4}] {}",
                    a.gap.value,
                    a.gap.low,
                    a.gap.high,
                    if a.high { "<b>high</b>" } else { "not high" }
                ),
            ]);
        }
    }
    let mut out = format!(
        "<div class=\"verdict\">{}</div>{}",
        esc(d.verdict.describe()),
        table(&["", "error (95% interval)"], &rows)
    );
    out.push_str("<ul>");
    for r in &d.reasons {
        let _ = write!(out, "<li>{}</li>", esc(r));
    }
    out.push_str("</ul>");
    if d.remedies.is_empty() {
        out.push_str("<p>No remedy needed: the model is within the target's noise.</p>");
    } else {
        let rows: Vec<Vec<String>> = d
            .remedies
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let how = if r.available {
                    r.changes
                        .iter()
                        .map(|c| format!("{} = {} (was {})", c.key, c.to, c.from))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    format!(
                        "not yet in tuneup: needs {}",
                        r.missing.as_deref().unwrap_or("?")
                    )
                };
                vec![
                    (i + 1).to_string(),
                    esc(&r.category.to_string()),
                    format!("<b>{}</b><br>{}", esc(&r.title), esc(&r.why)),
                    esc(&how),
                ]
            })
            .collect();
        out.push_str("<h3>Remedies, best first</h3>");
        out.push_str(&table(&["#", "for", "remedy", "change"], &rows));
    }
    section("Diagnosis", "diagnosis", &out)
}

fn predictions(p: &Pages, run: &Run) -> String {
    if run.state != tuneup_store::RunState::Complete {
        return String::new();
    }
    let a = p.analysis(run);
    let a = match a.as_ref() {
        Ok(a) => a,
        Err(e) => {
            return section(
                "Validation predictions",
                "predictions",
                &format!("<p>not available: {}</p>", esc(e)),
            );
        }
    };
    match a {
        Analysis::Classification {
            classes,
            counts,
            per_class,
            wrong,
        } => {
            let rows: Vec<Vec<String>> = per_class
                .iter()
                .map(|c| {
                    vec![
                        esc(&c.class),
                        num(c.precision, 3),
                        num(c.recall, 3),
                        c.support.to_string(),
                    ]
                })
                .collect();
            let mut out = section(
                "Confusion matrix and per-class precision / recall",
                "confusion",
                &format!(
                    "<div class=\"charts\">{}<div>{}</div></div>",
                    chart::confusion(classes, counts),
                    table(&["class", "precision", "recall", "support"], &rows)
                ),
            );
            out.push_str(&section(
                "Most confidently wrong (validation)",
                "wrong",
                &samples(wrong, "confidence"),
            ));
            out
        }
        Analysis::Regression { points, worst } => {
            let residuals = Panel {
                title: "residuals (validation)".into(),
                x_label: "prediction".into(),
                y_label: "prediction − truth".into(),
                series: vec![Series {
                    name: "row".into(),
                    points: points.iter().map(|(t, p)| (*p, p - t)).collect(),
                    color: "#1f77b4",
                    dashed: false,
                    markers: true,
                }],
                hlines: vec![chart::Mark {
                    value: 0.0,
                    label: "0".into(),
                    color: "#7f7f7f",
                }],
                vlines: vec![],
                log_x: false,
            };
            let fit = Panel {
                title: "prediction against truth".into(),
                x_label: "truth".into(),
                y_label: "prediction".into(),
                series: vec![Series {
                    name: "row".into(),
                    points: points.clone(),
                    color: "#ff7f0e",
                    dashed: false,
                    markers: true,
                }],
                hlines: vec![],
                vlines: vec![],
                log_x: false,
            };
            let mut out = section(
                "Residuals",
                "residuals",
                &format!(
                    "<div class=\"charts\">{}</div>",
                    chart::svg(&[residuals, fit])
                ),
            );
            out.push_str(&section(
                "Largest errors (validation)",
                "wrong",
                &samples(worst, "|error|"),
            ));
            out
        }
    }
}

fn samples(list: &[Sample], score: &str) -> String {
    if list.is_empty() {
        return "<p>none: every validation sample is right</p>".into();
    }
    let mut out = String::from("<div class=\"samples\">");
    for s in list {
        let shown = match &s.view {
            View::Image(url) => format!("<img alt=\"sample {}\" src=\"{url}\">", esc(&s.id)),
            View::Row(cols) => {
                let rows: Vec<Vec<String>> =
                    cols.iter().map(|(k, v)| vec![esc(k), esc(v)]).collect();
                table(&["column", "value"], &rows)
            }
        };
        let _ = write!(
            out,
            "<div class=\"sample\">{shown}<div>id <b>{}</b></div><div>true <b>{}</b> · predicted <b>{}</b></div><div>{score} {:.3}</div></div>",
            esc(&s.id),
            esc(&s.truth),
            esc(&s.predicted),
            s.score
        );
    }
    out.push_str("</div>");
    out
}
