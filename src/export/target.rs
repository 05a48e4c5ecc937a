//! What an output path names, looked at before a run so that a bad path costs no work, and
//! again just before writing (it may have changed meanwhile). Symlinks are followed to their
//! target (the link stays a link). A regular file, or a path where nothing is yet, is
//! replaced atomically ([`super::atomic`]); a FIFO or a device is written in place; a
//! directory, a socket, a missing or non-directory parent, a name longer than the file system
//! takes, or a read-only file are refused with the reason.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// How many symlinks a path may pass through (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// What is at an output path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file to replace (`Some`: its mode and owner are kept) or a new one.
    File(Option<Existing>),
    /// A FIFO, a device, or an open file named through `/proc/self/fd` or `/dev/fd`: written
    /// in place (appended to, for a regular file reached that way).
    Stream { append: bool },
}

/// An existing regular file's mode bits and owner, which its replacement keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Existing {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Where two outputs would land the same (one of them would be lost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// An existing file system object: device and inode.
    Inode(u64, u64),
    /// A file still to be made: its directory's canonical path and its name.
    NewPath(PathBuf),
}

/// An output path, looked at.
#[derive(Clone, Debug)]
pub struct Target {
    /// Where the bytes go: the path with every symlink followed.
    pub path: PathBuf,
    pub kind: Kind,
    pub identity: Identity,
    /// A character device (a terminal, `/dev/null`): writing to it twice loses nothing.
    pub char_device: bool,
}

/// Looks at `path` and says how it would be written, or why it can't be.
pub fn inspect(path: &Path) -> anyhow::Result<Target> {
    if path.as_os_str().is_empty() {
        bail!("the path is empty");
    }
    let resolved = resolve(path)?;
    let fd_link = is_fd_link(&resolved);
    let meta = match std::fs::metadata(&resolved) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !fd_link => return new_file(path, resolved),
        Err(e) => return Err(explain(&resolved, e)),
    };
    let file_type = meta.file_type();
    if file_type.is_dir() {
        bail!("{} is a directory", shown(path, &resolved));
    }
    let identity = inode(&meta);
    if file_type.is_file() && !fd_link {
        if !writable(&resolved) {
            bail!("{} is read-only", shown(path, &resolved));
        }
        let dir = parent_of(&resolved);
        probe_dir(&dir)?;
        return Ok(Target { path: resolved, kind: Kind::File(Some(existing(&meta))), identity, char_device: false });
    }
    let (stream, char_device) = stream_kind(&meta);
    // Through /proc/self/fd or /dev/fd: whatever the descriptor has open (a pipe, a socket
    // under a service manager), written as it is.
    if !(stream || fd_link) {
        bail!(
            "{} is a socket or another special file; an export goes to a regular file, a new \
             path, a FIFO, a device or - (stdout)",
            shown(path, &resolved)
        );
    }
    if !writable(&resolved) {
        bail!("{}: permission denied", shown(path, &resolved));
    }
    let append = file_type.is_file();
    Ok(Target { path: resolved, kind: Kind::Stream { append }, identity, char_device })
}

/// "out.json" or "out.json (→ /data/out.json)" when a symlink was followed.
fn shown(path: &Path, resolved: &Path) -> String {
    if path == resolved {
        path.display().to_string()
    } else {
        format!("{} (→ {})", path.display(), resolved.display())
    }
}

/// Follows symlinks in the last component until something else (or nothing) is there. A
/// link in `/proc/*/fd/` or `/dev/fd/` names an open file and is kept as it is.
fn resolve(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(explain(&current, e)),
        };
        if !meta.file_type().is_symlink() || is_fd_link(&current) {
            return Ok(current);
        }
        let link =
            std::fs::read_link(&current).with_context(|| format!("cannot read the link {}", current.display()))?;
        current = if link.is_absolute() { link } else { parent_of(&current).join(link) };
    }
    bail!("{}: too many levels of symbolic links", path.display())
}

