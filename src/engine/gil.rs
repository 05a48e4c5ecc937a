//! An emulated Global Interpreter Lock, modelled on CPython's `Python/ceval_gil.c` with
//! `FORCE_SWITCHING`: CPU work must hold the lock; a thread that has waited one switch
//! interval (5 ms) without the lock changing hands sets a drop request; the holder checks the
//! request at its checkpoints (every ~50-100 µs of work), hands the lock over, and waits until
//! another thread has taken it before it competes again. Waiting for I/O releases the lock.
//! One `Gil` per process: threads of a run share it, each worker process has its own. Every
//! change of hands is recorded (see [`super::gil_holds`]), so the timeline can show who held it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::gil_holds::{HoldRecorder, MAX_GIL_HOLDS, RawHold};
use super::{lane, sys};

/// CPython's default `sys.getswitchinterval()`.
pub const SWITCH_INTERVAL: Duration = Duration::from_millis(5);

#[derive(Debug)]
struct State {
    locked: bool,
    /// Bumped on every acquisition, so a waiter can tell "held all along" from "changed hands".
    switch_number: u64,
    /// Who held the lock when, written only as it changes hands.
    holds: HoldRecorder,
}

#[derive(Debug)]
pub struct Gil {
    state: Mutex<State>,
    /// Signalled when the lock is released.
    released: Condvar,
    /// Signalled when the lock is taken (a forced dropper waits on this).
    taken: Condvar,
    drop_request: AtomicBool,
    interval: Duration,
}

impl Default for Gil {
    fn default() -> Self {
        Self::new(SWITCH_INTERVAL)
    }
}

impl Gil {
    pub fn new(interval: Duration) -> Self {
        Self {
            state: Mutex::new(State { locked: false, switch_number: 0, holds: HoldRecorder::new(MAX_GIL_HOLDS) }),
            released: Condvar::new(),
            taken: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval,
        }
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // The state is two plain fields that are always consistent; a poisoned lock (a panic
        // while it was held, which no code here can cause) is safe to keep using.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Blocks until this thread holds the lock.
    pub fn acquire(&self) -> GilGuard<'_> {
        self.take();
        GilGuard { gil: self }
    }

    fn take(&self) {
        let mut state = self.lock_state();
        while state.locked {
            let seen = state.switch_number;
            let (next, timeout) =
                self.released.wait_timeout(state, self.interval).unwrap_or_else(|poisoned| poisoned.into_inner());
            state = next;
            if timeout.timed_out() && state.locked && state.switch_number == seen {
                // Waited a whole interval and nobody switched: ask the holder to let go.
                self.drop_request.store(true, Ordering::Relaxed);
            }
        }
        state.locked = true;
        state.switch_number = state.switch_number.wrapping_add(1);
        state.holds.acquired(lane::current(), sys::monotonic_nanos());
        self.drop_request.store(false, Ordering::Relaxed);
        self.taken.notify_all();
    }

    /// The holds recorded since the last call (lanes as the holders' threads set them), and
    /// how many did not fit in the recorder.
    pub fn take_holds(&self) -> (Vec<RawHold>, u64) {
        self.lock_state().holds.take()
    }

    /// Releases the lock. With `forced`, waits until another thread has taken it, so the
    /// dropper cannot immediately win it back (CPython's FORCE_SWITCHING).
    fn release(&self, forced: bool) {
        let mut state = self.lock_state();
        state.holds.released(sys::monotonic_nanos());
        state.locked = false;
        let released_at = state.switch_number;
        self.released.notify_one();
        if forced {
            while state.switch_number == released_at {
                // Bounded wait: if the waiter gave up (its run was cancelled), carry on.
                let (next, timeout) =
                    self.taken.wait_timeout(state, self.interval).unwrap_or_else(|poisoned| poisoned.into_inner());
                state = next;
                if timeout.timed_out() {
                    break;
                }
            }
        }
    }
}

/// Proof that this thread holds the GIL; released on drop (also on unwind).
#[derive(Debug)]
pub struct GilGuard<'a> {
    gil: &'a Gil,
}

