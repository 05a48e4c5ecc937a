//! One task on an event loop, shared by every loop backend (and by worker processes that run
//! a loop of their own). `sleep` and the `mixed` wait await a timer, `http` awaits an async
//! client, `file` awaits its calls on the blocking pool; the blocking part of a step (CPU
//! work, the blocking sleep of `blocking-sleep`) runs where the [`Offload`] says: on the loop
//! itself, blocking it as a CPU-bound coroutine blocks asyncio; on a blocking thread pool
//! (`asyncio.to_thread`); or on a worker process (`run_in_executor` with a process pool).
//! Steps are separated by a yield.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::loop_timer::Timers;
use super::offload_pool::OffloadClient;
use crate::engine::cancel::Cancelled;
use crate::engine::config::WorkloadKind;
use crate::engine::error::TaskError;
use crate::engine::workload::{TaskFailure, TaskRunner};

/// Where the blocking part of a task runs.
#[derive(Debug, Clone)]
pub enum Offload {
    /// On the loop's own thread (asyncio: a CPU-bound coroutine blocks the loop).
    Inline,
    /// On the runtime's blocking pool (`asyncio.to_thread`).
    Threads,
    /// On a worker process (`loop.run_in_executor(ProcessPoolExecutor)`).
    Processes(OffloadClient),
}

/// What a task that needs no more than a timer does: see [`plain_task`].
pub enum Plain {
    /// Nothing (a one-step `noop`).
    Nothing,
    /// Waits until then (a one-step `sleep`).
    WaitUntil(Instant),
}

/// What task `task`, started at `started`, does, if it is plain: one step of `noop` or
/// `sleep`, with no panic to inject. Such a task is what [`run_task_async`] would run, and a
/// loop runs it without that function's state: a hundred thousand sleeping tasks each hold
/// (and move, and touch when they wake) a few dozen bytes instead of a few hundred.
pub fn plain_task(runner: &TaskRunner, task: u64, started: Instant) -> Option<Plain> {
    if runner.steps != 1 || runner.panics(task) {
        return None;
    }
    match runner.kind {
        WorkloadKind::Noop => Some(Plain::Nothing),
        WorkloadKind::Sleep => Some(Plain::WaitUntil(started + Duration::from_millis(runner.sizes.for_task(task)))),
        _ => None,
    }
}

/// Runs every step of `task`. Returns whether it succeeded (or that the run was stopped)
/// and the lane its last blocking part ran on (`fallback` when it had none). `started` is the
/// moment the task started, the first step's timer counts from it. Its waits get their
/// timers from `timers`.
pub async fn run_task_async<T: Timers>(
    runner: &Arc<TaskRunner>,
    timers: &T,
    task: u64,
    offload: &Offload,
    fallback: u32,
    started: Instant,
) -> (Result<bool, Cancelled>, u32) {
    let mut lane = fallback;
    if catch_unwind(AssertUnwindSafe(|| runner.inject_panic(task))).is_err() {
        return (Ok(false), lane);
    }
    for step in 0..runner.steps {
        if step > 0 {
            tokio::task::yield_now().await;
        }
        runner.log.step(task, step);
        let now = if step == 0 { started } else { Instant::now() };
        let done = match runner.kind {
            // A wait stays in the task's own future; every other step is boxed, so a
            // hundred thousand sleeping tasks each hold (and move, and touch when they
            // wake) a fraction of what a CPU step with an offload or an HTTP request needs.
            WorkloadKind::Sleep => {
                timers.sleep_until(now + Duration::from_millis(runner.sizes.for_task(task))).await;
                Ok(())
            }
            WorkloadKind::Noop => Ok(()),
            _ => Box::pin(step_async(runner, timers, task, offload, &mut lane, now)).await,
        };
        if let Err(failure) = done {
            return (runner.settle(task, Some(Err(failure))), lane);
        }
    }
    (Ok(true), lane)
}

/// One step; `now` is when it started (a `sleep` counts from it). Boxed by its caller.
async fn step_async<T: Timers>(
    runner: &Arc<TaskRunner>,
    timers: &T,
    task: u64,
    offload: &Offload,
    lane: &mut u32,
    now: Instant,
) -> Result<(), TaskFailure> {
    let size = runner.sizes.for_task(task);
    match runner.kind {
        WorkloadKind::Primes | WorkloadKind::Fib | WorkloadKind::BlockingSleep => {
            blocking_part(runner, task, offload, lane).await
        }
        WorkloadKind::Mixed => {
            blocking_part(runner, task, offload, lane).await?;
            timers.sleep_until(Instant::now() + Duration::from_millis(runner.io_wait_millis)).await;
            Ok(())
        }
        WorkloadKind::Sleep => {
            timers.sleep_until(now + Duration::from_millis(size)).await;
            Ok(())
        }
        WorkloadKind::Noop => Ok(()),
        WorkloadKind::Http => Ok(runner.io.get_async(size).await?),
        WorkloadKind::File => runner.io.file_async(size, &runner.cancel).await,
    }
}

async fn blocking_part(
    runner: &Arc<TaskRunner>,
    task: u64,
    offload: &Offload,
    lane: &mut u32,
) -> Result<(), TaskFailure> {
    match offload {
        Offload::Inline => runner.blocking_part(task),
        Offload::Threads => {
            let runner = runner.clone();
            let joined =
                tokio::task::spawn_blocking(move || (crate::engine::lane::current(), runner.blocking_part(task))).await;
            let (ran_on, outcome) = joined.map_err(|e| TaskError::OffloadThread(e.to_string()))?;
            *lane = ran_on;
            outcome
        }
        Offload::Processes(pool) => {
            let (worker, ok) = pool.run(task).await?;
            *lane = worker;
            if ok { Ok(()) } else { Err(TaskError::BlockingPart { worker }.into()) }
        }
    }
}
