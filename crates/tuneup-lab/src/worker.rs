//! Who is working on a study or a chain, and whether they still are: a worker is
//! `host:pid:start`, where start is the process's start time in clock ticks since boot (so a
//! reused pid is told apart). A running trial or step whose worker is gone was interrupted.

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
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the worker that wrote `id` is still running (on this host; a worker on another host
/// is assumed alive).
pub fn alive(id: &str) -> bool {
    let mut parts = id.rsplitn(3, ':');
    let (Some(start), Some(pid), Some(h)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if h != host() {
        return true;
    }
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start_ticks(pid) == Some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_gone_one_is_not() {
        let me = worker_id();
        assert!(alive(&me), "{me}");
        // The same pid with another start time is another process.
        let (rest, start) = me.rsplit_once(':').unwrap();
        let other: u64 = start.parse::<u64>().unwrap() + 1;
        assert!(!alive(&format!("{rest}:{other}")));
        assert!(!alive("garbage"));
        assert!(
            alive("some-other-host:1:1"),
            "other hosts are assumed alive"
        );
    }
}
