//! Requests to pages: `/`, `/run/ID`, `/chain/NAME`, `/study/NAME`, `/diff?runs=A,B`,
//! `/events`; `?fragment=1` answers only the page's contents (the live refresh). Unknown
//! things answer 404 with a message, malformed ones 400; nothing a client sends ends the
//! server.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tiny_http::{Header, Method, Request, Response};
use tuneup_store::Storage;

use super::{MAX_STREAMS, Shared};
use crate::html::{self, Mode, Page, esc};
use crate::{Pages, Target, WebError};

/// A worker thread: answers requests with its own store connection until the server ends.
pub(super) fn work(server: &tiny_http::Server, shared: &Arc<Shared>) {
    let mut store: Option<Box<dyn Storage>> = None;
    loop {
        let Ok(req) = server.recv() else { return };
        if req.url().split('?').next() == Some("/events") {
            if shared.streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
                shared.streams.fetch_sub(1, Ordering::SeqCst);
                let _ = req.respond(text(503, "too many live pages open; close some"));
                continue;
            }
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name("events".into())
                .spawn(move || super::events::stream(req, &shared));
            if spawned.is_err() {
                eprintln!("dashboard: cannot start a stream thread");
            }
            continue;
        }
        let (status, body, kind) = answer(&req, shared, &mut store);
        let mut resp = Response::from_string(body).with_status_code(status);
        for h in [
            format!("Content-Type: {kind}"),
            "Cache-Control: no-store".into(),
            "X-Content-Type-Options: nosniff".into(),
        ] {
            if let Ok(h) = h.parse::<Header>() {
                resp.add_header(h);
            }
        }
        let _ = req.respond(resp);
    }
}

fn text(status: u16, msg: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut r = Response::from_string(msg).with_status_code(status);
    if let Ok(h) = "Content-Type: text/plain; charset=utf-8".parse::<Header>() {
        r.add_header(h);
    }
    r
}

/// What a request gets: status, body, content type.
fn answer(
    req: &Request,
    shared: &Shared,
    store: &mut Option<Box<dyn Storage>>,
) -> (u16, String, &'static str) {
    const HTML: &str = "text/html; charset=utf-8";
    if *req.method() != Method::Get && *req.method() != Method::Head {
        return (405, "only GET".into(), "text/plain; charset=utf-8");
    }
    let route = match parse(req.url()) {
        Ok(r) => r,
        Err(e) => return error_page(e, shared),
    };
    // One retry with a fresh connection: a server store may have restarted meanwhile.
    let mut result = Err(WebError::NotFound(String::new()));
    for attempt in 0..2 {
        if store.is_none() {
            match shared.open() {
                Ok(s) => *store = Some(s),
                Err(e) => return error_page(WebError::Other(e), shared),
            }
        }
        let Some(s) = store.as_deref() else { break };
        let pages = Pages {
            store: s,
            mode: Mode::Dashboard,
            cache: Some(&shared.cache),
        };
        result = render(&pages, &route.page);
        match &result {
            Err(WebError::Other(_)) if attempt == 0 => *store = None,
            _ => break,
        }
    }
    match result {
        Ok(page) if route.fragment => (200, page.body, HTML),
        Ok(page) => (
            200,
            html::document(Mode::Dashboard, &page, &shared.store_shown()),
            HTML,
        ),
        Err(e) => error_page(e, shared),
    }
}

fn render(pages: &Pages, page: &Route) -> Result<Page, WebError> {
    match page {
        Route::Index => crate::index_page::page(pages),
        Route::Target(t) => pages.page(t),
        Route::Diff(ids) => crate::diff_page::page(pages, ids),
    }
}

fn error_page(e: WebError, shared: &Shared) -> (u16, String, &'static str) {
    let (status, what) = match &e {
        WebError::NotFound(_) => (404, "Not found"),
        WebError::BadRequest(_) => (400, "Bad request"),
        WebError::Other(_) => (500, "Error"),
    };
    let msg = match &e {
        WebError::Other(e) => format!("{e:#}"),
        other => other.to_string(),
    };
    let page = Page {
        title: format!("{status} · tuneup"),
        body: format!(
            "<h1>{status} {what}</h1><p class=\"error\">{}</p><p><a href=\"/\">all runs, chains and studies</a></p>",
            esc(&msg)
        ),
    };
    (
        status,
        html::document(Mode::Dashboard, &page, &shared.store_shown()),
        "text/html; charset=utf-8",
    )
}

enum Route {
    Index,
    Target(Target),
    Diff(Vec<i64>),
}

struct Parsed {
    page: Route,
    fragment: bool,
}

/// Parses a request target.
fn parse(url: &str) -> Result<Parsed, WebError> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut fragment = false;
    let mut runs = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v)?;
        match k {
            "fragment" => fragment = v == "1",
            "runs" => runs = Some(v),
            _ => {
                return Err(WebError::BadRequest(format!(
                    "unknown query parameter `{}` (known: runs, fragment)",
                    decode(k)?
                )));
            }
        }
    }
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let page = match parts.as_slice() {
        [] | [""] => Route::Index,
        ["run", id] => Route::Target(Target::Run(decode(id)?.parse().map_err(|_| {
            WebError::BadRequest(format!("/run/{id}: a run id is a whole number"))
        })?)),
        ["chain", name] => Route::Target(Target::Chain(decode(name)?)),
        ["study", name] => Route::Target(Target::Study(decode(name)?)),
        ["diff"] => Route::Diff(crate::diff_page::parse_ids(runs.as_deref().unwrap_or(""))?),
        _ => {
            return Err(WebError::NotFound(format!(
                "no page {path} (pages: /, /run/ID, /chain/NAME, /study/NAME, /diff?runs=A,B)"
            )));
        }
    };
    Ok(Parsed { page, fragment })
}

/// Percent-decoding (and `+` as a space); malformed escapes or bytes that are not UTF-8 are a
/// bad request.
fn decode(s: &str) -> Result<String, WebError> {
    let bad = || WebError::BadRequest(format!("malformed percent-encoding in `{s}`"));
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

impl Shared {
    /// The store as shown in the page header (a URL's password is never shown).
    fn store_shown(&self) -> String {
        if tuneup_store::is_server(&self.store) {
            tuneup_store::postgres::redact(&self.store)
        } else {
            self.store.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_and_bad_ones_say_why() {
        assert!(matches!(parse("/").unwrap().page, Route::Index));
        assert!(matches!(
            parse("/run/12?fragment=1").unwrap(),
            Parsed {
                page: Route::Target(Target::Run(12)),
                fragment: true
            }
        ));
        match parse("/chain/my%20chain").unwrap().page {
            Route::Target(Target::Chain(c)) => assert_eq!(c, "my chain"),
            _ => panic!("not a chain"),
        }
        assert!(matches!(parse("/run/x"), Err(WebError::BadRequest(_))));
        assert!(matches!(
            parse("/diff?runs=1,x"),
            Err(WebError::BadRequest(_))
        ));
        assert!(matches!(
            parse("/diff?runs=1"),
            Err(WebError::BadRequest(_))
        ));
        assert!(matches!(parse("/study/%zz"), Err(WebError::BadRequest(_))));
        assert!(matches!(parse("/run/1?x=2"), Err(WebError::BadRequest(_))));
        assert!(matches!(parse("/nowhere"), Err(WebError::NotFound(_))));
        match parse("/diff?runs=3,5").unwrap().page {
            Route::Diff(ids) => assert_eq!(ids, vec![3, 5]),
            _ => panic!("not a diff"),
        }
    }
}
