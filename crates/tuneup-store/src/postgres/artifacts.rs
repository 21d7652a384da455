//! Run files (checkpoints, out-of-fold predictions) kept in the database, so that `predict`,
//! `eval`, `resume` and `ensemble` on any host find them: written in 4 MiB chunks in one
//! transaction (a reader never sees half a file), copied into the local artifacts folder on
//! first use through a temporary file and a rename.

use std::io::Write;

use super::PgStore;
use super::schema::NOW;
use crate::StoreError;

const CHUNK: usize = 4 << 20;

impl PgStore {
    fn io(&self, name: &str, e: std::io::Error) -> StoreError {
        self.corrupt(format!("run file {name}: {e}"))
    }

    pub(super) fn save_file(&self, name: &str) -> Result<(), StoreError> {
        let path = self.artifacts.join(name);
        let bytes = std::fs::read(&path).map_err(|e| self.io(name, e))?;
        let chunks: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
        let (size, count) = (bytes.len() as i64, chunks.len() as i32);
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("DELETE FROM artifacts WHERE name = $1", &[&name])?;
            tx.execute(
                &format!("INSERT INTO artifacts VALUES ($1, $2, $3, {NOW})"),
                &[&name, &size, &count],
            )?;
            for (i, chunk) in chunks.iter().enumerate() {
                tx.execute(
                    "INSERT INTO artifact_chunks VALUES ($1, $2, $3)",
                    &[&name, &(i as i32), chunk],
                )?;
            }
            tx.commit()
        })
    }

    /// Brings the file `name`, or every file of the folder `name`, into the artifacts folder
    /// (what is there already is kept); whether the store had any.
    pub(super) fn fetch_file(&self, name: &str) -> Result<bool, StoreError> {
        if self.artifacts.join(name).is_file() {
            return Ok(true);
        }
        let files: Vec<(String, i64, i32)> = self.with(|c| {
            c.query(
                "SELECT name, size, chunks FROM artifacts WHERE name = $1 OR name LIKE $2 ORDER BY name",
                &[&name, &format!("{}/%", name.trim_end_matches('/'))],
            )
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        })?;
        for (file, size, count) in &files {
            if !self.artifacts.join(file).exists() {
                self.fetch_one(file, *size, *count)?;
            }
        }
        Ok(!files.is_empty())
    }

    fn fetch_one(&self, name: &str, size: i64, count: i32) -> Result<(), StoreError> {
        let path = self.artifacts.join(name);
        let parent = path.parent().unwrap_or(&self.artifacts).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| self.io(name, e))?;
        let mut tmp = tempfile_in(&parent).map_err(|e| self.io(name, e))?;
        let mut written = 0i64;
        for i in 0..count {
            let data: Vec<u8> = self.with(|c| {
                c.query_one(
                    "SELECT data FROM artifact_chunks WHERE name = $1 AND chunk = $2",
                    &[&name, &i],
                )
                .map(|r| r.get(0))
            })?;
            written += data.len() as i64;
            tmp.1.write_all(&data).map_err(|e| self.io(name, e))?;
        }
        if written != size {
            let _ = std::fs::remove_file(&tmp.0);
            return Err(self.corrupt(format!("run file {name}: {written} bytes stored of {size}")));
        }
        tmp.1.sync_all().map_err(|e| self.io(name, e))?;
        std::fs::rename(&tmp.0, &path).map_err(|e| self.io(name, e))?;
        Ok(())
    }
}

/// A new file in `dir` with a name no other process picks.
fn tempfile_in(dir: &std::path::Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let path = dir.join(format!(
        ".fetch-{}-{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    let f = std::fs::File::create(&path)?;
    Ok((path, f))
}
