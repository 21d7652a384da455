//! `tuneup tune EXP.toml [--trials N] [--timeout D] [--study NAME] [--workers N]`: a
//! hyperparameter study over the experiment's `[search]`, recorded in the store beside the runs.
//! Resumable: rerunning the command continues the study. With `--workers N`, N processes of
//! this command share the study.

use std::process::Command;

use anyhow::Context;
use tuneup_core::InputError;
use tuneup_lab::study::setup::{self, Options};

use crate::cli::TuneArgs;
use crate::views::study::summary;

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: TuneArgs) -> anyhow::Result<()> {
    if a.workers == 0 {
        return Err(InputError::new("--workers: expected at least 1").into());
    }
    let opts = Options {
        experiment: &a.experiment,
        trials: a.trials,
        timeout: a.timeout.as_deref(),
        study: a.study.as_deref(),
    };
    let checked = setup::check(&opts)?;
    let (name, trials) = (checked.name().to_string(), checked.trials());
    let store = ctx.open()?;
    let lab = lab(store.as_ref());
    let ready = setup::open(lab, checked)?;
    let failed = if a.workers > 1 {
        spawn_workers(ctx, &a, &name, trials)?
    } else {
        setup::run(lab, &ready)?;
        0
    };
    let trials = store.trials(ready.study.id)?;
    summary(&ready.study, &trials, ready.direction, a.json);
    if failed > 0 {
        anyhow::bail!("{failed} of {} workers failed", a.workers);
    }
    Ok(())
}

/// `--workers N`: N processes of this command on the same store and study, waited for; returns
/// how many failed.
fn spawn_workers(ctx: &Ctx, a: &TuneArgs, name: &str, trials: usize) -> anyhow::Result<usize> {
    let exe = std::env::current_exe().context("finding this executable")?;
    let mut children = Vec::new();
    for w in 0..a.workers {
        let mut cmd = Command::new(&exe);
        cmd.arg("--store").arg(&ctx.store);
        if let Some(a) = &ctx.artifacts {
            cmd.arg("--artifacts").arg(a);
        }
        cmd.arg("tune")
            .arg(&a.experiment)
            .arg("--study")
            .arg(name)
            .arg("--trials")
            .arg(trials.to_string());
        if let Some(t) = &a.timeout {
            cmd.arg("--timeout").arg(t);
        }
        children.push((w, cmd.spawn().context("starting a worker")?));
    }
    let mut failed = 0;
    for (w, mut c) in children {
        let status = c.wait()?;
        if !status.success() {
            eprintln!("worker {w} exited with {status}");
            failed += 1;
        }
    }
    Ok(failed)
}
