//! `tuneup report` (one self-contained HTML file) and `tuneup dashboard` (the live server).

use std::net::SocketAddr;
use std::time::Instant;

use tuneup_core::InputError;
use tuneup_web::server::{Dashboard, Options};
use tuneup_web::{Target, WebError};

use crate::cli::{DashboardArgs, ReportArgs};
use crate::output::write_atomic;

use super::Ctx;

pub fn report(ctx: &Ctx, a: ReportArgs) -> anyhow::Result<()> {
    ctx.must_exist("train a run first, or point --store at one")?;
    let store = tuneup_store::open_read_only(&ctx.store, ctx.artifacts.as_deref())?;
    let target = match (a.run, a.chain, a.study) {
        (Some(id), _, _) => Target::Run(id),
        (_, Some(c), _) => Target::Chain(c),
        (_, _, Some(s)) => Target::Study(s),
        _ => return Err(InputError::new("give a run id, --chain NAME or --study NAME").into()),
    };
    let t = Instant::now();
    let html = tuneup_web::report(store.as_ref(), &target).map_err(|e| match e {
        WebError::NotFound(m) | WebError::BadRequest(m) => InputError::new(m).into(),
        WebError::Other(e) => e,
    })?;
    write_atomic(&a.output, html.as_bytes())?;
    eprintln!(
        "wrote {} ({:.1} KiB in {:.2} s)",
        a.output.display(),
        html.len() as f64 / 1024.0,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn serve(ctx: &Ctx, a: DashboardArgs) -> anyhow::Result<()> {
    ctx.must_exist("train a run first, or point --store at one")?;
    if !a.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this address sees every run in the store (there is no login)",
            a.host
        );
    }
    let d = Dashboard::bind(Options {
        store: ctx.store.clone(),
        artifacts: ctx.artifacts.clone(),
        addr: SocketAddr::new(a.host, a.port),
    })?;
    match d.addr() {
        Some(addr) => println!("dashboard: http://{addr}/"),
        None => println!("dashboard: listening"),
    }
    d.serve()
}
