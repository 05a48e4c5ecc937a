//! The `processes` backend (ProcessPoolExecutor): `workers` copies of this binary started
//! with the hidden `__worker` subcommand, fed contiguous task ranges over stdin (guided
//! chunking: big chunks while much is left, single tasks at the end) and answering with
//! span batches on stdout. Workers can't be orphaned: kill on stop or drop, `PR_SET_PDEATHSIG`
//! set by the worker on Linux, and a stdin-EOF lifeline in the worker. A worker that dies mid-run ends the run
//! `failed`, naming the worker and its exit code or signal. CPU time is what the kernel
//! accounted to each reaped child (`wait4`).

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::protocol::{self, FromWorker, PARENT_PID_ENV, ToWorker, WORKER_SUBCOMMAND};
use super::{Backend, BackendReport, RunContext};
use crate::engine::result::Span;
use crate::engine::spans::LaneRecorder;
use crate::engine::sys;

pub struct Processes;

/// How long workers get to start and say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a worker gets to exit after its stdin closes before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
const MAX_CHUNK: u64 = 1024;
const STDERR_TAIL_BYTES: usize = 2000;

impl Backend for Processes {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let (tx, rx) = mpsc::channel();
        let mut pool = Pool { workers: Vec::new(), rx };
        let mut setup_secs = 0.0;
        let outcome = pool.start(ctx, &tx).and_then(|()| {
            setup_secs = ctx.clock.now_secs();
            drop(tx);
            pool.dispatch(ctx)
        });
        let ended_secs = ctx.clock.now_secs();
        let clean = outcome.is_ok() && !ctx.cancel.is_cancelled();
        let cpu_secs = pool.shutdown(clean, ctx);
        BackendReport { setup_secs, ended_secs, cpu_secs, error: outcome.err() }
    }
}

/// What the pipe reader threads report.
enum Incoming {
    Message(usize, FromWorker),
    Garbage(usize, String),
    Closed(usize),
}

struct Worker {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    outstanding: u64,
    last_chunk: u64,
    stderr_tail: Arc<Mutex<String>>,
    reaped: Option<sys::Reaped>,
}

struct Pool {
    workers: Vec<Worker>,
    rx: Receiver<Incoming>,
}

impl Pool {
    /// Starts every worker in parallel, each from its own reader thread: that thread lives
    /// exactly as long as its worker's stdout, which makes it the right "parent" for
    /// `PR_SET_PDEATHSIG`, and spawns overlap instead of queueing behind each other.
    fn start(&mut self, ctx: &RunContext<'_>, tx: &Sender<Incoming>) -> Result<(), String> {
        let exe = std::env::current_exe().map_err(|e| format!("could not find this program's binary: {e}"))?;
        let count = usize::try_from(ctx.config.workers).unwrap_or(usize::MAX);
        let mut pending = Vec::with_capacity(count);
        for index in 0..count {
            let mut command = Command::new(&exe);
            command
                .arg(WORKER_SUBCOMMAND)
                .env(PARENT_PID_ENV, std::process::id().to_string())
                // The binary's allocator (mimalloc) would back its first allocation with a
                // transparent huge page; zeroing 2 MiB costs a worker ~0.5 ms of start-up.
                .env("MIMALLOC_ALLOW_THP", "0")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            pending.push(spawn_with_reader(index, command, tx.clone())?);
        }
        for (index, spawned) in pending.into_iter().enumerate() {
            let spawned = spawned.recv().unwrap_or_else(|_| Err(std::io::Error::other("its thread ended")));
            let mut child = spawned
                .map_err(|e| format!("could not start worker process {index} of {count} ({}): {e}", exe.display()))?;
            ctx.pids.add(child.id());
            let stderr = child.stderr.take();
            let stdin = child.stdin.take().map(BufWriter::new);
            let stderr_tail = Arc::new(Mutex::new(String::new()));
            self.workers.push(Worker {
                child,
                stdin,
                outstanding: 0,
                last_chunk: 0,
                stderr_tail: stderr_tail.clone(),
                reaped: None,
            });
            if let Some(stderr) = stderr {
                spawn_stderr_tail(index, stderr, stderr_tail)?;
            }
        }
        self.handshake(ctx)
    }

