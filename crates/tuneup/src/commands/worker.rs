//! `tuneup worker [--chain C] [--idle-exit 10m]`: join the studies other processes own and
//! train their trials.

use crate::cli::WorkerArgs;

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: WorkerArgs) -> anyhow::Result<()> {
    let idle_exit = match &a.idle_exit {
        Some(t) => Some(tuneup_core::duration::parse_flag("--idle-exit", t)?),
        None => None,
    };
    let store = ctx.open()?;
    let served = tuneup_lab::serve::serve(
        lab(store.as_ref()),
        &tuneup_lab::serve::Options {
            chain: a.chain.as_deref(),
            idle_exit,
            poll: a.poll,
        },
    )?;
    if served.studies.is_empty() {
        println!("worker: no open study to join");
    } else {
        println!("worker: took trials of {}", served.studies.join(", "));
    }
    Ok(())
}
