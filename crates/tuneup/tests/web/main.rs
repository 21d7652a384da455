//! The pictures in a real browser: reports of a run, a chain and a study opened from files,
//! and the dashboard serving the same views live, in headless Chromium (tests/web/chrome.rs).
//! One store is built once for every test of this binary (fixture.rs).

mod chrome;
mod dashboard;
mod fixture;
mod report;
