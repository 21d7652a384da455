//! Live updates: the watcher that polls the store's revision, and the server-sent-events
//! stream each open page listens to (one `data:` line per change, a comment every few seconds
//! so a closed browser is noticed).

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{POLL, Shared};

const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Polls the store's revision for ever; wakes every stream when it moves. A store that cannot
/// be read for a while (a server restarting) is retried, said once.
pub(super) fn watch(shared: &Shared) {
    let mut store = None;
    let mut complained = false;
    loop {
        if store.is_none() {
            store = shared.open().ok();
        }
        let rev = store.as_ref().map(|s| s.revision());
        match rev {
            Some(Ok(r)) => {
                complained = false;
                let mut cur = shared.revision.lock().unwrap_or_else(|p| p.into_inner());
                if *cur != r {
                    *cur = r;
                    shared.changed.notify_all();
                }
            }
            Some(Err(e)) => {
                if !complained {
                    eprintln!("dashboard: reading the store: {e}; retrying");
                    complained = true;
                }
                store = None;
            }
            None => {}
        }
        std::thread::sleep(POLL);
    }
}

/// Holds one client's stream until it goes away.
pub(super) fn stream(req: tiny_http::Request, shared: &Shared) {
    let mut w = req.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 1000\n\n";
    if w.write_all(head.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        shared.streams.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let mut seen = *shared.revision.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let started = Instant::now();
        let mut cur = shared.revision.lock().unwrap_or_else(|p| p.into_inner());
        while *cur == seen && started.elapsed() < KEEP_ALIVE {
            let left = KEEP_ALIVE.saturating_sub(started.elapsed());
            cur = shared
                .changed
                .wait_timeout(cur, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let now = *cur;
        drop(cur);
        let msg = if now != seen {
            seen = now;
            format!("data: {now}\n\n")
        } else {
            ": keep-alive\n\n".to_string()
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            break;
        }
    }
    shared.streams.fetch_sub(1, Ordering::SeqCst);
}
