//! The cancel token: one per run, shared by the caller (the Stop button, a signal) and every
//! place that does work. CPU loops look at it at their checkpoints (one relaxed load). Blocking
//! sleeps wait on a condition variable that [`CancelToken::cancel`] wakes, so a waiting task
//! costs what a sleeping thread costs: no polling. Any other wait (a channel, a server's
//! connections) registers a callback with [`CancelToken::on_cancel`], which `cancel` runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A cheap, cloneable "please stop" flag that wakes whoever waits on it.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken").field("cancelled", &self.is_cancelled()).finish()
    }
}

type Callback = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Inner {
    flag: AtomicBool,
    /// Guards the callbacks, and is the mutex sleepers wait with.
    callbacks: Mutex<Callbacks>,
    wake: Condvar,
}

#[derive(Default)]
struct Callbacks {
    next_id: u64,
    waiting: Vec<(u64, Callback)>,
}

/// Returned by work that stopped because its run was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Callbacks> {
        // Callbacks are only pushed and taken; a panic elsewhere cannot leave them half-done.
        self.callbacks.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: wakes every sleeper and runs every registered callback (once).
    pub fn cancel(&self) {
        if self.inner.flag.swap(true, Ordering::SeqCst) {
            return;
        }
        // Taking the lock after setting the flag closes the gap between a sleeper's check of
        // the flag and its wait: either it sees the flag, or it is already waiting.
        let callbacks = std::mem::take(&mut self.inner.lock().waiting);
        self.inner.wake.notify_all();
        for (_, callback) in callbacks {
            callback();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.flag.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: for `?` in work loops.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() { Err(Cancelled) } else { Ok(()) }
    }

    /// A blocking sleep that ends at once when the token is cancelled. It waits on a
    /// condition variable with a timeout: no wake-ups in between.
    pub fn sleep(&self, duration: Duration) -> Result<(), Cancelled> {
        let deadline = Instant::now() + duration;
        let mut guard = self.inner.lock();
        loop {
            if self.inner.flag.load(Ordering::SeqCst) {
                return Err(Cancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            guard = self.inner.wake.wait_timeout(guard, left).unwrap_or_else(|poisoned| poisoned.into_inner()).0;
        }
    }

    /// Runs `callback` when the token is cancelled (at once if it already is), unless the
    /// returned guard is dropped first. For waits the token cannot wake by itself: a blocking
    /// channel receive gets a message, a server closes its connections.
    #[must_use = "the callback is unregistered when the guard is dropped"]
    pub fn on_cancel(&self, callback: impl FnOnce() + Send + 'static) -> OnCancel {
        let mut callbacks = self.inner.lock();
        if self.inner.flag.load(Ordering::SeqCst) {
            drop(callbacks);
            callback();
            return OnCancel { registered: None };
        }
        let id = callbacks.next_id;
        callbacks.next_id += 1;
        callbacks.waiting.push((id, Box::new(callback)));
        OnCancel { registered: Some((self.inner.clone(), id)) }
    }
}

/// A callback registered with [`CancelToken::on_cancel`]; dropping it unregisters it.
pub struct OnCancel {
    registered: Option<(Arc<Inner>, u64)>,
}

impl std::fmt::Debug for OnCancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnCancel").field("registered", &self.registered.is_some()).finish()
    }
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if let Some((inner, id)) = self.registered.take() {
            // Dropped outside the lock: a callback may own things whose drop takes time.
            let removed = {
                let mut callbacks = inner.lock();
                let index = callbacks.waiting.iter().position(|(i, _)| *i == id);
                index.map(|index| callbacks.waiting.swap_remove(index))
            };
            drop(removed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

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

    #[test]
    fn many_sleepers_wake_together() {
        let token = CancelToken::new();
        let sleepers: Vec<_> = (0..50)
            .map(|_| {
                let token = token.clone();
                std::thread::spawn(move || token.sleep(Duration::from_secs(30)))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        token.cancel();
        for sleeper in sleepers {
            assert_eq!(sleeper.join().ok(), Some(Err(Cancelled)));
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    /// A sleeping thread's CPU clock barely moves: the wait is one timed futex wait, not a loop.
    #[cfg(unix)]
    #[test]
    fn a_sleep_costs_no_cpu() {
        let token = CancelToken::new();
        let before = crate::engine::sys::thread_cpu_secs().unwrap_or(0.0);
        assert_eq!(token.sleep(Duration::from_millis(300)), Ok(()));
        let used = crate::engine::sys::thread_cpu_secs().unwrap_or(0.0) - before;
        assert!(used < 0.005, "a 300 ms sleep used {used} s of CPU");
    }

    #[test]
    fn callbacks_run_once_on_cancel_unless_dropped() {
        let token = CancelToken::new();
        let count = Arc::new(AtomicU32::new(0));
        let counter = |count: &Arc<AtomicU32>| {
            let count = count.clone();
            move || {
                count.fetch_add(1, Ordering::SeqCst);
            }
        };
        let kept = token.on_cancel(counter(&count));
        let dropped = token.on_cancel(counter(&count));
        drop(dropped);
        token.cancel();
        token.cancel();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // Registered after the fact: runs at once.
        let late = token.on_cancel(counter(&count));
        assert_eq!(count.load(Ordering::SeqCst), 2);
        drop((kept, late));
    }
}
