//! `tuneup improve EXP.toml|DATA` (the development cycle, automated) and `tuneup history
//! [CHAIN]` (its ledger).

use crate::cli::{HistoryArgs, ImproveArgs};
use crate::views::ledger;

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: ImproveArgs) -> anyhow::Result<()> {
    let opts = tuneup_lab::improve::Options {
        source: &a.source,
        budget: &a.budget,
        max_runs: a.max_runs,
        target_metric: a.target_metric,
        max_params: a.max_params,
        chain: a.chain.as_deref(),
        z: a.z,
        ensemble: a.ensemble,
        remedies: a.remedies.as_deref(),
        cv: &a.cv,
        data: a.data.lab(),
    };
    let checked = tuneup_lab::improve::check(&opts)?;
    let store = ctx.open()?;
    let ended = tuneup_lab::improve::run(lab(store.as_ref()), &opts, checked);
    crate::progress::finish_overall();
    let ended = ended?;
    if ended.already_finished {
        eprintln!(
            "== chain `{}` is finished ({}); give a larger --budget to go on",
            ended.chain, ended.stop_reason
        );
    }
    show(store.as_ref(), Some(&ended.chain), a.json)
}

pub fn history(ctx: &Ctx, a: HistoryArgs) -> anyhow::Result<()> {
    let store = ctx.open()?;
    show(store.as_ref(), a.chain.as_deref(), a.json)
}

fn show(store: &dyn tuneup_store::Storage, chain: Option<&str>, json: bool) -> anyhow::Result<()> {
    match tuneup_lab::improve::history(store, chain)? {
        None if json => println!("[]"),
        None => println!("no improve chains yet (start one with `tuneup improve EXP.toml`)"),
        Some((_, steps)) if json => println!("{}", serde_json::to_string(&steps)?),
        Some((name, steps)) => ledger::print(&name, &steps),
    }
    Ok(())
}
