//! `tuneup curve EXP.toml --sizes ...`: a learning curve over training-set size.

use serde_json::json;

use crate::cli::CurveArgs;
use crate::output::write_atomic;
use crate::views::curve::{curve_svg, print_curve};

use super::{Ctx, lab};

pub fn run(ctx: &Ctx, a: CurveArgs) -> anyhow::Result<()> {
    let sizes = tuneup_lab::curve::parse_sizes(&a.sizes)?;
    let checked = tuneup_lab::curve::check(&a.experiment, &sizes, a.seeds)?;
    let store = ctx.open()?;
    let (id, task, curve) = tuneup_lab::curve::run(lab(store.as_ref()), checked)?;
    if let Some(p) = &a.plot {
        write_atomic(p, curve_svg(id, task, &curve).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if a.json {
        println!("{}", json!({"run_id": id, "curve": curve}));
    } else {
        print_curve(id, &curve);
    }
    Ok(())
}
