//! A worker process's own event loop (`processes+event-loop`, like aiomultiprocess): a tokio
//! current-thread runtime that keeps every task it was sent in flight, with a heartbeat that
//! measures its loop lag. Spans go back in batches: when the loop runs out of tasks, every
//! 256 spans, or every 50 ms, each with the lag so far.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedReceiver;

use super::{ChildError, FLUSH_NANOS, FLUSH_SPANS, flush};
use crate::engine::backend::protocol::WireSpan;
use crate::engine::backend::{Offload, TokioTimers, run_task_async};
use crate::engine::config::WorkloadKind;
use crate::engine::loop_lag::LagRecorder;
use crate::engine::sys::monotonic_nanos;
use crate::engine::workload::TaskRunner;

/// Buffered spans, tasks in flight, and when the last batch went out.
#[derive(Default)]
struct Outbox {
    spans: Vec<WireSpan>,
    in_flight: u64,
    last_flush: u64,
}

pub fn run_tasks(runner: TaskRunner, mut rx: UnboundedReceiver<(u64, u64)>) -> Result<(), ChildError> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if runner.kind == WorkloadKind::Http {
        builder.enable_io();
    }
    let runtime = builder.enable_time().build().map_err(ChildError::Runtime)?;
    let runner = Arc::new(runner);
    let lag = LagRecorder::default();
    let outbox = Arc::new(Mutex::new(Outbox { last_flush: monotonic_nanos(), ..Outbox::default() }));
    runtime.block_on(async {
        let beat = tokio::spawn(lag.clone().heartbeat());
        while let Some((first, count)) = rx.recv().await {
            for task in first..first.saturating_add(count) {
                lock(&outbox).in_flight += 1;
                let (runner, outbox, lag) = (runner.clone(), outbox.clone(), lag.clone());
                tokio::spawn(async move {
                    let start = monotonic_nanos();
                    let (outcome, _) =
                        run_task_async(&runner, &TokioTimers, task, &Offload::Inline, 0, Instant::now()).await;
                    let end = monotonic_nanos();
                    let mut out = lock(&outbox);
                    out.spans.push(WireSpan(task, start, end, outcome.unwrap_or(false)));
                    out.in_flight -= 1;
                    if out.in_flight == 0 || out.spans.len() >= FLUSH_SPANS || end - out.last_flush >= FLUSH_NANOS {
                        out.last_flush = end;
                        // A failed write means the app is gone; the stdin lifeline ends us.
                        let _ = flush(&mut out.spans, &runner, lag.summary());
                    }
                });
            }
        }
        beat.abort();
    });
    Ok(())
}

fn lock(outbox: &Mutex<Outbox>) -> std::sync::MutexGuard<'_, Outbox> {
    outbox.lock().unwrap_or_else(|p| p.into_inner())
}
