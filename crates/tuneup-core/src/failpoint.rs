//! Named crash points for the kill tests: with the `failpoints` feature (on in test builds
//! only: the binary's tests enable it through a dev-dependency; `cargo build` compiles every
//! point to nothing), `TUNEUP_FAILPOINT=NAME@N` aborts the process at the N-th time it passes
//! point NAME — no unwinding, no destructors, nothing flushed: a crash. `TUNEUP_FAILPOINT_LOG=F`
//! appends each point passed (and the process's id) to file F, so a test learns which points a command passes and how
//! often before it kills it at each.
//!
//! `TUNEUP_FAILPOINT=NAME@N:enospc` instead makes the N-th and every later write through point
//! NAME fail with "No space left on device" (a disk that filled up), `:eacces` with "Permission
//! denied" (a read-only folder), for the points that can fail: `file.write` (every file tuneup
//! writes, before its temp copy is written).
//!
//! The points: `file.write`, `file.written` (a file's temp copy written and synced, not yet renamed),
//! `file.renamed` (renamed over the real name, the folder not yet synced), and
//! `store.<write>.before` / `store.<write>.after` around every write of the store.

#[cfg(feature = "failpoints")]
mod on {
    use std::io::Write;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Plan {
        kill: Option<(String, u64)>,
        /// The point fails writes with this OS error (`:enospc`, `:eacces`) instead of aborting.
        errno: Option<i32>,
        log: Option<std::path::PathBuf>,
    }

    fn plan() -> &'static Plan {
        static PLAN: OnceLock<Plan> = OnceLock::new();
        let spec = std::env::var("TUNEUP_FAILPOINT").ok();
        PLAN.get_or_init(|| Plan {
            errno: spec.as_deref().and_then(|v| {
                if v.ends_with(":enospc") {
                    Some(28)
                } else if v.ends_with(":eacces") {
                    Some(13)
                } else {
                    None
                }
            }),
            kill: spec.as_deref().and_then(|v| {
                let v = v.trim_end_matches(":enospc").trim_end_matches(":eacces");
                let (name, n) = v.rsplit_once('@').unwrap_or((v, "1"));
                Some((name.to_string(), n.parse().ok()?))
            }),
            log: std::env::var_os("TUNEUP_FAILPOINT_LOG").map(Into::into),
        })
    }

    pub fn hit(name: &str) {
        static HITS: AtomicU64 = AtomicU64::new(0);
        let p = plan();
        if let Some(log) = &p.log
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
        {
            let _ = writeln!(f, "{name} {}", std::process::id());
        }
        if let Some((at, n)) = &p.kill
            && p.errno.is_none()
            && at == name
            && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n
        {
            eprintln!("failpoint {name}@{n}: aborting");
            std::process::abort();
        }
    }

    pub fn io(name: &str) -> std::io::Result<()> {
        static HITS: AtomicU64 = AtomicU64::new(0);
        let p = plan();
        if let (Some((at, n)), Some(errno)) = (&p.kill, p.errno)
            && at == name
            && HITS.fetch_add(1, Ordering::SeqCst) + 1 >= *n
        {
            return Err(std::io::Error::from_raw_os_error(errno));
        }
        Ok(())
    }
}

/// Passes the crash point `name` (see the module's text).
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) {
    on::hit(name);
}

/// A write through point `name`: an error when the plan says the disk is full.
#[cfg(feature = "failpoints")]
pub fn io(name: &str) -> std::io::Result<()> {
    on::io(name)
}

/// A write through point `name`: always fine without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn io(_name: &str) -> std::io::Result<()> {
    Ok(())
}

/// Passes the crash point `name`: nothing, in a build without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) {}
