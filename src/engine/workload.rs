//! The work a task does, and [`TaskRunner`], which runs one task the same way on every
//! backend (and inside worker processes): fault injection, panic capture, GIL, cancellation.
//! CPU work goes through `black_box` so the optimizer cannot delete it, and reaches a
//! checkpoint every ~50-100 µs so Stop lands and the GIL changes hands.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use super::cancel::{CancelToken, Cancelled};
use super::config::{Sizes, WorkloadKind};
use super::gil::{Gil, GilGuard};

/// Count primes in 2..=n by trial division (the seeds' algorithm), calling `checkpoint`
/// every 64 candidates.
pub fn count_primes(n: u64, checkpoint: &mut impl FnMut() -> Result<(), Cancelled>) -> Result<u64, Cancelled> {
    let n = std::hint::black_box(n);
    let mut count = 0;
    for candidate in 2..=n {
        if candidate % 64 == 0 {
            checkpoint()?;
        }
        let limit = candidate.isqrt();
        let mut divisor = 2;
        let mut is_prime = true;
        while divisor <= limit {
            if candidate % divisor == 0 {
                is_prime = false;
                break;
            }
            divisor += 1;
        }
        count += u64::from(is_prime);
    }
    Ok(std::hint::black_box(count))
}

/// Below this, `fib` recurses without checkpoints (fib(22) is ~60 µs of work).
const FIB_CHECKPOINT_ABOVE: u64 = 22;

/// Naive recursive Fibonacci, calling `checkpoint` at every call above fib(22).
pub fn fib(n: u64, checkpoint: &mut impl FnMut() -> Result<(), Cancelled>) -> Result<u64, Cancelled> {
    let n = std::hint::black_box(n);
    if n <= FIB_CHECKPOINT_ABOVE {
        return Ok(std::hint::black_box(fib_plain(n)));
    }
    checkpoint()?;
    Ok(fib(n - 1, checkpoint)? + fib(n - 2, checkpoint)?)
}

fn fib_plain(n: u64) -> u64 {
    if n < 2 { n } else { fib_plain(n - 1) + fib_plain(n - 2) }
}

/// Everything needed to run any task of one experiment. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TaskRunner {
    pub kind: WorkloadKind,
    pub sizes: Sizes,
    pub panic_every: u64,
    pub gil: Option<Arc<Gil>>,
    pub cancel: CancelToken,
}

impl TaskRunner {
    /// Whether task `task` is one that fault injection makes panic.
    pub fn panics(&self, task: u64) -> bool {
        self.panic_every > 0 && (task + 1).is_multiple_of(self.panic_every)
    }

    /// Runs task `task` on this thread, blocking. `Ok(true)`: done; `Ok(false)`: it panicked
    /// (caught here, so the run and the app go on); `Err(Cancelled)`: the run was stopped.
    pub fn run_blocking(&self, task: u64) -> Result<bool, Cancelled> {
        let size = self.sizes.for_task(task);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if self.panics(task) {
                panic!("injected panic in task {task} (panic_every = {})", self.panic_every);
            }
            let guard = self.gil.as_deref().map(Gil::acquire);
            self.work(size, guard.as_ref())
        }));
        match outcome {
            Ok(Ok(())) => Ok(true),
            Ok(Err(Cancelled)) => Err(Cancelled),
            Err(_panic) => Ok(false),
        }
    }

    fn work(&self, size: u64, guard: Option<&GilGuard<'_>>) -> Result<(), Cancelled> {
        let mut checkpoint = || {
            if let Some(guard) = guard {
                guard.yield_if_requested();
            }
            self.cancel.check()
        };
        match self.kind {
            WorkloadKind::Primes => count_primes(size, &mut checkpoint).map(drop),
            WorkloadKind::Fib => fib(size, &mut checkpoint).map(drop),
            WorkloadKind::Sleep => {
                let wait = || self.cancel.sleep(Duration::from_millis(size));
                match guard {
                    Some(guard) => guard.released_while(wait),
                    None => wait(),
                }
            }
            WorkloadKind::Noop => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> impl FnMut() -> Result<(), Cancelled> {
        || Ok(())
    }

    #[test]
    fn primes_are_counted() {
        assert_eq!(count_primes(10, &mut never()), Ok(4));
        assert_eq!(count_primes(100, &mut never()), Ok(25));
        assert_eq!(count_primes(100_000, &mut never()), Ok(9592));
        assert_eq!(count_primes(2, &mut never()), Ok(1));
    }

    #[test]
    fn fib_is_fibonacci() {
        assert_eq!(fib(1, &mut never()), Ok(1));
        assert_eq!(fib(10, &mut never()), Ok(55));
        assert_eq!(fib(30, &mut never()), Ok(832_040));
    }

    #[test]
    fn cancellation_stops_cpu_work() {
        let mut calls = 0;
        let mut cancel_after_three = || {
            calls += 1;
            if calls > 3 { Err(Cancelled) } else { Ok(()) }
        };
        assert_eq!(count_primes(10_000_000, &mut cancel_after_three), Err(Cancelled));
        assert_eq!(fib(40, &mut || Err(Cancelled)), Err(Cancelled));
    }

    fn runner(kind: WorkloadKind, size: u64) -> TaskRunner {
        TaskRunner { kind, sizes: Sizes::one(size), panic_every: 0, gil: None, cancel: CancelToken::new() }
    }

    #[test]
    fn injected_panics_are_caught_and_counted() {
        let r = TaskRunner { panic_every: 3, ..runner(WorkloadKind::Noop, 0) };
        let outcomes: Vec<_> = (0..6).map(|t| r.run_blocking(t)).collect();
        assert_eq!(outcomes, vec![Ok(true), Ok(true), Ok(false), Ok(true), Ok(true), Ok(false)]);
    }

    #[test]
    fn panic_releases_the_gil() {
        let r = TaskRunner { panic_every: 1, gil: Some(Arc::new(Gil::default())), ..runner(WorkloadKind::Primes, 100) };
        assert_eq!(r.run_blocking(0), Ok(false));
        let ok = TaskRunner { panic_every: 0, ..r };
        assert_eq!(ok.run_blocking(1), Ok(true));
    }

    #[test]
    fn cancelled_runner_reports_cancelled() {
        let r = runner(WorkloadKind::Sleep, 10_000);
        r.cancel.cancel();
        assert_eq!(r.run_blocking(0), Err(Cancelled));
    }
}