    fn handshake(&mut self, ctx: &RunContext<'_>) -> Result<(), String> {
        let deadline = Instant::now() + HELLO_TIMEOUT;
        let mut greeted = vec![false; self.workers.len()];
        while greeted.iter().any(|g| !g) {
            if ctx.cancel.is_cancelled() {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("worker processes did not say hello within {} s", HELLO_TIMEOUT.as_secs()));
            }
            match self.rx.recv_timeout(left.min(Duration::from_millis(20))) {
                Ok(Incoming::Message(index, message)) => {
                    protocol::check_hello(&message).map_err(|e| format!("worker process {index} {e}"))?;
                    greeted[index] = true;
                }
                Ok(other) => return Err(self.explain(other)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err("all worker pipes closed".to_owned()),
            }
        }
        let config = ctx.config;
        let setup = ToWorker::Setup {
            workload: config.workload.kind,
            sizes: config.workload.size.values().to_vec(),
            gil: config.gil,
            panic_every: config.panic_every,
        };
        for index in 0..self.workers.len() {
            self.send(index, &setup)?;
        }
        Ok(())
    }

    fn dispatch(&mut self, ctx: &RunContext<'_>) -> Result<(), String> {
        let tasks = ctx.config.tasks;
        let mut next_task = 0;
        let mut done = 0;
        let mut recorder = LaneRecorder::new(ctx.spans);
        for index in 0..self.workers.len() {
            self.top_up(index, &mut next_task, tasks)?;
        }
        while done < tasks {
            if ctx.cancel.is_cancelled() {
                return Ok(());
            }
            match self.rx.recv_timeout(Duration::from_millis(20)) {
                Ok(Incoming::Message(index, FromWorker::Done { spans })) => {
                    let worker = u32::try_from(index).unwrap_or(u32::MAX);
                    for protocol::WireSpan(task, start, end, ok) in &spans {
                        let (start_secs, end_secs) = (ctx.clock.secs_at(*start), ctx.clock.secs_at(*end));
                        recorder.record(Span { task: *task, worker, start_secs, end_secs, ok: *ok });
                    }
                    let finished = spans.len() as u64;
                    done += finished;
                    if let Some(w) = self.workers.get_mut(index) {
                        w.outstanding = w.outstanding.saturating_sub(finished);
                    }
                    self.top_up(index, &mut next_task, tasks)?;
                }
                Ok(other) => return Err(self.explain(other)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err("all worker pipes closed".to_owned()),
            }
        }
        Ok(())
    }

    /// Keeps worker `index` fed: a new chunk when it is idle, or when a big chunk is half done.
    fn top_up(&mut self, index: usize, next_task: &mut u64, tasks: u64) -> Result<(), String> {
        let remaining = tasks - *next_task;
        let Some(worker) = self.workers.get(index) else { return Ok(()) };
        let hungry = worker.outstanding == 0 || (worker.last_chunk > 1 && worker.outstanding <= worker.last_chunk / 2);
        if remaining == 0 || !hungry {
            return Ok(());
        }
        let lanes = self.workers.len() as u64;
        let count = remaining.div_ceil(4 * lanes).clamp(1, MAX_CHUNK);
        self.send(index, &ToWorker::Tasks { first: *next_task, count })?;
        *next_task += count;
        if let Some(worker) = self.workers.get_mut(index) {
            worker.outstanding += count;
            worker.last_chunk = count;
        }
        Ok(())
    }

    fn send(&mut self, index: usize, message: &ToWorker) -> Result<(), String> {
        let line = serde_json::to_string(message).map_err(|e| format!("could not encode a message: {e}"))?;
        let written = match self.workers.get_mut(index).and_then(|w| w.stdin.as_mut()) {
            Some(stdin) => writeln!(stdin, "{line}").and_then(|()| stdin.flush()),
            None => return Ok(()),
        };
        written.map_err(|_| self.death_of(index))
    }

    /// Turns an unexpected message into the run's error.
    fn explain(&mut self, incoming: Incoming) -> String {
        match incoming {
            Incoming::Message(index, FromWorker::Error { message }) => {
                format!("worker process {index} failed: {message}")
            }
            Incoming::Message(index, other) => format!("worker process {index} sent an unexpected {other:?}"),
            Incoming::Garbage(index, line) => format!("worker process {index} sent an unreadable line: {line:.200}"),
            Incoming::Closed(index) => self.death_of(index),
        }
    }

    /// "worker process 1 (pid 4242) was killed by signal 9 (SIGKILL)", plus its stderr tail.
    fn death_of(&mut self, index: usize) -> String {
        let Some(worker) = self.workers.get_mut(index) else { return format!("worker process {index} vanished") };
        let pid = worker.child.id();
        let deadline = Instant::now() + EXIT_GRACE;
        while worker.reaped.is_none() && Instant::now() < deadline {
            match try_reap(worker) {
                Ok(true) => break,
                Ok(false) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break,
            }
        }
        let how = match worker.reaped {
            Some(reaped) => reaped.exit.to_string(),
            None => "closed its output but is still running".to_owned(),
        };
        let tail = worker.stderr_tail.lock().map(|t| t.trim().to_owned()).unwrap_or_default();
        let tail = if tail.is_empty() { String::new() } else { format!("; its last words: {tail}") };
        format!("worker process {index} (pid {pid}) {how} before the run finished{tail}")
    }

    /// Ends every worker and reaps it. `clean`: close stdin and give them time to exit;
    /// otherwise (stop, failure) kill at once. Returns the workers' total CPU time.
    fn shutdown(&mut self, clean: bool, ctx: &RunContext<'_>) -> Option<f64> {
        for worker in &mut self.workers {
            drop(worker.stdin.take());
            if !clean && worker.reaped.is_none() {
                let _ = worker.child.kill();
            }
        }
        let deadline = Instant::now() + EXIT_GRACE;
        for worker in &mut self.workers {
            while worker.reaped.is_none() {
                let reaped = try_reap(worker);
                if !matches!(reaped, Ok(false)) {
                    break;
                }
                if Instant::now() >= deadline {
                    let _ = worker.child.kill();
                    let _ = reap_blocking(worker);
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            ctx.pids.remove(worker.child.id());
        }
        self.workers.iter().map(|w| w.reaped.and_then(|r| r.cpu_secs)).sum()
    }
}

impl Drop for Pool {
    /// The safety net: no path out of this backend leaves a worker running.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            if worker.reaped.is_none() {
                let _ = worker.child.kill();
                let _ = reap_blocking(worker);
            }
        }
    }
}

