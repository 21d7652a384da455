//! `tuneup train EXP.toml` and `tuneup resume RUN --epochs N`.

use crate::cli::{ResumeArgs, TrainArgs};
use crate::views::trained::report;

use super::{Ctx, lab};

pub fn train(ctx: &Ctx, a: TrainArgs) -> anyhow::Result<()> {
    // Everything that can be wrong with the input is checked before the store is opened.
    let checked = tuneup_lab::record::check_file(&a.experiment)?;
    let store = ctx.open()?;
    let trained = tuneup_lab::record::train_checked(lab(store.as_ref()), &checked)?;
    report(store.as_ref(), &checked.exp, trained, a.json)
}

pub fn resume(ctx: &Ctx, a: ResumeArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let (exp, trained) = tuneup_lab::record::resume(lab(store.as_ref()), a.run, a.epochs)?;
    report(store.as_ref(), &exp, trained, a.json)
}