impl GilGuard<'_> {
    /// A checkpoint in CPU work: hands the lock over if another thread asked for it.
    #[inline]
    pub fn yield_if_requested(&self) {
        if self.gil.drop_request.load(Ordering::Relaxed) {
            self.gil.release(true);
            self.gil.take();
        }
    }

    /// Runs `wait` without the lock, as CPython does around blocking I/O and `time.sleep`.
    pub fn released_while<T>(&self, wait: impl FnOnce() -> T) -> T {
        self.gil.release(false);
        let out = wait();
        self.gil.take();
        out
    }
}

impl Drop for GilGuard<'_> {
    fn drop(&mut self) {
        self.gil.release(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use std::time::Instant;

    /// Spins for `millis` of wall time while holding the lock, with checkpoints.
    fn busy(gil: &Gil, millis: u64, counter: &AtomicU64) {
        let guard = gil.acquire();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(millis) {
            counter.fetch_add(1, Ordering::Relaxed);
            for _ in 0..200 {
                std::hint::black_box(0u64);
            }
            guard.yield_if_requested();
        }
    }

    #[test]
    fn only_one_holder_at_a_time() {
        let gil = Arc::new(Gil::default());
        let inside = Arc::new(AtomicU64::new(0));
        let max_inside = Arc::new(AtomicU64::new(0));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (gil, inside, max_inside) = (gil.clone(), inside.clone(), max_inside.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _guard = gil.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        max_inside.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().is_ok());
        }
        assert_eq!(max_inside.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn forced_switching_lets_a_waiter_in() {
        // Thread A spins for 200 ms; thread B must get turns long before A finishes.
        let gil = Arc::new(Gil::default());
        let a_count = Arc::new(AtomicU64::new(0));
        let b_done_at = Arc::new(Mutex::new(None));
        let start = Instant::now();
        let a = {
            let (gil, a_count) = (gil.clone(), a_count.clone());
            std::thread::spawn(move || busy(&gil, 200, &a_count))
        };
        std::thread::sleep(Duration::from_millis(10));
        let b = {
            let (gil, b_done_at) = (gil.clone(), b_done_at.clone());
            std::thread::spawn(move || {
                let _guard = gil.acquire();
                if let Ok(mut slot) = b_done_at.lock() {
                    *slot = Some(start.elapsed());
                }
            })
        };
        assert!(a.join().is_ok() && b.join().is_ok());
        let b_at = b_done_at.lock().ok().and_then(|s| *s).unwrap_or(Duration::MAX);
        assert!(b_at < Duration::from_millis(150), "B waited {b_at:?} for a 200 ms holder");
    }

    #[test]
    fn two_busy_threads_take_turns_and_their_holds_never_overlap() {
        let gil = Arc::new(Gil::default());
        let counter = Arc::new(AtomicU64::new(0));
        let handles: Vec<_> = (0..2u32)
            .map(|lane| {
                let (gil, counter) = (gil.clone(), counter.clone());
                std::thread::spawn(move || {
                    lane::set(lane);
                    busy(&gil, 80, &counter);
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().is_ok());
        }
        let (holds, dropped) = gil.take_holds();
        assert_eq!(dropped, 0);
        for lane in 0..2 {
            let turns = holds.iter().filter(|h| h.lane == lane).count();
            assert!(turns >= 2, "lane {lane} held the lock {turns} time(s): {holds:?}");
        }
        for pair in holds.windows(2) {
            assert!(pair[0].start_nanos <= pair[0].end_nanos, "{pair:?}");
            assert!(pair[0].end_nanos <= pair[1].start_nanos, "holds overlap: {pair:?}");
        }
        assert_eq!(gil.take_holds(), (vec![], 0), "taken once");
    }

    #[test]
    fn one_thread_doing_task_after_task_is_one_hold() {
        let gil = Gil::default();
        for _ in 0..100 {
            drop(gil.acquire());
        }
        let (holds, _) = gil.take_holds();
        // One hold, unless the thread was preempted between two tasks (a busy machine).
        assert!(!holds.is_empty() && holds.len() < 10, "100 back-to-back tasks, {} holds", holds.len());
    }

    #[test]
    fn released_while_waiting() {
        let gil = Arc::new(Gil::default());
        let guard = gil.acquire();
        let other = {
            let gil = gil.clone();
            std::thread::spawn(move || drop(gil.acquire()))
        };
        guard.released_while(|| std::thread::sleep(Duration::from_millis(20)));
        drop(guard);
        assert!(other.join().is_ok());
    }
}
