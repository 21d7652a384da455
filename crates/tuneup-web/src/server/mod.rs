//! `tuneup dashboard`: a local web server over a store, read through connections that cannot
//! write. A fixed pool of threads answers pages (each with its own store connection); each
//! live client holds one server-sent-events stream (at most [`MAX_STREAMS`]); one watcher
//! polls the store's revision and wakes the streams when it moves, so a new epoch, trial or
//! ledger step reaches the browser within [`POLL`] plus one page render.

mod events;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::anyhow;

use crate::AnalysisCache;

/// Threads answering page requests.
pub const WORKERS: usize = 8;
/// Live streams served at once; more are answered 503.
pub const MAX_STREAMS: usize = 256;
/// How often the watcher reads the store's revision.
pub const POLL: Duration = Duration::from_millis(200);

pub struct Options {
    pub store: String,
    pub artifacts: Option<PathBuf>,
    pub addr: SocketAddr,
}

/// What the threads share.
struct Shared {
    store: String,
    artifacts: Option<PathBuf>,
    /// The store's latest revision seen by the watcher, and the streams' wake-up.
    revision: Mutex<u64>,
    changed: Condvar,
    streams: AtomicUsize,
    cache: AnalysisCache,
}

impl Shared {
    fn open(&self) -> anyhow::Result<Box<dyn tuneup_store::Storage>> {
        Ok(tuneup_store::open_read_only(
            &self.store,
            self.artifacts.as_deref(),
        )?)
    }
}

/// A bound, not yet serving, dashboard.
pub struct Dashboard {
    server: Arc<tiny_http::Server>,
    shared: Arc<Shared>,
}

impl Dashboard {
    /// Opens the store (read-only; a store that does not exist or is not tuneup's is an
    /// error) and binds the address.
    pub fn bind(o: Options) -> anyhow::Result<Dashboard> {
        let shared = Arc::new(Shared {
            store: o.store,
            artifacts: o.artifacts,
            revision: Mutex::new(0),
            changed: Condvar::new(),
            streams: AtomicUsize::new(0),
            cache: AnalysisCache::default(),
        });
        let probe = shared.open()?;
        *shared.revision.lock().unwrap_or_else(|p| p.into_inner()) = probe.revision()?;
        drop(probe);
        let server = tiny_http::Server::http(o.addr)
            .map_err(|e| anyhow!("cannot listen on {}: {e}", o.addr))?;
        Ok(Dashboard {
            server: Arc::new(server),
            shared,
        })
    }

    /// The address it listens on (the port chosen when 0 was asked).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.server.server_addr().to_ip()
    }

    /// Serves until the process ends.
    pub fn serve(self) -> anyhow::Result<()> {
        let watcher = {
            let shared = self.shared.clone();
            std::thread::Builder::new()
                .name("watch".into())
                .spawn(move || events::watch(&shared))?
        };
        let mut workers = Vec::new();
        for i in 0..WORKERS {
            let (server, shared) = (self.server.clone(), self.shared.clone());
            workers.push(
                std::thread::Builder::new()
                    .name(format!("http-{i}"))
                    .spawn(move || routes::work(&server, &shared))?,
            );
        }
        for w in workers {
            let _ = w.join();
        }
        let _ = watcher.join();
        Ok(())
    }
}
