//! Liveness: who a worker is, how often it beats, how long before a silent one is stale, and the
//! background thread that beats for a process while it has running records.
//!
//! A worker is `host:pid:start`, where start is the process's start time in clock ticks since
//! boot (so a reused pid is told apart). A running record is stale when its heartbeat is older
//! than the grace period on the store's clock, or at once when its worker was on this host and
//! that process is gone.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// This process as a worker.
pub fn worker_id() -> String {
    format!(
        "{}:{}:{}",
        host(),
        std::process::id(),
        start_ticks(std::process::id()).unwrap_or(0)
    )
}

fn host() -> String {
    std::env::var("TUNEUP_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "localhost".into())
}

fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the worker `id` is certainly gone: it ran on this host and its process is not there
/// (a worker on another host is never judged this way; its heartbeat tells).
pub fn gone_here(id: &str) -> bool {
    let mut parts = id.rsplitn(3, ':');
    let (Some(start), Some(pid), Some(h)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if h != host() {
        return false;
    }
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start_ticks(pid) != Some(start)
}

fn seconds_from_env(key: &str) -> Option<f64> {
    std::env::var(key)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// How often a worker refreshes its running records: `TUNEUP_HEARTBEAT` seconds, else 10.
pub fn heartbeat_every() -> Duration {
    Duration::from_secs_f64(seconds_from_env("TUNEUP_HEARTBEAT").unwrap_or(10.0))
}

/// How long a running record may go without a heartbeat before it is stale:
/// `TUNEUP_HEARTBEAT_GRACE` seconds, else six heartbeats (one minute by default).
pub fn grace() -> f64 {
    seconds_from_env("TUNEUP_HEARTBEAT_GRACE").unwrap_or(6.0 * heartbeat_every().as_secs_f64())
}

/// Whether a running record of `worker` whose last heartbeat was `beat` (none: never; then
/// `started` counts) is stale at `now` on the store's clock.
pub fn is_stale(worker: &str, beat: Option<f64>, started: f64, now: f64) -> bool {
    gone_here(worker) || now - beat.unwrap_or(started) > grace()
}

/// The `attempt`-th wait: doubling from 50 ms up to 5 s, times a jitter in [0.5, 1.5) so that
/// workers that lost the server together do not come back together.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = (0.05 * 2f64.powi(attempt.min(7) as i32)).min(5.0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mix = (nanos ^ std::process::id().wrapping_mul(2_654_435_761)) % 1000;
    Duration::from_secs_f64(base * (0.5 + mix as f64 / 1000.0))
}

/// The worker names a store has recorded running records under, shared with its heartbeat
/// thread.
pub(crate) type Workers = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Adds `worker` to `workers` (once).
pub(crate) fn note_worker(workers: &Workers, worker: &str) {
    let mut w = workers.lock().unwrap_or_else(|e| e.into_inner());
    if !w.iter().any(|x| x == worker) {
        w.push(worker.to_string());
    }
}

/// A snapshot of `workers`.
pub(crate) fn workers_now(workers: &Workers) -> Vec<String> {
    workers.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A thread that calls `beat` every [`heartbeat_every`] until it is dropped.
pub(crate) struct Beater {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Beater {
    /// Starts beating with `open`'s connection: `open` runs on the thread (connections stay
    /// on the thread that made them); its beat function is called at once and then on every
    /// tick. Errors are reported on stderr and retried on the next tick.
    pub(crate) fn start<F, B>(open: F) -> Beater
    where
        F: FnOnce() -> Option<B> + Send + 'static,
        B: FnMut() -> Result<usize, crate::StoreError>,
    {
        let every = heartbeat_every();
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("tuneup-heartbeat".into())
            .spawn(move || {
                let Some(mut beat) = open() else { return };
                loop {
                    match rx.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {
                            if let Err(e) = beat() {
                                eprintln!("heartbeat: {e} (tried again in {every:?})");
                            }
                        }
                        _ => return,
                    }
                }
            })
            .ok();
        Beater {
            stop: Some(tx),
            thread,
        }
    }
}

impl Drop for Beater {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_here_and_a_gone_one_is_not() {
        let me = worker_id();
        assert!(!gone_here(&me), "{me}");
        // The same pid with another start time is another process.
        let (rest, start) = me.rsplit_once(':').unwrap();
        let other: u64 = start.parse::<u64>().unwrap() + 1;
        assert!(gone_here(&format!("{rest}:{other}")));
        assert!(
            !gone_here("garbage"),
            "unreadable ids are left to heartbeats"
        );
        assert!(
            !gone_here("some-other-host:1:1"),
            "other hosts are judged by heartbeats"
        );
    }

    #[test]
    fn stale_after_the_grace_period_or_when_gone() {
        let me = worker_id();
        let g = grace();
        assert!(!is_stale(&me, Some(100.0), 0.0, 100.0 + g * 0.5));
        assert!(is_stale(&me, Some(100.0), 0.0, 100.0 + g * 1.5));
        assert!(is_stale(&me, None, 100.0, 100.0 + g * 1.5), "never beat");
        let (rest, start) = me.rsplit_once(':').unwrap();
        let dead = format!("{rest}:{}", start.parse::<u64>().unwrap() + 1);
        assert!(is_stale(&dead, Some(100.0), 0.0, 100.0), "gone here");
    }
}
