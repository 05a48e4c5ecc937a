//! The cancel token: one per run, shared by the caller (Stop button, Ctrl+C) and every place
//! that does work. CPU loops poll it; blocking waits sleep in short slices and poll it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A cheap, cloneable "please stop" flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

/// Returned by work that stopped because its run was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// The longest a blocking wait sleeps before it looks at the token again.
const POLL_SLICE: Duration = Duration::from_millis(20);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: for `?` in work loops.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() { Err(Cancelled) } else { Ok(()) }
    }

    /// A blocking sleep that wakes within [`POLL_SLICE`] of a cancel.
    pub fn sleep(&self, duration: Duration) -> Result<(), Cancelled> {
        let deadline = Instant::now() + duration;
        loop {
            self.check()?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(POLL_SLICE));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_returns_early_when_cancelled() {
        let token = CancelToken::new();
        let remote = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            remote.cancel();
        });
        let start = Instant::now();
        assert_eq!(token.sleep(Duration::from_secs(10)), Err(Cancelled));
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(canceller.join().is_ok());
    }

    #[test]
    fn sleep_runs_its_course_otherwise() {
        let token = CancelToken::new();
        let start = Instant::now();
        assert_eq!(token.sleep(Duration::from_millis(25)), Ok(()));
        assert!(start.elapsed() >= Duration::from_millis(25));
    }
}
