//! Charts drawn on the server as SVG (no chart library, nothing fetched by the browser): the
//! same drawings serve the HTML report, the dashboard and the `--plot` files of the CLI.

mod curves;
pub mod line;
mod matrix;
pub mod study;

pub use curves::learning_curves_svg;
pub use line::{Mark, Panel, Series, svg};
pub use matrix::confusion;

/// Colours of overlaid series, in order.
pub const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
