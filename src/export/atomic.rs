//! Writing an output file so that it is either complete or absent: a temp file in the same
//! directory, created before the run (so a bad path fails before any work), renamed into
//! place once the bytes are written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tempfile::NamedTempFile;

#[derive(Debug)]
pub struct PendingFile {
    path: PathBuf,
    temp: NamedTempFile,
}

impl PendingFile {
    /// Checks `path` can be written: its directory exists and accepts a new file.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        if path.is_dir() {
            anyhow::bail!("{} is a directory", path.display());
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            anyhow::bail!("directory {} does not exist", dir.display());
        }
        let temp = tempfile::Builder::new()
            .prefix(".concurrency-lab-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot write to directory {}", dir.display()))?;
        Ok(Self { path: path.to_owned(), temp })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` and moves the file into place.
    pub fn commit(mut self, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.path;
        self.temp
            .write_all(bytes)
            .and_then(|()| self.temp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.temp.persist(&path).with_context(|| format!("cannot move the result into {}", path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_directory_is_refused_up_front() {
        let err = PendingFile::create(Path::new("/nonexistent-dir-xyz/out.json")).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("directory /nonexistent-dir-xyz does not exist"));
    }

    #[test]
    fn commit_replaces_atomically_and_leaves_no_temp() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old")?;
        let pending = PendingFile::create(&path)?;
        assert_eq!(std::fs::read_to_string(&path)?, "old", "nothing changes before commit");
        pending.commit(b"new")?;
        assert_eq!(std::fs::read_to_string(&path)?, "new");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temp file left");
        Ok(())
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        drop(PendingFile::create(&dir.path().join("out.json"))?);
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
        Ok(())
    }
}