/// Reaps `worker` if it has exited. `Ok(true)`: reaped (now or before).
fn try_reap(worker: &mut Worker) -> std::io::Result<bool> {
    if worker.reaped.is_none() {
        worker.reaped = sys::reap_child(&mut worker.child, false)?;
    }
    Ok(worker.reaped.is_some())
}

fn reap_blocking(worker: &mut Worker) -> std::io::Result<()> {
    if worker.reaped.is_none() {
        worker.reaped = sys::reap_child(&mut worker.child, true)?;
    }
    Ok(())
}

/// Spawns worker `index` on a new thread that then forwards its stdout, line by line. The
/// child (without its stdout) comes back through the returned channel.
fn spawn_with_reader(
    index: usize,
    mut command: Command,
    tx: Sender<Incoming>,
) -> Result<Receiver<std::io::Result<Child>>, String> {
    let (child_tx, child_rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name(format!("lab-proc-{index}"))
        .spawn(move || {
            let mut child = match command.spawn() {
                Ok(child) => child,
                Err(err) => {
                    let _ = child_tx.send(Err(err));
                    return;
                }
            };
            let stdout = child.stdout.take();
            if child_tx.send(Ok(child)).is_err() {
                return;
            }
            for line in stdout.into_iter().flat_map(|out| BufReader::new(out).lines()) {
                let Ok(line) = line else { break };
                let incoming = match serde_json::from_str::<FromWorker>(&line) {
                    Ok(message) => Incoming::Message(index, message),
                    Err(_) => Incoming::Garbage(index, line),
                };
                if tx.send(incoming).is_err() {
                    return;
                }
            }
            let _ = tx.send(Incoming::Closed(index));
        })
        .map(|_| child_rx)
        .map_err(|e| format!("could not start the thread of worker process {index}: {e}"))
}

fn spawn_stderr_tail(index: usize, stderr: impl Read + Send + 'static, tail: Arc<Mutex<String>>) -> Result<(), String> {
    std::thread::Builder::new()
        .name(format!("lab-proc-err-{index}"))
        .spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let Ok(mut tail) = tail.lock() else { break };
                tail.push_str(&line);
                tail.push('\n');
                if tail.len() > STDERR_TAIL_BYTES {
                    let cut = tail.len() - STDERR_TAIL_BYTES;
                    let cut = (cut..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(0);
                    tail.drain(..cut);
                }
            }
        })
        .map(drop)
        .map_err(|e| format!("could not start the stderr thread of worker process {index}: {e}"))
}
