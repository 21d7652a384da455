//! `tuneup report`: one self-contained file per run, chain and study that renders in a browser
//! from file:// with no errors, draws its charts, filters its trials, and is the same file
//! when written twice.

use std::time::Duration;

use crate::chrome::{Browser, find};
use crate::fixture::{get, ok, shot_path, tuneup};

#[test]
fn reports_are_self_contained_deterministic_and_render_in_a_browser() {
    let f = get();
    let d = &f.dir;
    ok(&tuneup(d, &["report", "1", "-o", "run.html"]));
    ok(&tuneup(
        d,
        &["report", "--chain", &f.chain, "-o", "chain.html"],
    ));
    ok(&tuneup(d, &["report", "--study", "s", "-o", "study.html"]));
    // Deterministic: written again, the same bytes.
    ok(&tuneup(d, &["report", "1", "-o", "run2.html"]));
    ok(&tuneup(d, &["report", "--study", "s", "-o", "study2.html"]));
    let read = |n: &str| std::fs::read_to_string(d.join(n)).unwrap();
    assert_eq!(read("run.html"), read("run2.html"));
    assert_eq!(read("study.html"), read("study2.html"));
    // Self-contained: nothing is fetched (no external script, style, image or font).
    for n in ["run.html", "chain.html", "study.html"] {
        let html = read(n);
        for bad in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "@import",
            "url(http",
        ] {
            assert!(!html.contains(bad), "{n} refers to {bad}");
        }
    }
    // Unknown things are bad input, exit 2, saying what is missing.
    let o = tuneup(d, &["report", "999", "-o", "x.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no run 999"));
    let o = tuneup(d, &["report", "--study", "nope", "-o", "x.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("x.html").exists(), "a failed report leaves no file");

    let Some(chrome) = find() else { return };
    let b = Browser::launch(&chrome);
    let tab = b.tab(1280, 1000);
    let url = |n: &str| format!("file://{}", d.join(n).display());

    // The run: curves, the diagnosis card, a 10 x 10 confusion matrix, wrong samples drawn.
    tab.open(&url("run.html"));
    assert!(
        tab.count("svg.chart polyline") >= 4,
        "learning curves drawn"
    );
    assert_eq!(tab.count("#confusion rect.cell"), 100);
    assert!(
        tab.count("#wrong .sample img") >= 1,
        "misclassified digits drawn"
    );
    assert_eq!(tab.count("#diagnosis .verdict"), 1);
    let img_ok = tab.eval(
        "Array.from(document.querySelectorAll('#wrong img')).every(i => i.complete && i.naturalWidth === 8)",
    );
    assert_eq!(img_ok, serde_json::json!(true), "the 8x8 images decode");
    tab.screenshot(&shot_path(f, "report-run.png"));

    // The chain: a timeline entry per ledger step, the metric over the chain.
    tab.open(&url("chain.html"));
    assert_eq!(tab.count(".timeline > li"), f.steps);
    assert!(tab.count("#progress svg.chart circle") >= 2);
    tab.screenshot(&shot_path(f, "report-chain.png"));

    // The study: charts, a row per trial, filters by state and best.
    tab.open(&url("study.html"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&tuneup(d, &["study", "s", "--json"]))).unwrap();
    let trials = json["trials"].as_array().unwrap();
    let complete = trials.iter().filter(|t| t["state"] == "complete").count();
    assert_eq!(tab.count("#trials tbody tr"), trials.len());
    assert!(tab.count("#history svg.chart circle") >= complete);
    assert!(tab.count("#parameters svg.chart polyline") >= complete);
    let visible = "document.querySelectorAll('#trials tbody tr:not(.hidden)').length";
    tab.eval("(() => { const s = document.getElementById('f-trial-state'); s.value = 'complete'; s.dispatchEvent(new Event('change', {bubbles: true})); return 1; })()");
    assert_eq!(tab.eval(visible).as_u64().unwrap() as usize, complete);
    tab.eval("(() => { const s = document.getElementById('f-trial-state'); s.value = ''; s.dispatchEvent(new Event('change', {bubbles: true})); const c = document.getElementById('f-trial-best'); c.click(); return 1; })()");
    assert_eq!(tab.eval(visible).as_u64(), Some(1), "best only: one row");
    tab.screenshot(&shot_path(f, "report-study.png"));
    std::thread::sleep(Duration::from_millis(100));
    let errors = tab.errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
