//! The page frame shared by the report and the dashboard: escaping, the inline style sheet and
//! script (filters, run picking for the diff, live refresh), and small building blocks.

use std::fmt::Write as _;

/// Where a page is shown: a standalone file (no links to other pages, no live updates) or the
/// dashboard (links between pages, refreshed when the store changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Report,
    Dashboard,
}

/// A rendered page: its title and the contents of `<main>`.
pub struct Page {
    pub title: String,
    pub body: String,
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment (chain and study names may hold anything).
pub fn url_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A link in the dashboard; plain text in a report (it has no other pages).
pub fn link(mode: Mode, href: &str, text: &str) -> String {
    match mode {
        Mode::Dashboard => format!(r#"<a href="{}">{}</a>"#, esc(href), esc(text)),
        Mode::Report => esc(text),
    }
}

pub fn run_link(mode: Mode, id: i64) -> String {
    link(mode, &format!("/run/{id}"), &format!("run {id}"))
}

/// A number for a table cell: `—` when missing.
pub fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        Some(v) => format!("{v}"),
        None => "—".into(),
    }
}

/// Seconds as `1h 02m`, `3m 05s`, `12.3s`.
pub fn duration(s: Option<f64>) -> String {
    let Some(s) = s.filter(|s| s.is_finite()) else {
        return "—".into();
    };
    if s >= 3600.0 {
        format!(
            "{}h {:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    } else if s >= 60.0 {
        format!("{}m {:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn utc(t: f64) -> String {
    let secs = t.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = tuneup_core::table::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A serde enum's name (`"complete"`, `"high_bias"` ...).
pub fn name_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// A `<section>` with a heading.
pub fn section(title: &str, id: &str, inner: &str) -> String {
    format!(
        "<section id=\"{}\"><h2>{}</h2>\n{inner}</section>\n",
        esc(id),
        esc(title)
    )
}

/// A table from a header and rows of already-escaped cells.
pub fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// A preformatted block (an experiment file).
pub fn pre(text: &str) -> String {
    format!("<pre>{}</pre>\n", esc(text))
}

const STYLE: &str = r#"
:root { --ink:#1d2430; --muted:#5b6575; --line:#dfe3ea; --bg:#f6f7f9; --accent:#1f63b4;
  --good:#1c7c3c; --bad:#b42318; --warn:#a15c00; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink); background:var(--bg); }
header { background:#1d2430; color:white; padding:10px 24px; display:flex; gap:24px; align-items:baseline; }
header a { color:white; text-decoration:none; font-weight:600; }
header .live { margin-left:auto; font-size:12px; color:#9fe0b0; }
main { padding:16px 24px 48px; max-width:1400px; }
h1 { font-size:22px; margin:8px 0 4px; }
h2 { font-size:16px; margin:0 0 10px; }
section { background:white; border:1px solid var(--line); border-radius:6px; padding:14px 16px; margin:14px 0; overflow-x:auto; }
.sub { color:var(--muted); margin:0 0 8px; }
table { border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:left; vertical-align:top; }
th { background:#eef1f5; font-weight:600; position:sticky; top:0; }
tr.hidden { display:none; }
svg.chart { max-width:100%; height:auto; margin:4px 8px 4px 0; }
.charts { display:flex; flex-wrap:wrap; gap:8px; }
pre { background:#f3f5f8; padding:10px; border-radius:4px; overflow-x:auto; font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#e8ecf2; }
.badge.kept,.badge.complete,.badge.done,.badge.good { background:#dcf3e3; color:var(--good); }
.badge.rejected,.badge.pruned { background:#eceff3; color:var(--muted); }
.badge.failed,.badge.interrupted { background:#fde4e1; color:var(--bad); }
.badge.running { background:#fff1d6; color:var(--warn); }
.verdict { font-size:18px; font-weight:700; margin:2px 0 8px; }
.timeline { list-style:none; padding:0; margin:0; border-left:3px solid var(--line); }
.timeline li { margin:0 0 12px 0; padding:4px 0 4px 14px; position:relative; }
.timeline li::before { content:""; position:absolute; left:-8px; top:10px; width:12px; height:12px; border-radius:6px; background:#9aa5b5; }
.timeline li.kept::before,.timeline li.done::before { background:var(--good); }
.timeline li.failed::before,.timeline li.interrupted::before { background:var(--bad); }
.timeline li.running::before { background:var(--warn); }
.filters { display:flex; gap:12px; align-items:center; margin:0 0 8px; flex-wrap:wrap; }
.samples { display:flex; flex-wrap:wrap; gap:10px; }
.sample { border:1px solid var(--line); border-radius:4px; padding:6px; font-size:12px; max-width:260px; }
.sample img { image-rendering:pixelated; width:84px; height:84px; display:block; }
.diff td.changed { background:#fff6dc; }
#diagnosis td:nth-child(3) { min-width:300px; }
#diagnosis td:nth-child(4) { max-width:560px; word-break:break-word; }
"#;

/// The page's script: table filters (state restored across live refreshes), picking runs to
/// compare, and in the dashboard the live refresh on each server-sent event.
const SCRIPT: &str = r#"
(function () {
  function apply() {
    document.querySelectorAll('table[data-filterable]').forEach(function (t) {
      var controls = document.querySelectorAll('[data-filter-for="' + t.id + '"]');
      var shown = 0;
      t.querySelectorAll('tbody tr').forEach(function (r) {
        var ok = true;
        controls.forEach(function (c) {
          var key = c.dataset.key;
          if (c.type === 'checkbox') { if (c.checked && r.dataset[key] !== '1') ok = false; }
          else if (c.tagName === 'SELECT') { if (c.value && r.dataset[key] !== c.value) ok = false; }
          else if (c.value && r.textContent.toLowerCase().indexOf(c.value.toLowerCase()) < 0) ok = false;
        });
        r.classList.toggle('hidden', !ok);
        if (ok) shown++;
      });
      var n = document.querySelector('[data-count-for="' + t.id + '"]');
      if (n) n.textContent = shown + ' shown';
    });
  }
  function save() {
    var s = {};
    document.querySelectorAll('[data-filter-for], input.pick').forEach(function (c) {
      if (c.id) s[c.id] = c.type === 'checkbox' ? c.checked : c.value;
    });
    return s;
  }
  function restore(s) {
    Object.keys(s).forEach(function (id) {
      var c = document.getElementById(id);
      if (!c) return;
      if (c.type === 'checkbox') c.checked = s[id]; else c.value = s[id];
    });
  }
  document.addEventListener('input', function (e) { if (e.target.dataset.filterFor) apply(); });
  document.addEventListener('change', function (e) { if (e.target.dataset.filterFor) apply(); });
  document.addEventListener('click', function (e) {
    if (e.target.id !== 'compare') return;
    var ids = Array.prototype.map.call(document.querySelectorAll('input.pick:checked'), function (c) { return c.value; });
    if (ids.length < 2) { document.getElementById('compare-note').textContent = 'pick two or more runs'; return; }
    window.location.href = '/diff?runs=' + ids.join(',');
  });
  apply();
  if (document.body.dataset.live !== '1' || !window.EventSource) return;
  var busy = false, again = false, updates = 0;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var url = window.location.pathname + window.location.search + (window.location.search ? '&' : '?') + 'fragment=1';
    fetch(url).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (html !== null) {
        var s = save();
        document.getElementById('main').innerHTML = html;
        restore(s);
        apply();
        updates++;
        document.body.dataset.updates = String(updates);
      }
    }).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }
  var es = new EventSource('/events');
  var badge = document.getElementById('live');
  es.onopen = function () { if (badge) badge.textContent = '● live'; };
  es.onerror = function () { if (badge) badge.textContent = '○ reconnecting'; };
  es.onmessage = refresh;
})();
"#;

/// The tab's icon, inline (so the browser asks the server for no /favicon.ico).
const ICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 14 L6 8 L9 11 L15 3' fill='none' stroke='%231f63b4' stroke-width='2.5'/%3E%3C/svg%3E";

/// The whole document around a page's contents.
pub fn document(mode: Mode, page: &Page, store: &str) -> String {
    let (nav, live) = match mode {
        Mode::Dashboard => (
            format!(
                r#"<a href="/">tuneup dashboard</a><span>{}</span><span class="live" id="live">○ connecting</span>"#,
                esc(store)
            ),
            "1",
        ),
        Mode::Report => ("<span>tuneup report</span>".to_string(), "0"),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"icon\" href=\"{ICON}\"><style>{STYLE}</style></head>\n\
         <body data-live=\"{live}\"><header>{nav}</header>\n<main id=\"main\">\n{}</main>\n\
         <script>{SCRIPT}</script>\n</body></html>\n",
        esc(&page.title),
        page.body
    )
}
