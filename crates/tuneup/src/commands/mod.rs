mod augment;
mod curve;
mod cv;
mod diagnose;
mod distill;
mod ensemble;
mod improve;
mod init;
mod predict;
mod runs;
mod schedule;
mod score;
mod study;
mod train;
mod tune;
mod zoo;
mod zoo_bench;

use std::path::Path;

use anyhow::Context;
use tuneup_store::Store;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init {
            data,
            target,
            output,
            force,
        } => init::run(&data, target.as_deref(), output.as_deref(), force),
        Command::Train { experiment, json } => train::run(&experiment, &cli.store, json),
        Command::Resume { run, epochs, json } => {
            train::resume(&open_existing(&cli.store)?, run, epochs, json)
        }
        Command::Runs { json } => runs::list(&open_existing(&cli.store)?, json),
        Command::Show { run, json } => runs::show(&open_existing(&cli.store)?, run, json),
        Command::Predict {
            run,
            data,
            output,
            proba,
        } => predict::predict(&open_existing(&cli.store)?, run, &data, &output, proba),
        Command::Diagnose {
            run,
            target_error,
            plot,
            thresholds,
            min_gap,
            min_gap_relative,
            z,
            json,
        } => {
            let opts = diagnose::Options::from_flags(
                target_error,
                thresholds.as_deref(),
                min_gap,
                min_gap_relative,
                z,
            )?;
            diagnose::run(
                &open_existing(&cli.store)?,
                run,
                &opts,
                json,
                plot.as_deref(),
            )
        }
        Command::Score {
            metrics,
            truth,
            pred,
            pos_label,
            list,
            json,
        } => match (list, truth, pred) {
            (true, _, _) => score::list(json),
            (false, Some(t), Some(p)) => score::run(&metrics, &t, &p, pos_label.as_deref(), json),
            _ => Err(tuneup_core::InputError::new("give --truth and --pred (or --list)").into()),
        },
        Command::Schedule {
            experiment,
            output,
            json,
        } => schedule::schedule(&experiment, output.as_deref(), json),
        Command::LrFind {
            experiment,
            output,
            start,
            end,
            iters,
            json,
        } => schedule::lr_find(&experiment, output.as_deref(), start, end, iters, json),
        Command::Curve {
            experiment,
            sizes,
            seeds,
            plot,
            json,
        } => {
            let sizes = curve::parse_sizes(&sizes)?;
            curve::run(
                &experiment,
                &cli.store,
                &sizes,
                seeds,
                json,
                plot.as_deref(),
            )
        }
        Command::AugmentPreview {
            experiment,
            output,
            samples,
            draws,
            json,
        } => augment::run(&experiment, &output, samples, draws, json),
        Command::Cv {
            experiment,
            folds,
            repeats,
            json,
        } => cv::run(&experiment, &cli.store, folds, repeats, json),
        Command::Ensemble {
            runs,
            method,
            snapshots,
            name,
            output,
            json,
        } => ensemble::run(
            &open_existing(&cli.store)?,
            &runs,
            &method,
            snapshots,
            name.as_deref(),
            output.as_deref(),
            json,
        ),
        Command::Improve {
            source,
            budget,
            max_runs,
            target_metric,
            max_params,
            chain,
            z,
            ensemble,
            remedies,
            cv,
            json,
        } => improve::run(improve::Args {
            source: &source,
            store: &cli.store,
            budget: &budget,
            max_runs,
            target_metric,
            max_params,
            chain: chain.as_deref(),
            z,
            ensemble,
            remedies: remedies.as_deref(),
            cv: &cv,
            json,
        }),
        Command::History { chain, json } => {
            let store = Store::open(&cli.store).context("opening the run store")?;
            improve::history(&store, chain.as_deref(), json)
        }
        Command::Tune {
            experiment,
            trials,
            timeout,
            study,
            workers,
            json,
        } => tune::run(tune::Args {
            experiment: &experiment,
            store: &cli.store,
            trials,
            timeout: timeout.as_deref(),
            study: study.as_deref(),
            workers,
            json,
        }),
        Command::Study {
            name,
            export,
            plots,
            json,
        } => {
            let store = Store::open(&cli.store).context("opening the run store")?;
            match name {
                None => study::list(&store, json),
                Some(n) => study::show(&store, &n, json, export.as_deref(), plots.as_deref()),
            }
        }
        Command::Distill {
            experiment,
            teachers,
            alpha,
            temperature,
            json,
        } => distill::run(&experiment, &cli.store, &teachers, alpha, temperature, json),
        Command::Zoo {
            action: None,
            input,
            classes,
            json,
        } => zoo::list(&input, classes, json),
        Command::Zoo {
            action:
                Some(crate::cli::ZooAction::Bench {
                    data,
                    budget,
                    output,
                    models,
                    json,
                }),
            ..
        } => zoo_bench::run(
            &data,
            &cli.store,
            &budget,
            output.as_deref(),
            models.as_deref(),
            json,
        ),
        Command::Eval { run, data, json } => {
            predict::eval(&open_existing(&cli.store)?, run, &data, json)
        }
    }
}

/// Opens a store that must already exist (reading commands never create one).
fn open_existing(path: &Path) -> anyhow::Result<Store> {
    if !path.exists() {
        return Err(tuneup_core::InputError::in_file(
            path,
            "no run store here yet: train a run first, or point --store at one",
        )
        .into());
    }
    Store::open(path).context("opening the run store")
}
