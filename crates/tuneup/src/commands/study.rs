//! `tuneup study [NAME] [--json] [--export best.toml] [--plots DIR]`: a study's best trial, its
//! trials, parameter importance, and charts (optimization history, parallel coordinates, slice
//! plots of the most important parameters) as SVG.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::json;
use tuneup_core::tune::{Direction, Search, TrialState};
use tuneup_lab::study::view::{View, load};
use tuneup_store::{Storage, StoredTrial};

use crate::cli::StudyArgs;
use crate::output::write_atomic;
use crate::plot::{Panel, Series};
use crate::views::study::print_best;

use super::Ctx;

pub fn run(ctx: &Ctx, a: StudyArgs) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match &a.name {
        None => list(store.as_ref(), a.json),
        Some(n) => show(store.as_ref(), n, &a),
    }
}

fn list(store: &dyn Storage, json_out: bool) -> anyhow::Result<()> {
    let studies = store.studies()?;
    if json_out {
        println!(
            "{}",
            json!(
                studies
                    .iter()
                    .map(|(n, c)| json!({"name": n, "trials": c}))
                    .collect::<Vec<_>>()
            )
        );
        return Ok(());
    }
    if studies.is_empty() {
        println!("no studies (start one with `tuneup tune EXP.toml`)");
    }
    for (n, c) in studies {
        println!("{n}  ({c} trials)");
    }
    Ok(())
}

