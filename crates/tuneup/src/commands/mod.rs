//! One file per command: its flags in, one call into the lab (or the core), its result out. No
//! command imports another; what several print is in `crate::views`.

mod augment;
mod augment_text;
mod curve;
mod cv;
mod dashboard;
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
mod worker;
mod zoo;

use std::path::PathBuf;

use anyhow::Context;
use tuneup_lab::Lab;
use tuneup_store::Storage;

use crate::cli::{Cli, Command};
use crate::progress::Stderr;

/// Where the store is, and how to open it.
pub struct Ctx {
    store: String,
    artifacts: Option<PathBuf>,
}

impl Ctx {
    /// Opens the store, creating it when it does not exist.
    fn open(&self) -> anyhow::Result<Box<dyn Storage>> {
        tuneup_store::open_with(&self.store, self.artifacts.as_deref())
            .context("opening the run store")
    }

    /// An error when the store is a file that does not exist yet (reading commands never
    /// create one); `what` says what to do first.
    fn must_exist(&self, what: &str) -> anyhow::Result<()> {
        if !tuneup_store::is_server(&self.store) && !std::path::Path::new(&self.store).exists() {
            return Err(tuneup_core::InputError::in_file(
                std::path::Path::new(&self.store),
                format!("no run store here yet: {what}"),
            )
            .into());
        }
        Ok(())
    }

    /// Opens a store that must already exist.
    fn open_existing(&self) -> anyhow::Result<Box<dyn Storage>> {
        self.must_exist("train a run first, or point --store at one")?;
        self.open()
    }
}

/// The lab over a store, reporting on stderr.
fn lab(store: &dyn Storage) -> Lab<'_> {
    Lab::new(store, &Stderr)
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Ctx {
        store: cli.store,
        artifacts: cli.artifacts,
    };
    // Commands that train stop politely on Ctrl-C / SIGTERM: the batch in progress finishes,
    // what was running is recorded as interrupted, and the command says how to go on.
    let trains = matches!(
        cli.command,
        Command::Train(_)
            | Command::Resume(_)
            | Command::Cv(_)
            | Command::Distill(_)
            | Command::Improve(_)
            | Command::Tune(_)
            | Command::Worker(_)
            | Command::Curve(_)
            | Command::Zoo(_)
    );
    if trains {
        crate::signals::install();
    }
    let result = dispatch(&ctx, cli.command);
    let Some(by) = tuneup_core::stop::by() else {
        return result;
    };
    let why = format!("interrupted by {by}");
    if let Ok(store) = ctx.open() {
        let _ = tuneup_lab::worker::interrupt_mine(store.as_ref(), &why);
    }
    Err(tuneup_core::stop::Interrupted { by }.into())
}

fn dispatch(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let ctx = ctx;
    match command {
        Command::Init(a) => init::run(a),
        Command::Train(a) => train::train(&ctx, a),
        Command::Resume(a) => train::resume(&ctx, a),
        Command::Runs(a) => runs::list(&ctx, a),
        Command::Show(a) => runs::show(&ctx, a),
        Command::Predict(a) => predict::predict(&ctx, a),
        Command::Eval(a) => predict::eval(&ctx, a),
        Command::Diagnose(a) => diagnose::run(&ctx, a),
        Command::Score(a) => score::run(a),
        Command::Schedule(a) => schedule::schedule(a),
        Command::LrFind(a) => schedule::lr_find(a),
        Command::Curve(a) => curve::run(&ctx, a),
        Command::AugmentPreview(a) => augment::run(a),
        Command::Cv(a) => cv::run(&ctx, a),
        Command::Ensemble(a) => ensemble::run(&ctx, a),
        Command::Improve(a) => improve::run(&ctx, a),
        Command::History(a) => improve::history(&ctx, a),
        Command::Tune(a) => tune::run(&ctx, a),
        Command::Study(a) => study::run(&ctx, a),
        Command::Worker(a) => worker::run(&ctx, a),
        Command::Distill(a) => distill::run(&ctx, a),
        Command::Zoo(a) => zoo::run(&ctx, a),
        Command::Report(a) => dashboard::report(&ctx, a),
        Command::Dashboard(a) => dashboard::serve(&ctx, a),
    }
}
