//! The `event-loop` backend (asyncio): one thread runs a tokio current-thread runtime;
//! `workers` is the number of tasks in flight (a semaphore, like `asyncio.Semaphore` around
//! `gather`). Every task is its own spawned task. `sleep` awaits a timer; CPU work runs on
//! the loop itself and blocks it, exactly as in Python. CPU time is the loop thread's.

use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::{Backend, BackendReport, RunContext};
use crate::engine::config::WorkloadKind;
use crate::engine::result::Span;
use crate::engine::spans::RunClock;
use crate::engine::sys;
use crate::engine::workload::TaskRunner;

pub struct EventLoop;

/// The dispatcher yields to the loop after spawning this many tasks.
const SPAWN_BATCH: u64 = 1024;

/// How often the loop looks at the cancel token and publishes finished spans.
const CANCEL_POLL: Duration = Duration::from_millis(10);

impl Backend for EventLoop {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let cpu_start = sys::thread_cpu_secs();
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
            Ok(runtime) => runtime,
            Err(err) => {
                let error = Some(format!("could not start the tokio runtime: {err}"));
                return BackendReport { ended_secs: ctx.clock.now_secs(), error, ..BackendReport::default() };
            }
        };
        let local = tokio::task::LocalSet::new();
        let setup_secs = ctx.clock.now_secs();
        // Tasks must be 'static, so they record into a local buffer that the loop moves into
        // the shared log whenever it polls the cancel token.
        let recorded = Rc::new(RefCell::new(Vec::new()));
        let flush = || ctx.spans.append(&mut recorded.borrow_mut());
        let runner = Rc::new(ctx.runner());
        let in_flight = ctx.config.workers;
        let clock = ctx.clock;
        let tasks = ctx.config.tasks;
        let finished = Rc::new(Finished { count: Cell::new(0), total: tasks, all_done: Notify::new() });
        local.block_on(&runtime, async {
            // No limiter at all when every task may be in flight (asyncio.gather).
            let limiter = (in_flight < tasks)
                .then(|| Arc::new(Semaphore::new(usize::try_from(in_flight).unwrap_or(Semaphore::MAX_PERMITS))));
            let dispatch = async {
                for task in 0..tasks {
                    let permit = match &limiter {
                        Some(limiter) => match limiter.clone().acquire_owned().await {
                            Ok(permit) => Some(permit),
                            Err(_) => return,
                        },
                        None => None,
                    };
                    let shared =
                        Shared { runner: runner.clone(), recorded: recorded.clone(), finished: finished.clone() };
                    tokio::task::spawn_local(run_task(task, clock, shared, permit));
                    if task % SPAWN_BATCH == SPAWN_BATCH - 1 {
                        // Let the loop start what was spawned and service its timers.
                        tokio::task::yield_now().await;
                    }
                }
                finished.all_done.notified().await;
            };
            let cancelled = async {
                while !ctx.cancel.is_cancelled() {
                    flush();
                    tokio::time::sleep(CANCEL_POLL).await;
                }
            };
            tokio::select! {
                () = dispatch => {}
                () = cancelled => {}
            }
        });
        // Dropping the loop drops the tasks still waiting (a cancelled run).
        drop(local);
        drop(runtime);
        flush();
        let cpu_secs = sys::thread_cpu_secs().zip(cpu_start).map(|(end, start)| end - start);
        BackendReport { setup_secs, ended_secs: ctx.clock.now_secs(), cpu_secs, error: None }
    }
}

/// What every task of a loop shares.
struct Shared {
    runner: Rc<TaskRunner>,
    recorded: Rc<RefCell<Vec<Span>>>,
    finished: Rc<Finished>,
}

/// Counts finished tasks; wakes the dispatcher when the last one is done.
struct Finished {
    count: Cell<u64>,
    total: u64,
    all_done: Notify,
}

/// One task of the event loop: `sleep` awaits a timer, anything else runs right here on the
/// loop's thread and blocks it (as a CPU-bound coroutine does in asyncio).
async fn run_task(task: u64, clock: RunClock, shared: Shared, permit: Option<OwnedSemaphorePermit>) {
    let Shared { runner, recorded, finished } = shared;
    let start_secs = clock.now_secs();
    let outcome = if runner.kind == WorkloadKind::Sleep {
        let millis = runner.sizes.for_task(task);
        let injected = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if runner.panics(task) {
                panic!("injected panic in task {task}");
            }
        }));
        if injected.is_ok() {
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        Ok(injected.is_ok())
    } else {
        runner.run_blocking(task)
    };
    if let Ok(ok) = outcome {
        recorded.borrow_mut().push(Span { task, worker: 0, start_secs, end_secs: clock.now_secs(), ok });
    }
    drop(permit);
    finished.count.set(finished.count.get() + 1);
    if finished.count.get() == finished.total {
        finished.all_done.notify_one();
    }
}
