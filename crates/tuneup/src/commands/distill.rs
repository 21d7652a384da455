//! `tuneup distill --teacher RUN [--teacher RUN ...] EXP.toml`: train the experiment's model
//! (the student) on the teachers' softened predictions as well as the labels.

use crate::cli::DistillArgs;
use crate::views::trained::report;

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: DistillArgs) -> anyhow::Result<()> {
    let checked = tuneup_lab::distill::check(&a.experiment, &a.teachers, a.alpha, a.temperature)?;
    ctx.must_exist("train the teachers first")?;
    let store = ctx.open()?;
    let t = tuneup_lab::distill::run(lab(store.as_ref()), &checked)?;
    report(store.as_ref(), &checked.exp, t, a.json)
}
