//! The backends: one [`Backend`] trait, one file per way of running tasks. Each backend
//! records one span per task into the repetition's [`SpanLog`], honours the cancel token, and
//! reports its setup time, end time, and the CPU time of its workers.

mod event_loop;
mod loop_task;
mod mock;
mod offload_pool;
mod pool;
mod processes;
pub mod protocol;
pub mod python;
mod rayon_pool;
mod threads;

use std::sync::Arc;

use super::cancel::CancelToken;
use super::config::{BackendKind, ValidConfig};
use super::gil::Gil;
use super::io::IoTargets;
use super::loop_lag::LoopLag;
use super::result::PythonRun;
use super::sampler::Pids;
use super::spans::{RunClock, SpanLog};
use super::task_log::TaskLog;
use super::workload::TaskRunner;

pub use loop_task::{Offload, run_task_async};

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
}

impl RunContext<'_> {
    /// A task runner for this run; in-process backends share one GIL between their threads.
    pub fn runner(&self) -> TaskRunner {
        TaskRunner {
            kind: self.config.workload.kind,
            sizes: self.config.workload.size.clone(),
            panic_every: self.config.panic_every,
            gil: self.config.gil.then(|| Arc::new(Gil::default())),
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackendReport {
    /// Seconds from the clock's start until the backend was ready to run tasks.
    pub setup_secs: f64,
    /// Seconds from the clock's start until the backend returned.
    pub ended_secs: f64,
    /// CPU time of the workers themselves, when it could be measured.
    pub cpu_secs: Option<f64>,
    /// Why the repetition failed (a worker died, a thread could not start, ...).
    pub error: Option<String>,
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

pub fn for_kind(kind: BackendKind) -> Box<dyn Backend> {
    match kind {
        BackendKind::EventLoop => Box::new(event_loop::EventLoop(event_loop::Flavor::Single)),
        BackendKind::EventLoopMt => Box::new(event_loop::EventLoop(event_loop::Flavor::MultiThread)),
        BackendKind::EventLoopThreads => Box::new(event_loop::EventLoop(event_loop::Flavor::ToThreads)),
        BackendKind::EventLoopProcesses => Box::new(event_loop::EventLoop(event_loop::Flavor::ToProcesses)),
        BackendKind::Threads => Box::new(threads::Threads),
        BackendKind::Rayon => Box::new(rayon_pool::Rayon),
        BackendKind::Processes => Box::new(processes::Processes { mode: protocol::WorkerMode::Blocking }),
        BackendKind::ProcessesEventLoop => Box::new(processes::Processes { mode: protocol::WorkerMode::EventLoop }),
        BackendKind::Mock => Box::new(mock::Mock),
        BackendKind::PythonAsyncio => Box::new(python::Python::new(python::protocol::Pool::Asyncio)),
        BackendKind::PythonThreads => Box::new(python::Python::new(python::protocol::Pool::Threads)),
        BackendKind::PythonProcesses => Box::new(python::Python::new(python::protocol::Pool::Processes)),
    }
}
