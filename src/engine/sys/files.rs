//! Questions about files, descriptors and memory that std does not answer: what a descriptor
//! has open, a file system's longest name and free space, write permission, blocking mode, and
//! the kernel's memory figures.
#![allow(unsafe_code, reason = "FFI to libc; each call is documented where it is made")]

#[cfg(unix)]
use std::io;

/// Device and inode of what the open descriptor `fd` refers to (stdout is 1).
#[cfg(unix)]
pub fn fd_identity(fd: i32) -> Option<(u64, u64)> {
    // SAFETY: stat is plain data; zeroed is a valid value for it.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes into `stat`; a bad descriptor makes it fail with EBADF.
    if unsafe { libc::fstat(fd, &mut stat) } != 0 {
        return None;
    }
    #[allow(clippy::useless_conversion, reason = "dev_t and ino_t are not u64 on every Unix")]
    Some((u64::from(stat.st_dev), u64::from(stat.st_ino)))
}

/// The longest file name the file system at `dir` takes (`pathconf(_PC_NAME_MAX)`), if known.
#[cfg(unix)]
pub fn name_max(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_dir = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c_dir` is a valid NUL-terminated path; pathconf only reads it.
    let max = unsafe { libc::pathconf(c_dir.as_ptr(), libc::_PC_NAME_MAX) };
    u64::try_from(max).ok().filter(|m| *m > 0)
}

/// Whether this process may write to `path` (`access(W_OK)`), for devices and FIFOs.
#[cfg(unix)]
pub fn may_write(path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
    // SAFETY: `c_path` is a valid NUL-terminated path; access only reads it.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

/// Clears `O_NONBLOCK` on an open file, so writes wait as usual (a FIFO opened without
/// blocking, to find out whether anyone reads it).
#[cfg(unix)]
pub fn set_blocking(file: &std::fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL on a descriptor we own reads its flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: F_SETFL with the same flags minus O_NONBLOCK changes only blocking behaviour.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `/proc/meminfo` fields in bytes: (`MemAvailable`, `MemTotal`), when readable.
#[cfg(target_os = "linux")]
pub fn meminfo_bytes() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |key: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
        Some(kib * 1024)
    };
    Some((field("MemAvailable:")?, field("MemTotal:")?))
}

/// Free bytes for an unprivileged user in the file system holding `dir` (`statvfs`).
#[cfg(unix)]
pub fn free_space_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_dir = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data; zeroed is a valid value for it.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_dir` is a valid path and `stat` a writable statvfs.
    if unsafe { libc::statvfs(c_dir.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    #[allow(clippy::useless_conversion, reason = "fsblkcnt_t is not u64 on every Unix")]
    u64::from(stat.f_bavail).checked_mul(u64::from(stat.f_frsize))
}

#[cfg(not(unix))]
pub fn free_space_bytes(_dir: &std::path::Path) -> Option<u64> {
    None
}
