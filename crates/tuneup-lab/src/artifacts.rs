//! Run files across hosts: a finished run's folder (`run-N/`: best weights, resume point,
//! snapshots, out-of-fold predictions) is handed to the store, which keeps a copy when it is a
//! server; a process that needs a file written on another host gets it from the store into its
//! own artifacts folder. With an SQLite store both are no-ops: the folder is the only place.

use std::path::{Component, Path, PathBuf};

use anyhow::anyhow;
use tuneup_store::Storage;

/// Hands every file of run `run_id`'s folder to the store.
pub fn share(store: &dyn Storage, run_id: i64) -> anyhow::Result<()> {
    let folder = format!("run-{run_id}");
    let dir = store.artifacts_dir().join(&folder);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for n in names {
        store.save_artifact(&format!("{folder}/{n}"))?;
    }
    Ok(())
}

/// The run folder (`run-N`) a recorded path is in, and the path below it.
fn in_run_folder(path: &Path) -> Option<(String, PathBuf)> {
    let parts: Vec<Component> = path.components().collect();
    let at = parts.iter().rposition(|c| {
        c.as_os_str()
            .to_str()
            .and_then(|s| s.strip_prefix("run-"))
            .is_some_and(|n| n.parse::<i64>().is_ok())
    })?;
    let folder = parts[at].as_os_str().to_string_lossy().to_string();
    let rest: PathBuf = parts[at + 1..].iter().collect();
    Some((folder, rest))
}

/// A recorded run file as a path on this host: the recorded path when it is here, else the
/// same file in this process's artifacts folder, fetched from the store (with the rest of its
/// run folder) when it is not there yet.
pub fn bring(store: &dyn Storage, recorded: &Path) -> anyhow::Result<PathBuf> {
    if recorded.exists() {
        return Ok(recorded.to_path_buf());
    }
    let Some((folder, rest)) = in_run_folder(recorded) else {
        return Err(anyhow!("run file {} is missing", recorded.display()));
    };
    let local = store.artifacts_dir().join(&folder).join(&rest);
    if local.exists() || store.fetch_artifact(&folder)? && local.exists() {
        return Ok(local);
    }
    Err(anyhow!(
        "run file {} is not on this host and the store {} has no copy of it",
        recorded.display(),
        store.location()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_run_folder_in_a_recorded_path() {
        let (f, rest) = in_run_folder(Path::new("/a/b/x.runs/run-12/best.bpk")).unwrap();
        assert_eq!(f, "run-12");
        assert_eq!(rest, PathBuf::from("best.bpk"));
        assert!(in_run_folder(Path::new("/a/run-x/best.bpk")).is_none());
        assert!(in_run_folder(Path::new("best.bpk")).is_none());
    }
}
