//! The child side of the process backends (`concurrency-lab __worker`, which the binary hands to
//! `engine::run_worker` before anything else). It says hello with the protocol version, takes
//! one setup line, then runs the task ranges it is sent and reports span batches: one task at a
//! time (`processes`), only each task's blocking part (`event-loop+processes`), or all of them
//! in flight on its own event loop (`processes+event-loop`, see [`event_loop`]). It has its own
//! GIL, like a CPython worker process, and sends that GIL's holds with its span batches. It
//! exits when its stdin closes: the lifeline that ends it if the app dies, even by SIGKILL. It
//! ignores the stop signals (SIGINT, SIGTERM, SIGHUP): it obeys its app, which kills and reaps
//! it on stop, and never dies first of a Ctrl+C meant for the app.

mod event_loop;

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;

use crate::engine::backend::protocol::{
    FromWorker, PARENT_PID_ENV, PROTOCOL_VERSION, Setup, ToWorker, WireSpan, WorkerMode,
};
use crate::engine::error::SetupError;
use crate::engine::gil::Gil;
use crate::engine::io::IoTargets;
use crate::engine::sys::{die_with_parent, ignore_stop_signals, monotonic_nanos};
use crate::engine::task_log::TaskLog;
use crate::engine::workload::TaskRunner;
use crate::engine::{CancelToken, Sizes};

/// Why a worker process gives up (it reports the message to the app and exits with code 2).
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("the app stopped listening: {0}")]
    Stdout(std::io::Error),
    #[error("could not encode a message: {0}")]
    Encode(serde_json::Error),
    #[error("could not read the setup line: {0}")]
    Stdin(std::io::Error),
    #[error("bad setup line: {0}")]
    BadSetup(serde_json::Error),
    #[error("the first message was not a setup")]
    NoSetup,
    #[error(transparent)]
    Io(#[from] SetupError),
    #[error("could not start the stdin thread: {0}")]
    Thread(std::io::Error),
    #[error("could not start the worker's event loop: {0}")]
    Runtime(std::io::Error),
}

/// Spans are sent when this many are buffered, after this long, or when the worker is idle.
const FLUSH_SPANS: usize = 256;
const FLUSH_NANOS: u64 = 50_000_000;

/// Runs this process as a worker until the app closes its stdin; the exit code is 0 on a clean
/// end, 2 when the worker failed (it told the app why), 3 when the app was already gone.
pub fn main() -> ExitCode {
    ignore_stop_signals();
    let parent = std::env::var(PARENT_PID_ENV).ok().and_then(|pid| pid.parse().ok());
    if let Err(err) = die_with_parent(parent) {
        let _ = writeln!(std::io::stderr(), "worker: {err}");
        return ExitCode::from(3);
    }
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = error.to_string();
            let _ = send(&FromWorker::Error { message: message.clone() });
            let _ = writeln!(std::io::stderr(), "worker: {message}");
            ExitCode::from(2)
        }
    }
}

fn send(message: &FromWorker) -> Result<(), ChildError> {
    let line = serde_json::to_string(message).map_err(ChildError::Encode)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(ChildError::Stdout)
}

fn serve() -> Result<(), ChildError> {
    send(&FromWorker::Hello {
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        pid: std::process::id(),
    })?;
    let mut first = String::new();
    let read = std::io::stdin().lock().read_line(&mut first).map_err(ChildError::Stdin)?;
    if read == 0 {
        return Ok(());
    }
    let ToWorker::Setup(setup) = serde_json::from_str(&first).map_err(ChildError::BadSetup)? else {
        return Err(ChildError::NoSetup);
    };
    let mode = setup.mode;
    let runner = runner_for(setup)?;
    if mode == WorkerMode::EventLoop {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        spawn_reader(move |range| tx.send(range).is_ok())?;
        return event_loop::run_tasks(runner, rx);
    }
    let (tx, rx) = mpsc::channel();
    spawn_reader(move |range| tx.send(range).is_ok())?;
    run_tasks(&runner, &rx, mode)
}

fn runner_for(setup: Setup) -> Result<TaskRunner, ChildError> {
    let Setup { workload, sizes, gil, panic_every, steps, record_steps, io_wait_millis, http_url, file_dir, .. } =
        setup;
    Ok(TaskRunner {
        panic_every,
        gil: gil.then(|| Arc::new(Gil::default())),
        steps,
        io_wait_millis,
        io: Arc::new(IoTargets::new(http_url, file_dir)?),
        log: Arc::new(TaskLog::new(record_steps)),
        // The worker's token is never cancelled: the app stops a worker by killing it.
        ..TaskRunner::new(workload, Sizes::list(sizes), CancelToken::new())
    })
}

fn spawn_reader(forward: impl Fn((u64, u64)) -> bool + Send + 'static) -> Result<(), ChildError> {
    std::thread::Builder::new()
        .name("lab-worker-stdin".to_owned())
        .spawn(move || read_tasks(&forward))
        .map(drop)
        .map_err(ChildError::Thread)
}

/// Forwards task ranges; on EOF (the app closed us, or died) ends the process at once.
fn read_tasks(forward: &dyn Fn((u64, u64)) -> bool) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match serde_json::from_str(&line) {
            Ok(ToWorker::Tasks { first, count }) => {
                if !forward((first, count)) {
                    break;
                }
            }
            _ => {
                let _ = writeln!(std::io::stderr(), "worker: unexpected line: {line:.200}");
                std::process::exit(2);
            }
        }
    }
    std::process::exit(0);
}

fn run_tasks(runner: &TaskRunner, rx: &mpsc::Receiver<(u64, u64)>, mode: WorkerMode) -> Result<(), ChildError> {
    let mut queue = VecDeque::new();
    let mut spans = Vec::with_capacity(FLUSH_SPANS);
    let mut last_flush = monotonic_nanos();
    loop {
        if queue.is_empty() {
            flush(&mut spans, runner, None)?;
            match rx.recv() {
                Ok(range) => queue.push_back(range),
                Err(_) => return Ok(()),
            }
        }
        queue.extend(rx.try_iter());
        let Some((first, count)) = queue.pop_front() else { continue };
        for task in first..first.saturating_add(count) {
            let start = monotonic_nanos();
            let ok = match mode {
                WorkerMode::Offload => {
                    let part = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.blocking_part(task)));
                    runner.settle(task, part.ok()).unwrap_or(false)
                }
                _ => runner.run_blocking(task).unwrap_or(false),
            };
            let end = monotonic_nanos();
            spans.push(WireSpan(task, start, end, ok));
            if spans.len() >= FLUSH_SPANS || end.saturating_sub(last_flush) >= FLUSH_NANOS {
                flush(&mut spans, runner, None)?;
                last_flush = end;
            }
        }
    }
}

/// Sends buffered spans, step records, the GIL holds since the last batch, any task error and
/// the loop lag.
fn flush(
    spans: &mut Vec<WireSpan>,
    runner: &TaskRunner,
    lag: Option<crate::engine::loop_lag::LoopLag>,
) -> Result<(), ChildError> {
    if let Some((task, message)) = runner.log.take_error() {
        send(&FromWorker::TaskError { task, message })?;
    }
    if spans.is_empty() {
        return Ok(());
    }
    let (holds, gil_dropped) = runner.gil.as_deref().map(Gil::take_holds).unwrap_or_default();
    let gil = holds.iter().map(|h| (h.start_nanos, h.end_nanos)).collect();
    let batch =
        FromWorker::Done { spans: std::mem::take(spans), steps: runner.log.take_steps(), lag, gil, gil_dropped };
    send(&batch)
}