/// `/proc/<pid>/fd/N` or `/dev/fd/N`: a name for a descriptor this process has open.
fn is_fd_link(path: &Path) -> bool {
    let Some(dir) = path.parent() else { return false };
    dir == Path::new("/dev/fd")
        || (dir.file_name().is_some_and(|n| n == "fd")
            && dir.parent().and_then(Path::parent) == Some(Path::new("/proc")))
}

/// The directory holding `path` ("." for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A path where nothing is yet: its directory must exist, take new files, and take the name.
fn new_file(path: &Path, resolved: PathBuf) -> anyhow::Result<Target> {
    let text = path.as_os_str().to_string_lossy();
    if text.ends_with('/') || text.ends_with("/.") {
        bail!("{} names a directory; give a file name", path.display());
    }
    let Some(name) = resolved.file_name() else { bail!("{} names no file", path.display()) };
    let dir = parent_of(&resolved);
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => bail!("{} is not a directory", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!("directory {} does not exist", dir.display()),
        Err(e) => return Err(explain(&dir, e)),
    }
    let name_bytes = name.as_encoded_bytes().len() as u64;
    if let Some(max) = name_max(&dir)
        && name_bytes > max
    {
        bail!("the file name in {} is {name_bytes} bytes, longer than the {max} its file system takes", path.display());
    }
    probe_dir(&dir)?;
    let canonical_dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let identity = Identity::NewPath(canonical_dir.join(name));
    Ok(Target { path: resolved, kind: Kind::File(None), identity, char_device: false })
}

/// Checks that `dir` takes a new file (what the atomic replace needs), leaving nothing.
fn probe_dir(dir: &Path) -> anyhow::Result<()> {
    tempfile::Builder::new()
        .prefix(".concurrency-lab-probe-")
        .tempfile_in(dir)
        .and_then(|probe| probe.close())
        .with_context(|| format!("cannot write to directory {}", dir.display()))
}

/// An OS error on `path` in words a user can act on.
fn explain(path: &Path, e: std::io::Error) -> anyhow::Error {
    #[cfg(unix)]
    {
        let why = match e.raw_os_error() {
            Some(libc::ENOTDIR) => Some("a component of the path is not a directory"),
            Some(libc::ENAMETOOLONG) => Some("the path or a name in it is too long"),
            Some(libc::ELOOP) => Some("too many levels of symbolic links"),
            Some(libc::EACCES) => Some("permission denied"),
            _ => None,
        };
        if let Some(why) = why {
            return anyhow::anyhow!("{}: {why}", path.display());
        }
    }
    anyhow::Error::new(e).context(format!("cannot look at {}", path.display()))
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity::Inode(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn inode(_meta: &std::fs::Metadata) -> Identity {
    Identity::NewPath(PathBuf::new())
}

#[cfg(unix)]
fn existing(meta: &std::fs::Metadata) -> Existing {
    use std::os::unix::fs::MetadataExt;
    Existing { mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid() }
}

#[cfg(not(unix))]
fn existing(_meta: &std::fs::Metadata) -> Existing {
    Existing { mode: 0o644, uid: 0, gid: 0 }
}

/// `(written in place, a character device)` for FIFOs and devices.
#[cfg(unix)]
fn stream_kind(meta: &std::fs::Metadata) -> (bool, bool) {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    (t.is_fifo() || t.is_char_device() || t.is_block_device(), t.is_char_device())
}

#[cfg(not(unix))]
fn stream_kind(_meta: &std::fs::Metadata) -> (bool, bool) {
    (false, false)
}

#[cfg(unix)]
fn writable(path: &Path) -> bool {
    crate::engine::may_write(path)
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

#[cfg(unix)]
fn name_max(dir: &Path) -> Option<u64> {
    crate::engine::name_max(dir)
}

#[cfg(not(unix))]
fn name_max(_dir: &Path) -> Option<u64> {
    Some(255)
}
