//! Child processes: reaping one with the CPU time the kernel accounted to it, how it ended, the
//! parent-death signal a child asks for, and killing a whole process group.
#![allow(unsafe_code, reason = "FFI to libc; each call is documented where it is made")]

use std::io;

/// How a reaped child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    Code(i32),
    Signal(i32),
}

impl std::fmt::Display for ExitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitKind::Code(code) => write!(f, "exited with code {code}"),
            ExitKind::Signal(signal) => write!(f, "was killed by signal {signal}{}", signal_name(*signal)),
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

/// A reaped child: how it ended and the CPU time the kernel accounted to it. (Not its peak
/// memory: Linux's `ru_maxrss` counts the parent's memory at the moment the child was started,
/// see `engine::memory`.)
#[derive(Clone, Copy, Debug)]
pub struct Reaped {
    pub exit: ExitKind,
    pub cpu_secs: Option<f64>,
}

/// Reaps `child` with `wait4`, which also returns the child's own resource usage.
/// `block = false` returns `Ok(None)` while the child still runs. After `Some`, never touch
/// the child's pid again (it may be reused).
#[cfg(unix)]
pub fn reap_child(child: &mut std::process::Child, block: bool) -> io::Result<Option<Reaped>> {
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value for it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let flags = if block { 0 } else { libc::WNOHANG };
    loop {
        // SAFETY: `status` and `usage` are valid, writable out-parameters for wait4.
        let rc = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if rc == 0 {
            return Ok(None);
        }
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        break;
    }
    let exit = if libc::WIFSIGNALED(status) {
        ExitKind::Signal(libc::WTERMSIG(status))
    } else {
        ExitKind::Code(libc::WEXITSTATUS(status))
    };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Ok(Some(Reaped { exit, cpu_secs: Some(secs(usage.ru_utime) + secs(usage.ru_stime)) }))
}

/// Elsewhere: std's wait, without resource usage.
#[cfg(not(unix))]
pub fn reap_child(child: &mut std::process::Child, block: bool) -> io::Result<Option<Reaped>> {
    let status = if block { Some(child.wait()?) } else { child.try_wait()? };
    Ok(status.map(|s| Reaped { exit: ExitKind::Code(s.code().unwrap_or(-1)), cpu_secs: None }))
}

/// Called first thing in a worker process: die with the parent even if the parent is
/// SIGKILLed (Linux `PR_SET_PDEATHSIG`). "Parent" means the *thread* that spawned us, so the
/// app spawns workers from a thread that outlives them. `expected_parent` closes the race
/// where the parent died before this call: then we have been re-parented, and give up.
/// Setting this in the child (not in a `pre_exec` hook) lets std start workers with the much
/// cheaper `posix_spawn` instead of `fork`. Elsewhere this does nothing; the stdin lifeline
/// still holds.
#[cfg(target_os = "linux")]
pub fn die_with_parent(expected_parent: Option<u32>) -> io::Result<()> {
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and has no memory effects.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: getppid is always safe.
    let parent = unsafe { libc::getppid() };
    match expected_parent {
        Some(expected) if u32::try_from(parent).ok() != Some(expected) => {
            Err(io::Error::other(format!("the app (pid {expected}) exited before this worker started")))
        }
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(_expected_parent: Option<u32>) -> io::Result<()> {
    Ok(())
}

/// Sends SIGKILL to every process of process group `pgid` (a child started with
/// `process_group(0)` leads a group whose id is its pid, and its descendants stay in it unless
/// they leave on purpose). A group that is already gone is not an error. Call it before the
/// leader is reaped: until then its pid, and so the group's id, cannot be reused.
#[cfg(unix)]
pub fn kill_process_group(pgid: u32) -> io::Result<()> {
    let pgid = libc::pid_t::try_from(pgid).map_err(io::Error::other)?;
    if pgid <= 1 {
        return Err(io::Error::other(format!("refusing to signal process group {pgid}")));
    }
    // SAFETY: killpg only sends a signal; it has no memory effects.
    if unsafe { libc::killpg(pgid, libc::SIGKILL) } != 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            return Err(err);
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn kill_process_group(_pgid: u32) -> io::Result<()> {
    Ok(())
}

/// Whether child `pid` has exited, without reaping it (its pid, and a process group it
/// leads, stay reserved until [`reap_child`]).
#[cfg(target_os = "linux")]
pub fn child_has_exited(pid: u32) -> io::Result<bool> {
    let id = libc::id_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: siginfo_t is plain old data; zeroed is a valid value for it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid, writable siginfo_t; WNOWAIT leaves the child waitable.
    let rc = unsafe { libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: after a successful waitid, si_pid is 0 when no child had exited yet.
    Ok(unsafe { info.si_pid() } != 0)
}

#[cfg(not(target_os = "linux"))]
pub fn child_has_exited(_pid: u32) -> io::Result<bool> {
    Ok(false)
}
