//! The work a task does, and [`TaskRunner`], which runs one task the same way on every
//! backend (and inside worker processes): fault injection, panic capture, GIL, cancellation.
//! CPU work goes through `black_box` so the optimizer cannot delete it, and reaches a
//! checkpoint every ~50-100 µs so Stop lands and the GIL changes hands. A task may do its
//! work in several steps (the interleaving probe); every step start is logged when asked.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use super::cancel::{CancelToken, Cancelled};
use super::config::{Sizes, WorkloadKind};
use super::error::{IoError, TaskError, WorkerError};
use super::gil::{Gil, GilGuard};
use super::io::IoTargets;
use super::kinds::CpuWork;
use super::task_log::TaskLog;

mod cpu;

#[cfg(test)]
use self::cpu::DIVISIONS_PER_CHECKPOINT;
pub use self::cpu::{count_primes, fib};

/// Why a task (or one step of it) did not finish.
#[derive(Debug)]
pub enum TaskFailure {
    /// The run was stopped.
    Cancelled,
    /// It failed (its I/O, or the thread or process its blocking part was sent to).
    Failed(TaskError),
}

impl From<Cancelled> for TaskFailure {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

impl From<TaskError> for TaskFailure {
    fn from(error: TaskError) -> Self {
        Self::Failed(error)
    }
}

impl From<IoError> for TaskFailure {
    fn from(error: IoError) -> Self {
        Self::Failed(error.into())
    }
}

impl From<WorkerError> for TaskFailure {
    fn from(error: WorkerError) -> Self {
        Self::Failed(error.into())
    }
}

/// Everything needed to run any task of one experiment. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TaskRunner {
    pub kind: WorkloadKind,
    pub sizes: Sizes,
    pub panic_every: u64,
    pub gil: Option<Arc<Gil>>,
    pub cancel: CancelToken,
    /// Each task does its work this many times, yielding between steps.
    pub steps: u32,
    /// The I/O wait of a `mixed` task.
    pub io_wait_millis: u64,
    pub io: Arc<IoTargets>,
    pub log: Arc<TaskLog>,
}

impl TaskRunner {
    /// A runner with one step, no GIL, no fault injection and no I/O targets.
    pub fn new(kind: WorkloadKind, sizes: Sizes, cancel: CancelToken) -> Self {
        Self {
            kind,
            sizes,
            panic_every: 0,
            gil: None,
            cancel,
            steps: 1,
            io_wait_millis: 0,
            io: Arc::new(IoTargets::default()),
            log: Arc::new(TaskLog::default()),
        }
    }

    /// Whether task `task` is one that fault injection makes panic.
    pub fn panics(&self, task: u64) -> bool {
        self.panic_every > 0 && (task + 1).is_multiple_of(self.panic_every)
    }

    /// Panics if fault injection says so (call inside `catch_unwind`).
    pub fn inject_panic(&self, task: u64) {
        if self.panics(task) {
            panic!("injected panic in task {task} (panic_every = {})", self.panic_every);
        }
    }

