//! Which page to draw, the errors a page can end in, and the self-contained report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tuneup_store::{RunState, Storage, StoreError};

use crate::analysis::{self, Analysis};
use crate::html::{self, Mode, Page};

/// What a report or page is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Run(i64),
    Chain(String),
    Study(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such run, chain or study (the dashboard answers 404).
    #[error("{0}")]
    NotFound(String),
    /// A malformed request (the dashboard answers 400).
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        WebError::Other(e.into())
    }
}

/// Analyses of finished runs (they never change), shared by the dashboard's threads: a run's
/// model is run on its validation rows once.
#[derive(Default)]
pub struct AnalysisCache(Mutex<HashMap<i64, Arc<Result<Analysis, String>>>>);

/// Draws pages from one store.
pub struct Pages<'a> {
    pub store: &'a dyn Storage,
    pub mode: Mode,
    pub cache: Option<&'a AnalysisCache>,
}

impl Pages<'_> {
    pub fn page(&self, target: &Target) -> Result<Page, WebError> {
        match target {
            Target::Run(id) => crate::run_page::page(self, *id),
            Target::Chain(c) => crate::chain_page::page(self, c),
            Target::Study(s) => crate::study_page::page(self, s),
        }
    }

    /// A run, or 404.
    pub fn run(&self, id: i64) -> Result<tuneup_store::Run, WebError> {
        match self.store.run(id) {
            Ok(r) => Ok(r),
            Err(StoreError::NoSuchRun(_)) => {
                Err(WebError::NotFound(format!("no run {id} in this store")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What the run's model does on its validation rows (cached for finished runs).
    pub fn analysis(&self, run: &tuneup_store::Run) -> Arc<Result<Analysis, String>> {
        let compute = || Arc::new(analysis::analyze(self.store, run).map_err(|e| format!("{e:#}")));
        let Some(cache) = self.cache.filter(|_| run.state == RunState::Complete) else {
            return compute();
        };
        if let Some(a) = cache
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&run.id)
        {
            return a.clone();
        }
        let a = compute();
        cache
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(run.id, a.clone());
        a
    }
}

/// One self-contained HTML file for `target`: styles, script, charts and images inlined;
/// nothing in it depends on when it was written, so two reports of the same records are equal.
pub fn report(store: &dyn Storage, target: &Target) -> Result<String, WebError> {
    let pages = Pages {
        store,
        mode: Mode::Report,
        cache: None,
    };
    let page = pages.page(target)?;
    Ok(html::document(Mode::Report, &page, &store.location()))
}

/// Whose epochs show a run's curves: its own, or a cross-validation run's first fold's.
pub fn curves_of(run: &tuneup_store::Run) -> i64 {
    run.fold_runs()
        .and_then(|f| f.first().copied())
        .unwrap_or(run.id)
}
