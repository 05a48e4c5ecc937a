//! The `threads` backend (ThreadPoolExecutor): `workers` named OS threads pull task indices
//! from a shared counter. CPU time is each thread's own CPU clock, summed. Stop is looked at
//! before every task (a no-op task never looks itself) and while the threads start.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Backend, BackendReport, RunContext};
use crate::engine::error::RunError;
use crate::engine::result::Span;
use crate::engine::spans::LaneRecorder;
use crate::engine::{lane, sys};

pub struct Threads;

impl Backend for Threads {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let runner = ctx.runner();
        let next_task = AtomicU64::new(0);
        let abort = AtomicBool::new(false);
        let tasks = ctx.config.tasks;
        let mut error = None;
        let mut setup_secs = 0.0;
        let mut cpu_secs = Some(0.0);
        std::thread::scope(|scope| {
            let mut lanes = Vec::new();
            for worker in 0..ctx.config.workers {
                if ctx.cancel.is_cancelled() {
                    break;
                }
                let lane = u32::try_from(worker).unwrap_or(u32::MAX);
                let (runner, next_task, abort) = (&runner, &next_task, &abort);
                let spawned =
                    std::thread::Builder::new().name(format!("lab-worker-{worker}")).spawn_scoped(scope, move || {
                        lane::set(lane);
                        let cpu_start = sys::thread_cpu_secs();
                        let mut recorder = LaneRecorder::new(ctx.spans);
                        while !abort.load(Ordering::Relaxed) && !runner.cancel.is_cancelled() {
                            let task = next_task.fetch_add(1, Ordering::Relaxed);
                            if task >= tasks {
                                break;
                            }
                            let start_secs = ctx.clock.now_secs();
                            let Ok(ok) = runner.run_blocking(task) else { break };
                            recorder.record(Span {
                                task,
                                worker: lane,
                                start_secs,
                                end_secs: ctx.clock.now_secs(),
                                ok,
                            });
                        }
                        recorder.flush();
                        Some(sys::thread_cpu_secs()? - cpu_start?)
                    });
                match spawned {
                    Ok(handle) => lanes.push(handle),
                    Err(cause) => {
                        abort.store(true, Ordering::Relaxed);
                        let what = format!("thread {worker} of {}", ctx.config.workers);
                        error = Some(RunError::Start { what, cause });
                        break;
                    }
                }
            }
            setup_secs = ctx.clock.now_secs();
            for handle in lanes {
                let lane_cpu = handle.join().ok().flatten();
                cpu_secs = cpu_secs.zip(lane_cpu).map(|(a, b)| a + b);
            }
        });
        BackendReport { setup_secs, ended_secs: ctx.clock.now_secs(), cpu_secs, error, ..BackendReport::default() }
    }
}
