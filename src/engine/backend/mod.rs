//! The backends: one [`Backend`] trait, one file per way of running tasks. Each backend
//! records one span per task into the repetition's [`SpanLog`], honours the cancel token, and
//! reports its setup time, end time, and the CPU time of its workers.

// The implementations are visible to the backend table (`kinds/backends.rs`), whose rows
// point at their constructors.
pub(super) mod event_loop;
mod loop_task;
mod loop_timer;
pub(super) mod mock;
mod offload_pool;
mod pool;
pub(super) mod processes;
pub mod protocol;
pub(super) mod python;
pub(super) mod rayon_pool;
pub(super) mod threads;

use std::sync::Arc;

use super::cancel::CancelToken;
use super::config::{BackendKind, ValidConfig};
use super::error::RunError;
use super::gil::Gil;
use super::gil_holds::HoldLog;
use super::io::IoTargets;
use super::loop_lag::LoopLag;
use super::result::PythonRun;
use super::sampler::Pids;
use super::spans::{RunClock, SpanLog};
use super::task_log::TaskLog;
use super::workload::TaskRunner;

pub use loop_task::{Offload, run_task_async};
pub use loop_timer::TokioTimers;

/// What a backend gets for one repetition.
pub struct RunContext<'a> {
    pub config: &'a ValidConfig,
    /// Started just before the backend's setup: every timestamp is relative to it.
    pub clock: RunClock,
    pub cancel: &'a CancelToken,
    pub spans: &'a SpanLog,
    /// Worker process ids, so the sampler can include their memory.
    pub pids: &'a Pids,
    /// The run's HTTP server and temp directory.
    pub io: &'a Arc<IoTargets>,
    /// Step order and task errors of this repetition.
    pub log: &'a Arc<TaskLog>,
    /// The GIL this process's lanes share when the run emulates one (worker processes have
    /// their own).
    pub gil: Option<Arc<Gil>>,
    /// When each lane held a GIL: from `gil` after the run, from workers as they report.
    pub holds: &'a HoldLog,
}

impl RunContext<'_> {
    /// A task runner for this run; in-process backends share the run's GIL between their threads.
    pub fn runner(&self) -> TaskRunner {
        TaskRunner {
            kind: self.config.workload.kind,
            sizes: self.config.workload.size.clone(),
            panic_every: self.config.panic_every,
            gil: self.gil.clone(),
            cancel: self.cancel.clone(),
            steps: self.config.steps,
            io_wait_millis: self.config.io_wait_millis,
            io: self.io.clone(),
            log: self.log.clone(),
        }
    }
}

/// What a backend gets before a repetition's clock starts.
pub struct StartUpContext<'a> {
    pub config: &'a ValidConfig,
    pub cancel: &'a CancelToken,
    pub pids: &'a Pids,
    pub io: &'a Arc<IoTargets>,
    pub log: &'a Arc<TaskLog>,
}

/// How a repetition went, from the backend's side.
#[derive(Debug, Default)]
pub struct BackendReport {
    /// Seconds from the clock's start until the backend was ready to run tasks.
    pub setup_secs: f64,
    /// Seconds from the clock's start until the backend returned.
    pub ended_secs: f64,
    /// CPU time of the workers themselves, when it could be measured.
    pub cpu_secs: Option<f64>,
    /// Worker processes only: the sum of each worker's own peak resident memory.
    pub workers_peak_rss_bytes: Option<u64>,
    /// Why the repetition failed (a worker died, a thread could not start, ...).
    pub error: Option<RunError>,
    /// How late the event loop's heartbeat woke (event-loop backends only).
    pub loop_lag: Option<LoopLag>,
}

pub trait Backend {
    /// Work before the measured part of each repetition, reported apart: starting an
    /// interpreter and its imports, which the articles' `time.time()` brackets leave out.
    /// Returns how long it took (`None`: this backend starts nothing beforehand).
    fn start_up(&self, _ctx: &StartUpContext<'_>) -> Result<Option<f64>, String> {
        Ok(None)
    }

    fn run(&self, ctx: &RunContext<'_>) -> BackendReport;

    /// The interpreter that ran the last repetition (Python backends).
    fn python_run(&self) -> Option<PythonRun> {
        None
    }
}

/// The implementation of `kind`, from its row of the backend table.
pub fn for_kind(kind: BackendKind) -> Box<dyn Backend> {
    (kind.info().start)()
}

/// Keeps the last `max_bytes` of `stream`'s lines in `tail` (a child's last words, for the
/// error when it dies), until the stream ends.
pub(super) fn keep_tail(stream: impl std::io::Read, tail: &std::sync::Mutex<String>, max_bytes: usize) {
    use std::io::BufRead;
    for line in std::io::BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        let Ok(mut tail) = tail.lock() else { break };
        tail.push_str(&line);
        tail.push('\n');
        if tail.len() > max_bytes {
            let cut = tail.len() - max_bytes;
            let cut = (cut..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(0);
            tail.drain(..cut);
        }
    }
}
