//! tuneup's pictures: SVG charts drawn on the server, the pages of a run, an improve chain and
//! a study (and in the dashboard: the store's index and a run diff), one self-contained HTML
//! report of any of them, and the live dashboard server. Reads through the storage trait and
//! the lab library only.

pub mod analysis;
mod chain_page;
pub mod chart;
mod diff_page;
pub mod html;
mod index_page;
mod pages;
mod run_page;
pub mod server;
mod study_page;

pub use pages::{AnalysisCache, Pages, Target, WebError, report};
