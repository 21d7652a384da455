//! Charts drawn on the server as SVG (no chart library, nothing fetched by the browser): the
//! same drawings serve the HTML report, the dashboard and the `--plot` files of the CLI.

mod curves;
pub mod line;
mod matrix;
pub mod study;

pub use curves::learning_curves_svg;
pub use line::{Mark, Panel, Series, svg};
pub use matrix::confusion;