    /// Runs task `task` on this thread, blocking. `Ok(true)`: done; `Ok(false)`: it panicked
    /// or its I/O failed (caught here, so the run and the app go on; the error is logged);
    /// `Err(Cancelled)`: the run was stopped.
    pub fn run_blocking(&self, task: u64) -> Result<bool, Cancelled> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.inject_panic(task);
            for step in 0..self.steps {
                if step > 0 {
                    std::thread::yield_now();
                }
                self.log.step(task, step);
                self.step_blocking(task)?;
            }
            Ok(())
        }));
        self.settle(task, outcome.ok())
    }

    /// Turns a task's outcome (`None`: it panicked) into what the backends record. I/O that
    /// failed because the run was stopped (Stop closes the run's server) counts as stopped.
    pub fn settle(&self, task: u64, outcome: Option<Result<(), TaskFailure>>) -> Result<bool, Cancelled> {
        match outcome {
            Some(Ok(())) => Ok(true),
            Some(Err(TaskFailure::Cancelled)) => Err(Cancelled),
            Some(Err(TaskFailure::Failed(_))) if self.cancel.is_cancelled() => Err(Cancelled),
            Some(Err(TaskFailure::Failed(error))) => {
                self.log.error(task, &error.to_string());
                Ok(false)
            }
            None => Ok(false),
        }
    }

    /// One step of a task on a plain thread: CPU parts hold the GIL, every wait releases it.
    fn step_blocking(&self, task: u64) -> Result<(), TaskFailure> {
        let size = self.sizes.for_task(task);
        let guard = self.gil.as_deref().map(Gil::acquire);
        let released = |wait: &dyn Fn() -> Result<(), TaskFailure>| match guard.as_ref() {
            Some(guard) => guard.released_while(wait),
            None => wait(),
        };
        match self.kind {
            WorkloadKind::Primes | WorkloadKind::Fib => self.cpu(size, guard.as_ref()),
            WorkloadKind::Sleep | WorkloadKind::BlockingSleep => released(&|| self.sleep_blocking(size)),
            WorkloadKind::Noop => Ok(()),
            WorkloadKind::Http => released(&|| Ok(self.io.get_blocking(size)?)),
            WorkloadKind::File => released(&|| self.io.file_blocking(size, &self.cancel)),
            WorkloadKind::Mixed => {
                self.cpu(size, guard.as_ref())?;
                released(&|| self.sleep_blocking(self.io_wait_millis))
            }
        }
    }

    /// The part of one step that blocks its thread, as an event loop hands it to
    /// `to_thread` or a process pool: the CPU work (holding the GIL), or the blocking sleep
    /// of `blocking-sleep`. Nothing for pure I/O workloads.
    pub fn blocking_part(&self, task: u64) -> Result<(), TaskFailure> {
        let size = self.sizes.for_task(task);
        match self.kind {
            WorkloadKind::Primes | WorkloadKind::Fib | WorkloadKind::Mixed => {
                let guard = self.gil.as_deref().map(Gil::acquire);
                self.cpu(size, guard.as_ref())
            }
            WorkloadKind::BlockingSleep => {
                let guard = self.gil.as_deref().map(Gil::acquire);
                match guard {
                    Some(guard) => guard.released_while(|| self.sleep_blocking(size)),
                    None => self.sleep_blocking(size),
                }
            }
            WorkloadKind::Sleep | WorkloadKind::Noop | WorkloadKind::Http | WorkloadKind::File => Ok(()),
        }
    }

    fn sleep_blocking(&self, millis: u64) -> Result<(), TaskFailure> {
        Ok(self.cancel.sleep(Duration::from_millis(millis))?)
    }

    /// The CPU work of this workload's row at `size` (primes for `mixed`), with GIL and cancel
    /// checkpoints.
    fn cpu(&self, size: u64, guard: Option<&GilGuard<'_>>) -> Result<(), TaskFailure> {
        let mut checkpoint = || {
            if let Some(guard) = guard {
                guard.yield_if_requested();
            }
            self.cancel.check()
        };
        let counted = match self.kind.info().cpu {
            Some(CpuWork::Primes) => count_primes(size, &mut checkpoint).map(drop),
            Some(CpuWork::Fib) => fib(size, &mut checkpoint).map(drop),
            None => Ok(()),
        };
        Ok(counted?)
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
        assert_eq!(count_primes(2, &mut never()), Ok(1));
        assert_eq!(count_primes(3, &mut never()), Ok(2));
        assert_eq!(count_primes(4, &mut never()), Ok(2));
        assert_eq!(count_primes(10, &mut never()), Ok(4));
        assert_eq!(count_primes(100, &mut never()), Ok(25));
        assert_eq!(count_primes(7_919, &mut never()), Ok(1_000), "the 1,000th prime is 7,919");
        assert_eq!(count_primes(30_000, &mut never()), Ok(3_245));
    }

    /// The articles' loop, written plainly: how many divisions it tries.
    fn articles_divisions(n: u64) -> u64 {
        (2..=n).map(|i| (2..i).find(|j| i % j == 0).map_or(i - 2, |j| j - 1)).sum()
    }

    #[test]
    fn checkpoints_are_spaced_by_work_not_by_candidates() {
        // Work per candidate grows with the candidate (a prime p costs p - 2 divisions), so a
        // checkpoint every k candidates would leave ever longer stretches without one.
        for n in [5_000, 20_000, 40_000] {
            let mut calls = 0u64;
            assert!(
                count_primes(n, &mut || {
                    calls += 1;
                    Ok(())
                })
                .is_ok()
            );
            let expected = articles_divisions(n) / DIVISIONS_PER_CHECKPOINT;
            assert!(
                calls + 2 >= expected && calls <= expected + 2,
                "n = {n}: {calls} checkpoints, expected about {expected}"
            );
        }
    }

    #[test]
    fn a_single_large_candidate_reaches_checkpoints() {
        // Cancel at the third checkpoint: it comes long before the first prime above 100,000
        // (100,003, i.e. 100,001 divisions on its own) would be done without inner checkpoints.
        let mut calls = 0;
        let mut cancel_at_third = || {
            calls += 1;
            if calls >= 3 { Err(Cancelled) } else { Ok(()) }
        };
        assert_eq!(count_primes(1_000_000, &mut cancel_at_third), Err(Cancelled));
        assert_eq!(calls, 3);
    }

    #[test]
    fn stop_lands_quickly_in_a_large_task() {
        // A task of a minute's work (primes below 1,000,000), stopped after 50 ms: it must end
        // within the 100 ms a Stop promises. The bound here is generous for a busy machine.
        let r = runner(WorkloadKind::Primes, 1_000_000);
        let cancel = r.cancel.clone();
        let worker = std::thread::spawn(move || r.run_blocking(0));
        std::thread::sleep(Duration::from_millis(50));
        let stopped_at = std::time::Instant::now();
        cancel.cancel();
        let outcome = worker.join().ok();
        let latency = stopped_at.elapsed();
        assert_eq!(outcome, Some(Err(Cancelled)));
        assert!(latency < Duration::from_millis(500), "stopped after {latency:?}");
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
        TaskRunner::new(kind, Sizes::one(size), CancelToken::new())
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

#[cfg(test)]
mod step_tests {
    use super::*;

    #[test]
    fn steps_are_logged_in_order() {
        let log = Arc::new(TaskLog::new(true));
        let r = TaskRunner {
            steps: 3,
            log: log.clone(),
            ..TaskRunner::new(WorkloadKind::Noop, Sizes::one(0), CancelToken::new())
        };
        assert_eq!(r.run_blocking(5), Ok(true));
        assert_eq!(log.step_order(), Some(vec![(5, 0), (5, 1), (5, 2)]));
    }

    #[test]
    fn io_errors_fail_the_task_and_are_logged() {
        let r = TaskRunner::new(WorkloadKind::Http, Sizes::one(1), CancelToken::new());
        assert_eq!(r.run_blocking(0), Ok(false));
        let msg = r.log.error_summary().unwrap().to_string();
        assert!(msg.contains("no HTTP server"), "{msg}");
    }
}
