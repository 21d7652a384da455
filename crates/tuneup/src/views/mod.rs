//! What several commands print: a trained run's summary, an improve chain's ledger, a study's
//! state, a learning curve.

pub mod curve;
pub mod ledger;
pub mod study;
pub mod trained;
