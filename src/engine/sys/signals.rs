//! The stop signals: routed to a thread of their own in the app (so a stop writes the partial
//! result), ignored in worker processes (which obey the app alone).
#![allow(unsafe_code, reason = "FFI to libc; each call is documented where it is made")]

#[cfg(unix)]
use std::io;

/// The signals a user's system sends to stop a program: Ctrl+C in a terminal (`SIGINT`, to the
/// whole foreground process group), a service manager or `timeout` (`SIGTERM`), a closed
/// terminal (`SIGHUP`).
#[cfg(unix)]
pub const STOP_SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Routes the stop signals to `on_signal` on a thread of their own (`lab-signals`), instead
/// of their default action (ending the process at once, without the partial result). They
/// are blocked in the calling thread, and so in every thread it starts afterwards: call this
/// before starting any thread. Child processes start with an empty signal mask (std resets it).
#[cfg(unix)]
pub fn route_stop_signals(on_signal: impl Fn(i32) + Send + 'static) -> io::Result<()> {
    let set = stop_signal_set()?;
    // SAFETY: `set` is an initialized signal set; the old mask is not asked for.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    std::thread::Builder::new().name("lab-signals".to_owned()).spawn(move || {
        loop {
            let mut signal: libc::c_int = 0;
            // SAFETY: `set` is initialized and `signal` is a valid out-parameter; every signal
            // in `set` is blocked in every thread, so sigwait is the one that receives them.
            let rc = unsafe { libc::sigwait(&set, &mut signal) };
            if rc == 0 {
                on_signal(signal);
            }
        }
    })?;
    Ok(())
}

#[cfg(unix)]
fn stop_signal_set() -> io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain data; sigemptyset initializes it before any other use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable sigset_t.
    if unsafe { libc::sigemptyset(&mut set) } != 0 {
        return Err(io::Error::last_os_error());
    }
    for signal in STOP_SIGNALS {
        // SAFETY: `set` was initialized by sigemptyset; `signal` is a valid signal number.
        if unsafe { libc::sigaddset(&mut set, signal) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(set)
}

/// Called first thing in a worker process: ignore the stop signals. A worker obeys its app
/// alone (which kills and reaps it on stop); a terminal's Ctrl+C or a service manager's SIGTERM
/// to every process must not kill it first and turn a stop into a "worker died" failure. If
/// the app dies, `PR_SET_PDEATHSIG` (SIGKILL, not ignorable) and the stdin lifeline end it.
#[cfg(unix)]
pub fn ignore_stop_signals() {
    for signal in STOP_SIGNALS {
        // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
}

#[cfg(not(unix))]
pub fn ignore_stop_signals() {}
