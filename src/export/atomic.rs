//! Writing an output so that whatever was at its path is respected: a regular file (or a new
//! path) is replaced atomically, either complete or untouched: a temp file
//! (`.concurrency-lab-<pid>-*.tmp`) in the same directory, written, given the old file's mode
//! and owner (a new file gets the mode the umask allows), synced and renamed over the target
//! (a symlink's target, so the link stays). FIFOs and devices are written in place. The path
//! is checked when the [`PendingFile`] is made (before any work) and again when it is
//! written. No temp file exists before the write begins, so a run killed mid-way leaves none.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::target::{self, Identity, Kind, Target};

/// How long a write to a FIFO waits for a reader to open it.
const FIFO_READER_WAIT: Duration = Duration::from_secs(5);

/// An output path that passed its checks, to be written once the bytes exist.
#[derive(Debug)]
pub struct PendingFile {
    path: PathBuf,
    target: Target,
}

impl PendingFile {
    /// Checks `path` can be written (see [`target::inspect`]); creates nothing.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        Ok(Self { path: path.to_owned(), target: target::inspect(path)? })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where this and `other` would write the same thing twice, so that one would be lost.
    /// A character device (`/dev/null`, a terminal) takes both.
    pub fn collides_with(&self, other: &PendingFile) -> bool {
        self.target.identity == other.target.identity && !self.target.char_device
    }

    /// Whether this path names what the descriptor `fd` has open (say `/dev/stdout`).
    pub fn is_open_as(&self, identity: Option<(u64, u64)>) -> bool {
        identity.is_some_and(|(dev, ino)| self.target.identity == Identity::Inode(dev, ino))
    }

    /// A character device (writing it twice loses nothing).
    pub fn is_char_device(&self) -> bool {
        self.target.char_device
    }

    /// Writes `bytes`: replaces a regular file atomically, or writes a FIFO or device in place.
    /// Returns the path as given.
    pub fn commit(self, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        // Looked at again: the path may have changed while the run went on.
        let target = target::inspect(&self.path)?;
        match target.kind {
            Kind::File(existing) => replace(&target.path, existing, bytes),
            Kind::Stream { append } => write_in_place(&target.path, append, bytes),
        }
        .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(self.path)
    }
}

/// Temp file, mode and owner, fsync, rename, then fsync the directory (the rename itself).
fn replace(path: &Path, existing: Option<target::Existing>, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".concurrency-lab-{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A new file: what the umask allows of rw-rw-rw-, as any program that creates a file.
        // An existing one: private until its own mode is set below.
        let mode = if existing.is_some() { 0o600 } else { 0o666 };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    // Dropped on every way out before `persist`: the temp file goes with it.
    let mut temp = builder.tempfile_in(&dir).with_context(|| format!("cannot create a file in {}", dir.display()))?;
    temp.write_all(bytes)?;
    #[cfg(unix)]
    if let Some(existing) = existing {
        use std::os::unix::fs::PermissionsExt;
        let file = temp.as_file();
        // Only root may give a file away; anyone else keeps it as theirs, as `cp` does.
        let _ = std::os::unix::fs::fchown(file, Some(existing.uid), Some(existing.gid));
        file.set_permissions(std::fs::Permissions::from_mode(existing.mode))?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot move the result into {}", path.display()))?;
    if let Ok(dir) = std::fs::File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Opens a FIFO or device for writing (waiting a while for a FIFO's reader) and writes.
fn write_in_place(path: &Path, append: bool, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).append(append);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Without a reader, a FIFO opened for writing would block forever: ask without blocking.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let deadline = Instant::now() + FIFO_READER_WAIT;
    let file = loop {
        match options.open(path) {
            Ok(file) => break file,
            #[cfg(unix)]
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if Instant::now() >= deadline {
                    bail!(
                        "nobody opened the FIFO {} for reading within {} s",
                        path.display(),
                        FIFO_READER_WAIT.as_secs()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    };
    #[cfg(unix)]
    crate::engine::set_blocking(&file)?;
    (&file).write_all(bytes)?;
    (&file).flush()?;
    Ok(())
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
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temp file before commit");
        pending.commit(b"new")?;
        assert_eq!(std::fs::read_to_string(&path)?, "new");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temp file left");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_kept_and_links_followed() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old")?;
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640))?;
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link)?;
        PendingFile::create(&link)?.commit(b"new")?;
        assert!(std::fs::symlink_metadata(&link)?.file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read_to_string(&real)?, "new");
        assert_eq!(std::fs::metadata(&real)?.permissions().mode() & 0o777, 0o640);
        // A dangling link is followed too: its target is made.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("made.json"), &dangling)?;
        PendingFile::create(&dangling)?.commit(b"x")?;
        assert_eq!(std::fs::read_to_string(dir.path().join("made.json"))?, "x");
        Ok(())
    }

    #[test]
    fn directories_and_bad_parents_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let msg = |p: &Path| PendingFile::create(p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(dir.path()).ends_with("is a directory"), "{}", msg(dir.path()));
        let file = dir.path().join("f");
        std::fs::write(&file, "")?;
        let under_file = file.join("out.json");
        assert!(msg(&under_file).contains("not a directory"), "{}", msg(&under_file));
        let long = dir.path().join("x".repeat(300));
        assert!(msg(&long).contains("too long"), "{}", msg(&long));
        let slash = dir.path().join("new-dir/");
        assert!(msg(&slash).contains("names a directory"), "{}", msg(&slash));
        Ok(())
    }

    #[test]
    fn the_same_file_twice_collides() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let a = PendingFile::create(&dir.path().join("out.json"))?;
        let b = PendingFile::create(&dir.path().join(".").join("out.json"))?;
        let c = PendingFile::create(&dir.path().join("other.json"))?;
        assert!(a.collides_with(&b) && !a.collides_with(&c));
        Ok(())
    }
}
