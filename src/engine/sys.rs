//! Thin, safe wrappers over the few OS calls the engine needs: the monotonic clock shared by
//! every process of a run, per-thread CPU clocks, page size, process identity (pid and start
//! time); `children` reaps a child with its own resource usage and kills process groups,
//! `signals` routes the stop signals, `files` answers questions about files and memory. Every
//! `unsafe` block of the engine lives here and in those three, each with its reason.
#![allow(unsafe_code, reason = "FFI to libc; each call is documented where it is made")]

mod children;
mod files;
mod signals;

pub use children::*;
pub use files::*;
pub use signals::*;

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

/// CPU time (user + system) consumed so far by this whole process (every thread, live or
/// ended; not its children), in seconds.
#[cfg(unix)]
pub fn process_cpu_secs() -> Option<f64> {
    clock_nanos(libc::CLOCK_PROCESS_CPUTIME_ID).map(|ns| ns as f64 / 1e9)
}

#[cfg(not(unix))]
pub fn process_cpu_secs() -> Option<f64> {
    None
}

/// The kernel's id of the calling thread (Linux: `gettid`, the name of its `/proc/self/task`
/// entry); `None` elsewhere.
#[cfg(target_os = "linux")]
pub fn current_thread_id() -> Option<u32> {
    // SAFETY: gettid takes no arguments and cannot fail.
    let tid = unsafe { libc::gettid() };
    u32::try_from(tid).ok()
}

#[cfg(not(target_os = "linux"))]
pub fn current_thread_id() -> Option<u32> {
    None
}

/// Clock ticks per second of `/proc`'s CPU times (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
#[cfg(unix)]
pub fn clock_ticks_per_sec() -> Option<u64> {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0)
}

#[cfg(not(unix))]
pub fn clock_ticks_per_sec() -> Option<u64> {
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
    let exists = rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
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
