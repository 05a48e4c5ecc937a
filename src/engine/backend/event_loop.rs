//! The `event-loop` backend (asyncio): one thread runs a tokio current-thread runtime;
//! `workers` is the number of tasks in flight (a semaphore, like `asyncio.Semaphore` around
//! `gather`). Every task is its own spawned task. `sleep` awaits a timer; CPU work runs on
//! the loop itself and blocks it, exactly as in Python. CPU time is the loop thread's.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{Backend, BackendReport, RunContext};
use crate::engine::config::WorkloadKind;
use crate::engine::result::Span;
use crate::engine::sys;

pub struct EventLoop;

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
        let in_flight = usize::try_from(ctx.config.workers).unwrap_or(usize::MAX);
        let permits = u32::try_from(in_flight).unwrap_or(u32::MAX);
        let clock = ctx.clock;
        let tasks = ctx.config.tasks;
        local.block_on(&runtime, async {
            let semaphore = Arc::new(Semaphore::new(in_flight));
            let dispatch = async {
                for task in 0..tasks {
                    let Ok(permit) = semaphore.clone().acquire_owned().await else { return };
                    let (recorded, runner) = (recorded.clone(), runner.clone());
                    tokio::task::spawn_local(async move {
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
                    });
                }
                // Every permit back means every task has finished.
                let _all_done = semaphore.acquire_many(permits).await;
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
