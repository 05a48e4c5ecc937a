//! `run_in_executor` with a process pool, for the `event-loop+processes` backend: a [`Pool`]
//! of worker processes in `Offload` mode, and a bridge thread (`lab-offload-pool`) that hands
//! each blocking part the loop offloads to an idle worker, one at a time per worker, and
//! answers the loop's future when the worker reports back. Requests beyond the idle workers
//! queue, as in ProcessPoolExecutor's call queue.

use std::collections::VecDeque;
use std::sync::mpsc::Sender;

use super::RunContext;
use super::pool::{Incoming, OffloadReply, Pool, WorkersUsage};
use super::protocol::{FromWorker, ToWorker, WorkerMode};
use crate::engine::error::{RunError, WorkerError};
use crate::engine::workload::TaskFailure;

/// The loop's handle on the pool: cheap to share between tasks.
#[derive(Debug, Clone)]
pub struct OffloadClient {
    tx: Sender<Incoming>,
}

impl OffloadClient {
    /// Runs the blocking part of `task` on some worker; `(worker, ok)` when it is done.
    pub async fn run(&self, task: u64) -> Result<(u32, bool), TaskFailure> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx.send(Incoming::Offload(task, reply)).map_err(|_| WorkerError::PoolStopped)?;
        Ok(answer.await.map_err(|_| WorkerError::PoolStopped)??)
    }

    /// Tells the bridge the loop is done: it shuts the workers down and returns.
    pub fn finish(&self) {
        let _ = self.tx.send(Incoming::Finish);
    }
}

/// What the bridge reports when it ends.
#[derive(Debug, Default)]
pub struct Bridged {
    pub used: WorkersUsage,
    pub error: Option<RunError>,
}

/// Starts the workers (on the caller's thread: this is backend setup).
pub fn start(ctx: &RunContext<'_>) -> Result<(Pool, OffloadClient), WorkerError> {
    let (mut pool, tx) = Pool::new(ctx);
    match pool.start(ctx, &tx, WorkerMode::Offload) {
        Ok(()) => Ok((pool, OffloadClient { tx })),
        Err(error) => {
            pool.shutdown(false, ctx);
            Err(error)
        }
    }
}

/// The bridge loop: runs until the loop says `finish`, the run is cancelled, or a worker
/// fails; then fails whatever is still pending and reaps the workers.
pub fn serve(mut pool: Pool, ctx: &RunContext<'_>) -> Bridged {
    let count = pool.workers.len();
    let mut idle: VecDeque<usize> = (0..count).collect();
    let mut waiting: VecDeque<(u64, OffloadReply)> = VecDeque::new();
    let mut busy: Vec<Option<OffloadReply>> = (0..count).map(|_| None).collect();
    let mut error = None;
    'serve: loop {
        let incoming = pool.rx.recv();
        if ctx.cancel.is_cancelled() {
            break;
        }
        match incoming {
            Ok(Incoming::Offload(task, reply)) => waiting.push_back((task, reply)),
            Ok(Incoming::Finish | Incoming::Cancelled) | Err(_) => break,
            Ok(Incoming::Message(index, FromWorker::Done { spans, gil, gil_dropped, .. })) => {
                let worker = u32::try_from(index).unwrap_or(u32::MAX);
                ctx.holds.add_from_worker(worker, &gil, gil_dropped, &ctx.clock);
                if let Some(reply) = busy.get_mut(index).and_then(Option::take) {
                    let ok = spans.first().is_some_and(|span| span.3);
                    let _ = reply.send(Ok((worker, ok)));
                }
                idle.push_back(index);
            }
            Ok(Incoming::Message(index, FromWorker::TaskError { task, message })) => {
                ctx.log.error(task, &format!("in worker process {index}: {message}"));
            }
            Ok(other) => {
                error = Some(pool.explain(other));
                break;
            }
        }
        while !idle.is_empty() && !waiting.is_empty() {
            let (Some(index), Some((task, reply))) = (idle.pop_front(), waiting.pop_front()) else { break };
            if let Err(e) = pool.send(index, &ToWorker::Tasks { first: task, count: 1 }) {
                let _ = reply.send(Err(e.clone()));
                error = Some(e);
                break 'serve;
            }
            if let Some(slot) = busy.get_mut(index) {
                *slot = Some(reply);
            }
        }
    }
    let why = error.clone().unwrap_or(WorkerError::RunStopped);
    for reply in waiting.into_iter().map(|(_, reply)| reply).chain(busy.into_iter().flatten()) {
        let _ = reply.send(Err(why.clone()));
    }
    let clean = error.is_none() && !ctx.cancel.is_cancelled();
    let used = pool.shutdown(clean, ctx);
    Bridged { used, error: error.map(RunError::from) }
}
