//! The directory a `file` run keeps its temp files in:
//! `$TMPDIR/concurrency-lab-run-<pid>-<start>-<n>/`, made when the run starts and removed,
//! with whatever is in it, when the run ends (worker processes write there too). A run that
//! could not clean up (SIGKILL, an OOM kill, a power cut) leaves it behind; the next `file` run
//! sweeps every such directory whose owner is gone: no process with that pid runs, or one runs
//! with another start time (the pid was reused).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::SetupError;
use super::sys;

/// Every run directory's name starts with this.
pub const RUN_DIR_PREFIX: &str = "concurrency-lab-run-";

/// A run's temp directory; removed (recursively) on drop.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Makes a new run directory under `base` (owner-only) and checks it takes files.
    pub fn create(base: &Path) -> Result<Self, SetupError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let (pid, started) = own_identity();
        let name = format!("{RUN_DIR_PREFIX}{pid}-{started}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let path = base.join(name);
        let fail = |what, cause| SetupError::TempDir { dir: base.to_owned(), what, cause };
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).map_err(|e| fail("make its directory", e))?;
        let dir = Self { path };
        tempfile::Builder::new()
            .tempfile_in(&dir.path)
            .and_then(|probe| probe.close())
            .map_err(|e| fail("create files", e))?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// This process: its pid and start time.
fn own_identity() -> (u32, u64) {
    let pid = std::process::id();
    (pid, sys::process_started_at(pid).unwrap_or(0))
}

/// The owner named by a run directory's name, `(pid, start time)`.
fn owner_of(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.strip_prefix(RUN_DIR_PREFIX)?.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    let started = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u64>().ok()?;
    Some((pid, started))
}

/// Removes the run directories under `base` whose owner is gone; returns how many. Only
/// directories of this user are touched, and never one whose owner still runs.
pub fn sweep(base: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else { return 0 };
    let mut swept = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((pid, started)) = name.to_str().and_then(owner_of) else { continue };
        if sys::process_started_at(pid) == Some(started) {
            continue;
        }
        // Not followed if it is a symlink: only a real directory of ours goes.
        let Ok(meta) = entry.path().symlink_metadata() else { continue };
        #[cfg(unix)]
        let ours = std::os::unix::fs::MetadataExt::uid(&meta) == sys::effective_uid();
        #[cfg(not(unix))]
        let ours = true;
        if meta.is_dir() && ours && std::fs::remove_dir_all(entry.path()).is_ok() {
            swept += 1;
        }
    }
    swept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_dir_goes_with_its_files() -> Result<(), String> {
        let base = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = RunDir::create(base.path()).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("x"), b"x").map_err(|e| e.to_string())?;
        let name = dir.path().file_name().and_then(|n| n.to_str()).map(str::to_owned).unwrap_or_default();
        assert_eq!(owner_of(&name), Some(own_identity()));
        assert_eq!(sweep(base.path()), 0, "a live owner's directory stays");
        drop(dir);
        assert_eq!(std::fs::read_dir(base.path()).map(|d| d.count()).ok(), Some(0));
        Ok(())
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dead_or_reused_owners_are_swept() -> Result<(), String> {
        let base = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (pid, started) = own_identity();
        let child = std::process::Command::new("true").spawn().and_then(|mut c| c.wait().map(|_| c.id()));
        let dead = child.map_err(|e| e.to_string())?;
        let names = [
            format!("{RUN_DIR_PREFIX}{dead}-5-0"),
            format!("{RUN_DIR_PREFIX}{pid}-{}-0", started + 1),
            format!("{RUN_DIR_PREFIX}{pid}-{started}-7"),
            "concurrency-lab-run-garbage".to_owned(),
            "unrelated".to_owned(),
        ];
        for name in &names {
            std::fs::create_dir(base.path().join(name)).map_err(|e| e.to_string())?;
            std::fs::write(base.path().join(name).join("f"), b"x").map_err(|e| e.to_string())?;
        }
        assert_eq!(sweep(base.path()), 2);
        let mut left: Vec<String> = std::fs::read_dir(base.path())
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![names[2].clone(), names[3].clone(), names[4].clone()];
        expected.sort();
        assert_eq!(left, expected);
        Ok(())
    }

    #[test]
    fn an_unusable_temp_dir_is_named() {
        let msg = RunDir::create(Path::new("/proc/version/not-a-dir")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("/proc/version/not-a-dir") && msg.contains("TMPDIR"), "{msg}");
    }
}
