//! The child side of the `processes` backend (`concurrency-lab __worker`). It says hello with
//! the protocol version, takes one setup line, then runs task ranges one task at a time and
//! reports span batches. It has its own GIL, like a CPython worker process. It exits when its
//! stdin closes: the lifeline that ends it if the app dies, even by SIGKILL.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;

use crate::engine::backend::protocol::{FromWorker, PARENT_PID_ENV, PROTOCOL_VERSION, ToWorker, WireSpan};
use crate::engine::gil::Gil;
use crate::engine::sys::{die_with_parent, monotonic_nanos};
use crate::engine::workload::TaskRunner;
use crate::engine::{CancelToken, Sizes};

/// Spans are sent when this many are buffered, after this long, or when the worker is idle.
const FLUSH_SPANS: usize = 256;
const FLUSH_NANOS: u64 = 50_000_000;

pub fn main() -> ExitCode {
    let parent = std::env::var(PARENT_PID_ENV).ok().and_then(|pid| pid.parse().ok());
    if let Err(err) = die_with_parent(parent) {
        eprintln!("worker: {err}");
        return ExitCode::from(3);
    }
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = send(&FromWorker::Error { message: message.clone() });
            eprintln!("worker: {message}");
            ExitCode::from(2)
        }
    }
}

fn send(message: &FromWorker) -> Result<(), String> {
    let line = serde_json::to_string(message).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| format!("the app stopped listening: {e}"))
}

fn serve() -> Result<(), String> {
    send(&FromWorker::Hello {
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        pid: std::process::id(),
    })?;
    let mut first = String::new();
    let read = std::io::stdin().lock().read_line(&mut first).map_err(|e| e.to_string())?;
    if read == 0 {
        return Ok(());
    }
    let ToWorker::Setup { workload, sizes, gil, panic_every } =
        serde_json::from_str(&first).map_err(|e| format!("bad setup line: {e}"))?
    else {
        return Err("the first message was not a setup".to_owned());
    };
    let runner = TaskRunner {
        kind: workload,
        sizes: Sizes::list(sizes),
        panic_every,
        gil: gil.then(|| Arc::new(Gil::default())),
        cancel: CancelToken::new(),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("lab-worker-stdin".to_owned())
        .spawn(move || read_tasks(&tx))
        .map_err(|e| format!("could not start the stdin thread: {e}"))?;
    run_tasks(&runner, &rx)
}

/// Forwards task ranges; on EOF (the app closed us, or died) ends the process at once.
fn read_tasks(tx: &mpsc::Sender<(u64, u64)>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match serde_json::from_str(&line) {
            Ok(ToWorker::Tasks { first, count }) => {
                if tx.send((first, count)).is_err() {
                    break;
                }
            }
            _ => {
                eprintln!("worker: unexpected line: {line:.200}");
                std::process::exit(2);
            }
        }
    }
    std::process::exit(0);
}

fn run_tasks(runner: &TaskRunner, rx: &mpsc::Receiver<(u64, u64)>) -> Result<(), String> {
    let mut queue = VecDeque::new();
    let mut spans = Vec::with_capacity(FLUSH_SPANS);
    let mut last_flush = monotonic_nanos();
    loop {
        if queue.is_empty() {
            flush(&mut spans)?;
            match rx.recv() {
                Ok(range) => queue.push_back(range),
                Err(_) => return Ok(()),
            }
        }
        queue.extend(rx.try_iter());
        let Some((first, count)) = queue.pop_front() else { continue };
        for task in first..first.saturating_add(count) {
            let start = monotonic_nanos();
            // The worker's token is never cancelled: the app stops a worker by killing it.
            let ok = runner.run_blocking(task).unwrap_or(false);
            let end = monotonic_nanos();
            spans.push(WireSpan(task, start, end, ok));
            if spans.len() >= FLUSH_SPANS || end.saturating_sub(last_flush) >= FLUSH_NANOS {
                flush(&mut spans)?;
                last_flush = end;
            }
        }
    }
}

fn flush(spans: &mut Vec<WireSpan>) -> Result<(), String> {
    if spans.is_empty() {
        return Ok(());
    }
    let batch = FromWorker::Done { spans: std::mem::take(spans) };
    send(&batch)
}
