//! The `rayon` backend: a per-run rayon pool of `workers` named threads (`lab-rayon-N`), never
//! the global pool, with a panic handler (a panic that escaped a task would otherwise abort
//! the process). Tasks are a parallel iterator over the task indices, so idle threads steal
//! work. CPU time is read on every pool thread before and after, with `broadcast`.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::{Backend, BackendReport, RunContext};
use crate::engine::error::RunError;
use crate::engine::result::Span;
use crate::engine::spans::LaneRecorder;
use crate::engine::{lane, sys};

pub struct Rayon;

impl Backend for Rayon {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let runner = ctx.runner();
        let escaped_panic = std::sync::Arc::new(AtomicBool::new(false));
        let on_panic = escaped_panic.clone();
        let built = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::try_from(ctx.config.workers).unwrap_or(1))
            .thread_name(|index| format!("lab-rayon-{index}"))
            .start_handler(|index| lane::set(u32::try_from(index).unwrap_or(u32::MAX)))
            .panic_handler(move |_| on_panic.store(true, Ordering::Relaxed))
            .build();
        let pool = match built {
            Ok(pool) => pool,
            Err(err) => {
                let error = Some(RunError::RayonPool { threads: ctx.config.workers, cause: err.to_string() });
                return BackendReport { ended_secs: ctx.clock.now_secs(), error, ..BackendReport::default() };
            }
        };
        let cpu_before = pool.broadcast(|_| sys::thread_cpu_secs());
        let setup_secs = ctx.clock.now_secs();
        pool.install(|| {
            (0..ctx.config.tasks).into_par_iter().for_each_init(
                || LaneRecorder::new(ctx.spans),
                |recorder, task| {
                    if ctx.cancel.is_cancelled() {
                        return;
                    }
                    let start_secs = ctx.clock.now_secs();
                    let Ok(ok) = runner.run_blocking(task) else { return };
                    let lane = rayon::current_thread_index().and_then(|i| u32::try_from(i).ok()).unwrap_or(0);
                    recorder.record(Span { task, worker: lane, start_secs, end_secs: ctx.clock.now_secs(), ok });
                },
            );
        });
        let ended_secs = ctx.clock.now_secs();
        let cpu_after = pool.broadcast(|_| sys::thread_cpu_secs());
        let cpu_secs = cpu_before
            .iter()
            .zip(&cpu_after)
            .map(|(before, after)| after.zip(*before).map(|(a, b)| a - b))
            .sum::<Option<f64>>();
        let error = escaped_panic.load(Ordering::Relaxed).then_some(RunError::EscapedPanic);
        BackendReport { setup_secs, ended_secs, cpu_secs, error, ..BackendReport::default() }
    }
}
