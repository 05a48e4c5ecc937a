//! Thin, safe wrappers over the few OS calls the engine needs: the monotonic clock shared by
//! every process of a run, per-thread CPU clocks, page size, process identity (pid and start
//! time), and reaping a child with its own resource usage; `signals` routes the stop signals,
//! `files` answers questions about files and memory. Every `unsafe` block of the engine lives
//! here and in those two, each with its reason.
#![allow(unsafe_code, reason = "FFI to libc; each call is documented where it is made")]

mod files;
mod signals;

pub use files::*;
pub use signals::*;

use std::io;

/// Nanoseconds on a monotonic clock that every process on this machine shares (Linux and
/// other Unixes: `CLOCK_MONOTONIC`), so a worker process's timestamps line up with ours.
#[cfg(unix)]
pub fn monotonic_nanos() -> u64 {
    clock_nanos(libc::CLOCK_MONOTONIC).unwrap_or(0)
}

/// Elsewhere: nanoseconds since this process first asked. Worker processes then have their
/// own epoch, so process spans are approximate there.
#[cfg(not(unix))]
pub fn monotonic_nanos() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// CPU time (user + system) consumed so far by the calling thread, in seconds.
#[cfg(unix)]
pub fn thread_cpu_secs() -> Option<f64> {
    clock_nanos(libc::CLOCK_THREAD_CPUTIME_ID).map(|ns| ns as f64 / 1e9)
}

#[cfg(not(unix))]
pub fn thread_cpu_secs() -> Option<f64> {
    None
}

#[cfg(unix)]
fn clock_nanos(clock: libc::clockid_t) -> Option<u64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes into it.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return None;
    }
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u64::try_from(ts.tv_nsec).ok()?;
    Some(secs * 1_000_000_000 + nanos)
}

/// The soft `RLIMIT_NPROC` (processes + threads per user), or `None` when unlimited.
#[cfg(unix)]
pub fn process_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a valid, writable rlimit struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
    if rc != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::useless_conversion, reason = "rlim_t is not u64 on every Unix")]
    u64::try_from(limit.rlim_cur).ok()
}

#[cfg(not(unix))]
pub fn process_limit() -> Option<u64> {
    None
}

/// The hard limit on open files (`RLIMIT_NOFILE`): as far as the soft limit can be raised.
/// `None` when unlimited or unknown.
#[cfg(unix)]
pub fn open_files_hard_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a valid, writable rlimit struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if rc != 0 || limit.rlim_max == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::useless_conversion, reason = "rlim_t is not u64 on every Unix")]
    u64::try_from(limit.rlim_max).ok()
}

#[cfg(not(unix))]
pub fn open_files_hard_limit() -> Option<u64> {
    None
}

/// Raises the soft limit on open files (`RLIMIT_NOFILE`) to the hard limit, as servers do,
/// and returns the soft limit now in force (`None`: unlimited or unknown). An HTTP run with a
/// thousand connections needs two thousand descriptors: a client end and a server end each.
#[cfg(unix)]
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a valid, writable rlimit struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: `raised` is a valid rlimit; raising the soft limit up to the hard one needs
        // no privilege. On failure the old limit stays in force.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::useless_conversion, reason = "rlim_t is not u64 on every Unix")]
    u64::try_from(limit.rlim_cur).ok()
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() -> Option<u64> {
    None
}

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

/// Turns transparent huge pages off for this process and the processes it starts (Linux
/// `PR_SET_THP_DISABLE`). The allocator asks for huge pages, and with them every thread's first
/// allocation makes 2 MiB resident: a run of 1,000 threads would report half a gigabyte that is
/// the allocator's, not the workload's, and a worker would spend its start-up zeroing pages.
#[cfg(target_os = "linux")]
pub fn disable_transparent_huge_pages() -> std::io::Result<()> {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and has no memory effects.
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn disable_transparent_huge_pages() -> std::io::Result<()> {
    Ok(())
}

/// Lowers the calling thread's scheduling priority by `delta` nice steps (Linux: nice is
/// per thread and inherited by the threads and processes it creates). The GUI runs
/// experiments this way so that a run saturating every core still leaves the window responsive.
#[cfg(target_os = "linux")]
pub fn lower_thread_priority(delta: i32) -> std::io::Result<()> {
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };
    // SAFETY: getpriority/setpriority read and set the nice value of the thread `tid`, which is
    // the calling thread; errno is cleared first because -1 is a valid priority.
    unsafe {
        *libc::__errno_location() = 0;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
        if current == -1 && *libc::__errno_location() != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, (current + delta).min(19)) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn lower_thread_priority(_delta: i32) -> std::io::Result<()> {
    Ok(())
}

/// When process `pid` started (Linux: clock ticks since boot, from `/proc/<pid>/stat`), or
/// `None` when no such process is running (a zombie counts as gone). Together with the pid
/// it names one process for good: a pid reused by a later process has another start time.
#[cfg(target_os = "linux")]
pub fn process_started_at(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; the fields after it do not.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // `starttime` is field 22 of the whole line, the 20th after the command name.
    fields.nth(18)?.parse().ok()
}

/// Elsewhere on Unix: `Some(0)` while a process with this pid exists.
#[cfg(all(unix, not(target_os = "linux")))]
pub fn process_started_at(pid: u32) -> Option<u64> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    let exists = rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists.then_some(0)
}

#[cfg(not(unix))]
pub fn process_started_at(_pid: u32) -> Option<u64> {
    Some(0)
}

/// The effective user id (Unix), to tell our own leftovers from another user's.
#[cfg(unix)]
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_clock_moves_forward() {
        let a = monotonic_nanos();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = monotonic_nanos();
        assert!(b > a + 1_000_000, "{a} -> {b}");
    }

    #[cfg(unix)]
    #[test]
    fn thread_cpu_clock_counts_only_work() {
        let clock = || thread_cpu_secs().expect("a thread CPU clock on Unix");
        let before = clock();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let slept = clock() - before;
        assert!(slept < 0.01, "sleeping used {slept} s of CPU");
        // Work moves the clock, however busy the machine is (the wall-clock deadline is only a
        // guard against a clock that never moves).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        while clock() - before < slept + 0.02 {
            assert!(std::time::Instant::now() < deadline, "20 s of spinning did not use 20 ms of CPU");
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn start_times_name_a_process() {
        let me = process_started_at(std::process::id());
        assert!(me.is_some_and(|t| t > 0), "{me:?}");
        assert_eq!(process_started_at(std::process::id()), me, "stable");
        let Ok(mut child) = std::process::Command::new("true").spawn() else { return };
        let pid = child.id();
        let _ = child.wait();
        assert_eq!(process_started_at(pid), None, "a reaped child is gone");
    }

    #[cfg(unix)]
    #[test]
    fn reap_reports_exit_code() {
        let mut child = std::process::Command::new("sh").args(["-c", "exit 3"]).spawn().expect("sh runs");
        let reaped = reap_child(&mut child, true).ok().flatten();
        assert_eq!(reaped.map(|r| r.exit), Some(ExitKind::Code(3)));
    }
}
