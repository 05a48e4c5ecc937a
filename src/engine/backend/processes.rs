//! The `processes` backend (ProcessPoolExecutor) and `processes+event-loop`
//! (aiomultiprocess): a [`Pool`] of `workers` worker processes fed contiguous task ranges
//! over stdin and answering with span batches on stdout. Blocking workers get guided chunks
//! (big while much is left, single tasks at the end); event-loop workers get an even share
//! up front and keep all of it in flight on their own loop. A worker that dies mid-run ends
//! the run `failed`, naming the worker and its exit code or signal.

use super::pool::{Incoming, Pool};
use super::protocol::{self, FromWorker, ToWorker, WorkerMode};
use super::{Backend, BackendReport, RunContext};
use crate::engine::error::{RunError, WorkerError};
use crate::engine::loop_lag::LoopLag;
use crate::engine::result::Span;
use crate::engine::spans::LaneRecorder;

/// `processes` (mode `Blocking`) or `processes+event-loop` (mode `EventLoop`).
pub struct Processes {
    pub mode: WorkerMode,
}

const MAX_CHUNK: u64 = 1024;

impl Backend for Processes {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let (mut pool, tx) = Pool::new(ctx);
        let mut setup_secs = 0.0;
        let mut loop_lag = None;
        let outcome = pool.start(ctx, &tx, self.mode).and_then(|()| {
            setup_secs = ctx.clock.now_secs();
            drop(tx);
            pool.dispatch(ctx, self.mode, &mut loop_lag)
        });
        let ended_secs = ctx.clock.now_secs();
        let clean = outcome.is_ok() && !ctx.cancel.is_cancelled();
        let used = pool.shutdown(clean, ctx);
        BackendReport {
            setup_secs,
            ended_secs,
            cpu_secs: used.cpu_secs,
            workers_peak_rss_bytes: used.peak_rss_bytes,
            error: outcome.err().map(RunError::from),
            loop_lag,
        }
    }
}

impl Pool {
    fn dispatch(
        &mut self,
        ctx: &RunContext<'_>,
        mode: WorkerMode,
        lags: &mut Option<LoopLag>,
    ) -> Result<(), WorkerError> {
        let tasks = ctx.config.tasks;
        let mut next_task = 0;
        let mut done = 0;
        let mut recorder = LaneRecorder::new(ctx.spans);
        for index in 0..self.workers.len() {
            self.top_up(index, &mut next_task, tasks, mode)?;
        }
        let mut worker_lags = vec![None; self.workers.len()];
        while done < tasks {
            let incoming = self.rx.recv();
            // Whatever comes after a stop (a request the stop itself failed) is not recorded.
            if ctx.cancel.is_cancelled() {
                return Ok(());
            }
            match incoming {
                Ok(Incoming::Cancelled) => return Ok(()),
                Ok(Incoming::Message(index, FromWorker::TaskError { task, message })) => {
                    ctx.log.error(task, &format!("in worker process {index}: {message}"));
                }
                Ok(Incoming::Message(index, FromWorker::Done { spans, steps, lag, gil, gil_dropped })) => {
                    ctx.log.foreign_steps(steps);
                    let worker = u32::try_from(index).unwrap_or(u32::MAX);
                    ctx.holds.add_from_worker(worker, &gil, gil_dropped, &ctx.clock);
                    if let (Some(slot), Some(lag)) = (worker_lags.get_mut(index), lag) {
                        *slot = Some(lag);
                        *lags = worker_lags.iter().flatten().copied().reduce(LoopLag::worst);
                    }
                    for protocol::WireSpan(task, start, end, ok) in &spans {
                        let (start_secs, end_secs) = (ctx.clock.secs_at(*start), ctx.clock.secs_at(*end));
                        recorder.record(Span { task: *task, worker, start_secs, end_secs, ok: *ok });
                    }
                    let finished = spans.len() as u64;
                    done += finished;
                    if let Some(w) = self.workers.get_mut(index) {
                        w.outstanding = w.outstanding.saturating_sub(finished);
                    }
                    self.top_up(index, &mut next_task, tasks, mode)?;
                }
                Ok(other) => return Err(self.explain(other)),
                Err(_) => return Err(WorkerError::PipesClosed),
            }
        }
        Ok(())
    }

    /// Keeps worker `index` fed: a new chunk when it is idle, or when a big chunk is half done.
    fn top_up(&mut self, index: usize, next_task: &mut u64, tasks: u64, mode: WorkerMode) -> Result<(), WorkerError> {
        let remaining = tasks - *next_task;
        let Some(worker) = self.workers.get(index) else { return Ok(()) };
        let hungry = worker.outstanding == 0 || (worker.last_chunk > 1 && worker.outstanding <= worker.last_chunk / 2);
        if remaining == 0 || !hungry {
            return Ok(());
        }
        let lanes = self.workers.len() as u64;
        let count = if mode == WorkerMode::EventLoop {
            // An event-loop worker keeps everything it has in flight: an even share of all
            // the tasks (not of what is left, which would starve the workers fed last).
            tasks.div_ceil(lanes).min(remaining)
        } else {
            remaining.div_ceil(4 * lanes)
        }
        .clamp(1, MAX_CHUNK);
        self.send(index, &ToWorker::Tasks { first: *next_task, count })?;
        *next_task += count;
        if let Some(worker) = self.workers.get_mut(index) {
            worker.outstanding += count;
            worker.last_chunk = count;
        }
        Ok(())
    }
}
