//! The dashboard's front page: every run (filters by state, kind and text; pick runs to
//! compare), every improve chain, every study.

use std::fmt::Write as _;

use tuneup_store::{Run, RunKind};

use crate::html::{Page, duration, esc, link, name_of, num, url_part, utc};
use crate::{Pages, WebError};

pub fn page(p: &Pages) -> Result<Page, WebError> {
    let runs = p.store.runs()?;
    let chains = p.store.chains()?;
    let studies = p.store.studies()?;
    let mut body = format!(
        "<h1>{} runs · {} chains · {} studies</h1>\n",
        runs.len(),
        chains.len(),
        studies.len()
    );
    let named: Vec<(String, usize)> = chains.iter().rev().cloned().collect();
    let lists = format!(
        "<div class=\"charts\">{}{}</div>",
        list(
            p,
            "Improve chains",
            "chain",
            "steps",
            &named,
            "tuneup improve EXP.toml"
        ),
        list(
            p,
            "Studies",
            "study",
            "trials",
            &studies,
            "tuneup tune EXP.toml"
        )
    );
    body.push_str(&crate::html::section("Chains and studies", "lists", &lists));
    body.push_str(&crate::html::section(
        "Runs",
        "runs-section",
        &runs_table(p, &runs),
    ));
    Ok(Page {
        title: "tuneup dashboard".into(),
        body,
    })
}

/// A list of chains or studies: each a link to its page with its size.
fn list(
    p: &Pages,
    title: &str,
    page: &str,
    unit: &str,
    items: &[(String, usize)],
    how: &str,
) -> String {
    let mut out = format!("<div><h2>{title}</h2><ul>");
    for (name, n) in items {
        let _ = write!(
            out,
            "<li>{} ({n} {unit})</li>",
            link(p.mode, &format!("/{page}/{}", url_part(name)), name)
        );
    }
    if items.is_empty() {
        let _ = write!(out, "<li class=\"sub\">none ({how})</li>");
    }
    out.push_str("</ul></div>");
    out
}

fn runs_table(p: &Pages, runs: &[Run]) -> String {
    let mut out = String::from(
        "<div class=\"filters\"><label>state <select id=\"f-run-state\" data-filter-for=\"runs\" data-key=\"state\"><option value=\"\">any</option><option>running</option><option>complete</option><option>failed</option></select></label><label>kind <select id=\"f-run-kind\" data-filter-for=\"runs\" data-key=\"kind\"><option value=\"\">any</option>",
    );
    for k in RunKind::ALL {
        let _ = write!(out, "<option>{}</option>", k.as_str());
    }
    out.push_str("</select></label><label>search <input id=\"f-run-text\" data-filter-for=\"runs\" data-key=\"text\" size=\"18\"></label><span class=\"sub\" data-count-for=\"runs\"></span><button id=\"compare\">compare selected</button><span id=\"compare-note\" class=\"sub\"></span></div>\n");
    out.push_str("<table id=\"runs\" data-filterable=\"1\"><thead><tr><th></th><th>run</th><th>name</th><th>kind</th><th>state</th><th>model</th><th>metric</th><th>validation</th><th>test</th><th>params</th><th>time</th><th>started (UTC)</th></tr></thead><tbody>\n");
    for r in runs.iter().rev() {
        let state = name_of(&r.state);
        let _ = writeln!(
            out,
            "<tr data-state=\"{state}\" data-kind=\"{}\" data-run=\"{}\"><td><input type=\"checkbox\" class=\"pick\" id=\"pick-{}\" value=\"{}\"></td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {state}\">{state}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.kind.as_str(),
            r.id,
            r.id,
            r.id,
            link(p.mode, &format!("/run/{}", r.id), &r.id.to_string()),
            esc(r.name.as_deref().unwrap_or("")),
            r.kind.as_str(),
            esc(&r.model),
            esc(&r.metric_name),
            num(r.val.map(|s| s.metric), 4),
            num(r.test.map(|s| s.metric), 4),
            r.params.map(|n| n.to_string()).unwrap_or("—".into()),
            duration(r.seconds),
            utc(r.created_at)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}
