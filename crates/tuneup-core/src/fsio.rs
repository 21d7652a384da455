//! Files written whole or not at all: a temp file in the same folder, fsynced, renamed over the
//! target, and the folder fsynced so the rename itself survives a crash. Readers never see a
//! half-written file, and a failed write leaves any previous file untouched.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The temp name beside `path` a write goes through (unique per process and call).
fn temp_beside(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp{}-{n}", std::process::id()))
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `path` atomically with `write`, which gets the temp path to fill (for writers that
/// take a path, such as burn's record files). The temp file is fsynced, renamed over `path`,
/// and the folder fsynced; on any error the temp file is removed and `path` is untouched.
pub fn write_with<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), AtomicError<E>> {
    let dir = parent_of(path);
    std::fs::create_dir_all(dir).map_err(|e| AtomicError::Io(path.to_path_buf(), e))?;
    let tmp = temp_beside(path);
    crate::failpoint::io("file.write").map_err(|e| AtomicError::Io(path.to_path_buf(), e))?;
    let res = write(&tmp).map_err(AtomicError::Write).and_then(|()| {
        let io = |e| AtomicError::Io(path.to_path_buf(), e);
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        crate::failpoint::hit("file.written");
        std::fs::rename(&tmp, path).map_err(io)?;
        crate::failpoint::hit("file.renamed");
        sync_dir(dir).map_err(io)
    });
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// Writes `bytes` to `path` atomically (see [`write_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |tmp| {
        let mut f = std::fs::File::create(tmp)?;
        f.write_all(bytes)
    })
    .map_err(|e| match e {
        AtomicError::Write(e) => {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        }
        AtomicError::Io(p, e) => {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", p.display()))
        }
    })
}

/// Why an atomic write failed: the writer's own error, or the file system's around it.
#[derive(Debug)]
pub enum AtomicError<E> {
    Write(E),
    Io(PathBuf, std::io::Error),
}

impl<E: std::fmt::Display> std::fmt::Display for AtomicError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AtomicError::Write(e) => write!(f, "{e}"),
            AtomicError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for AtomicError<E> {}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // A failing writer leaves the old file and no temp file.
        let r = write_with(&p, |tmp| {
            std::fs::write(tmp, b"half")?;
            Err::<(), std::io::Error>(std::io::Error::other("boom"))
        });
        assert!(matches!(r, Err(AtomicError::Write(_))));
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }
}
