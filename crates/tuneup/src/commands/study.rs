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
use crate::views::study::print_best;
use tuneup_web::chart::study as chart;

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
    let mut files = vec![
        ("history.svg", Some(chart::history(trials, direction))),
        ("slices.svg", chart::slices(search, trials, imp)),
        (
            "parallel.svg",
            Some(chart::parallel(search, trials, direction)),
        ),
    ];
    if trials.iter().any(|t| !t.trial.intermediate.is_empty()) {
        files.push(("intermediate.svg", Some(chart::intermediate(trials, 200))));
    }
    for (name, svg) in files {
        if let Some(svg) = svg {
            let path = dir.join(name);
            write_atomic(&path, svg.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