fn show(store: &dyn Storage, name: &str, a: &StudyArgs) -> anyhow::Result<()> {
    let view = load(store, name)?;
    if let Some(path) = &a.export {
        write_atomic(path, view.export_best()?.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    let search = &view.study.search;
    if let Some(dir) = &a.plots {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_plots(
            dir,
            search,
            &view.trials,
            view.direction,
            view.importance.as_deref(),
        )?;
    }
    if a.json {
        let best = view.best();
        println!(
            "{}",
            json!({
                "study": view.study.name,
                "direction": view.direction,
                "sampler": search.sampler,
                "pruner": search.pruner,
                "best": best.map(|b| json!({"number": b.trial.number, "value": b.trial.value, "params": b.trial.params, "run_id": b.run_id})),
                "importance": view.importance.as_ref().map(|v| v.iter().map(|(k, x)| json!({"param": k, "importance": x})).collect::<Vec<_>>()),
                "trials": view.trials,
            })
        );
        return Ok(());
    }
    print_table(&view)?;
    print_importance(&view);
    Ok(())
}

/// The trials as a table (one column per searched parameter), then the best trial.
fn print_table(view: &View) -> anyhow::Result<()> {
    let (search, trials, direction) = (&view.study.search, &view.trials, view.direction);
    let study = &view.study;
    let names: Vec<&str> = search
        .space
        .params
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    println!(
        "study {} ({} sampler, {} pruner, {})",
        study.name,
        search.sampler.name(),
        search.pruner.name(),
        if direction == Direction::Maximize {
            "maximize"
        } else {
            "minimize"
        }
    );
    let mut table = String::new();
    write!(
        table,
        "  {:>5} {:<9} {:>9} {:>8} {:>6}",
        "trial", "state", "value", "seconds", "run"
    )?;
    for n in &names {
        write!(table, "  {n}")?;
    }
    table.push('\n');
    for t in trials {
        let state = match (t.trial.state, &t.failure) {
            (TrialState::Pruned, _) => {
                format!("pruned@{}", t.trial.last().map(|l| l.0).unwrap_or(0))
            }
            (s, _) => s.as_str().to_string(),
        };
        write!(
            table,
            "  {:>5} {:<9} {:>9} {:>8} {:>6}",
            t.trial.number,
            state,
            t.trial
                .value
                .map(|v| format!("{v:.4}"))
                .unwrap_or("-".into()),
            t.seconds().map(|s| format!("{s:.1}")).unwrap_or("-".into()),
            t.run_id.map(|r| r.to_string()).unwrap_or("-".into())
        )?;
        for n in &names {
            write!(
                table,
                "  {}",
                t.trial
                    .params
                    .get(*n)
                    .map(|v| v.to_string())
                    .unwrap_or("-".into())
            )?;
        }
        if matches!(t.trial.state, TrialState::Failed | TrialState::Interrupted) {
            if let Some(f) = &t.failure {
                write!(table, "  ({f})")?;
            }
        }
        table.push('\n');
    }
    print!("{table}");
    match view.best() {
        Some(b) => print_best(b),
        None => println!("no complete trial yet"),
    }
    Ok(())
}

/// Each parameter's importance, largest first, as a bar.
fn print_importance(view: &View) {
    match &view.importance {
        Some(v) => {
            println!("parameter importance (permutation, random-forest surrogate):");
            let mut v = v.clone();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (k, x) in v {
                println!(
                    "  {:<28} {:>5.1}%  {}",
                    k,
                    100.0 * x,
                    "#".repeat((x * 40.0).round() as usize)
                );
            }
        }
        None => println!("parameter importance: needs 5 complete trials"),
    }
}

fn write_plots(
    dir: &Path,
    search: &Search,
    trials: &[StoredTrial],
    direction: Direction,
    imp: Option<&[(String, f64)]>,
) -> anyhow::Result<()> {
    let done: Vec<&StoredTrial> = trials
        .iter()
        .filter(|t| {
            t.trial.state == TrialState::Complete && t.trial.value.is_some_and(f64::is_finite)
        })
        .collect();
    // Optimization history: every complete trial's value and the best so far.
    let mut best_so_far = Vec::new();
    let mut b: Option<f64> = None;
    for t in &done {
        let v = t.trial.value.unwrap_or(f64::NAN);
        if b.is_none_or(|x| direction.better(v, x)) {
            b = Some(v);
        }
        best_so_far.push((t.trial.number as f64, b.unwrap_or(v)));
    }
    let history = Panel {
        title: "optimization history".into(),
        x_label: "trial".into(),
        y_label: "objective".into(),
        series: vec![
            Series {
                name: "trial".into(),
                points: done
                    .iter()
                    .map(|t| (t.trial.number as f64, t.trial.value.unwrap_or(f64::NAN)))
                    .collect(),
                color: "#1f77b4",
                dashed: false,
                markers: true,
            },
            Series {
                name: "best so far".into(),
                points: best_so_far,
                color: "#d62728",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![],
        vlines: vec![],
        log_x: false,
    };
    let path = dir.join("history.svg");
    write_atomic(&path, crate::plot::svg(&[history]).as_bytes())?;
    eprintln!("wrote {}", path.display());
    // Slices of the most important numerical parameters (up to three).
    let mut order: Vec<&str> = match imp {
        Some(v) => {
            let mut v = v.to_vec();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            v.into_iter()
                .map(|(k, _)| search.space.get(&k).map(|p| p.name.as_str()).unwrap_or(""))
                .collect()
        }
        None => search
            .space
            .params
            .iter()
            .map(|p| p.name.as_str())
            .collect(),
    };
    order.retain(|k| !k.is_empty());
    let panels: Vec<Panel> = order
        .iter()
        .filter_map(|k| search.space.get(k))
        .filter(|p| !p.dist.is_categorical())
        .take(3)
        .map(|p| {
            let log = matches!(
                p.dist,
                tuneup_core::tune::Dist::Float { log: true, .. }
                    | tuneup_core::tune::Dist::Int { log: true, .. }
            );
            Panel {
                title: format!("slice: {}", p.name),
                x_label: p.name.clone(),
                y_label: "objective".into(),
                series: vec![Series {
                    name: "trial".into(),
                    points: done
                        .iter()
                        .filter_map(|t| {
                            Some((t.trial.params.get(&p.name)?.as_f64()?, t.trial.value?))
                        })
                        .collect(),
                    color: "#1f77b4",
                    dashed: false,
                    markers: true,
                }],
                hlines: vec![],
                vlines: vec![],
                log_x: log,
            }
        })
        .collect();
    if !panels.is_empty() {
        let path = dir.join("slices.svg");
        write_atomic(&path, crate::plot::svg(&panels).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    let path = dir.join("parallel.svg");
    write_atomic(&path, parallel(search, &done, direction).as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Parallel coordinates: one vertical axis per parameter (internal coordinates scaled to the
/// domain) and one for the objective; one polyline per complete trial, darker = better.
fn parallel(search: &Search, done: &[&StoredTrial], direction: Direction) -> String {
    let params = &search.space.params;
    let axes = params.len() + 1;
    let (w, h, m) = (160.0 * axes as f64, 360.0, 40.0);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
"##
    );
    let x_of = |i: usize| m + (w - 2.0 * m) * i as f64 / (axes - 1).max(1) as f64;
    let vals: Vec<f64> = done.iter().filter_map(|t| t.trial.value).collect();
    let (vlo, vhi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let span = if vhi > vlo { vhi - vlo } else { 1.0 };
    let y_of = |u: f64| h - m - (h - 2.0 * m) * u.clamp(0.0, 1.0);
    for t in done {
        let v = t.trial.value.unwrap_or(vlo);
        let good = match direction {
            Direction::Maximize => (v - vlo) / span,
            Direction::Minimize => (vhi - v) / span,
        };
        let shade = (200.0 - 180.0 * good).round() as u8;
        let mut pts = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if let Some(x) = t
                .trial
                .params
                .get(&p.name)
                .and_then(|v| p.dist.to_internal(v))
            {
                let (lo, hi) = p.dist.bounds();
                let u = if hi > lo { (x - lo) / (hi - lo) } else { 0.5 };
                pts.push(format!("{:.1},{:.1}", x_of(i), y_of(u)));
            }
        }
        pts.push(format!(
            "{:.1},{:.1}",
            x_of(params.len()),
            y_of((v - vlo) / span)
        ));
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="rgb({shade},{shade},255)" stroke-width="1.2" opacity="0.8"/>"#,
            pts.join(" ")
        );
    }
    for i in 0..axes {
        let x = x_of(i);
        let label = if i < params.len() {
            params[i].name.clone()
        } else {
            "objective".into()
        };
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{m}" x2="{x:.1}" y2="{:.1}" stroke="black"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            h - m,
            m - 12.0,
            label.replace('&', "&amp;").replace('<', "&lt;")
        );
    }
    out.push_str("</svg>\n");
    out
}
