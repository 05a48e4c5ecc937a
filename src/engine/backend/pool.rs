//! A pool of worker processes (this binary's hidden `__worker` subcommand) shared by the
//! process-based backends: starting them in parallel with a reader thread each, the version
//! handshake and setup, sending messages, explaining a death (exit code or signal, stderr
//! tail), and the shutdown that reaps every child. No path out leaves a worker running:
//! kill on stop or drop, `PR_SET_PDEATHSIG` set by the worker on Linux, and a stdin-EOF
//! lifeline in the worker. Workers run in a process group of their own and ignore the stop
//! signals, so a terminal's Ctrl+C (sent to the whole foreground group) or a service manager's
//! SIGTERM reaches the app alone, which stops them itself. The pool's channel gets a
//! [`Incoming::Cancelled`] the moment the run is stopped, so nothing here polls for Stop.
//! CPU time is what the kernel accounted to each reaped child.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
#[cfg(unix)]
use std::os::unix::process::CommandExt as _;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::RunContext;
use super::protocol::{self, FromWorker, PARENT_PID_ENV, Setup, ToWorker, WORKER_SUBCOMMAND, WorkerMode};
use crate::engine::cancel::OnCancel;
use crate::engine::error::WorkerError;
use crate::engine::{io, memory, sys};

/// How long workers get to start and say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a worker gets to exit after its stdin closes before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
const STDERR_TAIL_BYTES: usize = 2000;

/// A task offloaded by an event loop, and where its answer goes: `(worker, ok)` or why not.
pub type OffloadReply = tokio::sync::oneshot::Sender<Result<(u32, bool), WorkerError>>;

/// What the pool's channel carries: the pipe readers' reports, and (for an event loop that
/// offloads to the pool) requests from the loop.
pub enum Incoming {
    Message(usize, FromWorker),
    Garbage(usize, String),
    Closed(usize),
    /// Run the blocking part of this task on some worker.
    Offload(u64, OffloadReply),
    /// The loop is done offloading.
    Finish,
    /// The run was stopped.
    Cancelled,
}

pub struct Worker {
    pub child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    pub outstanding: u64,
    pub last_chunk: u64,
    stderr_tail: Arc<Mutex<String>>,
    reaped: Option<sys::Reaped>,
    /// Its own peak resident memory, read before it was told to exit.
    peak_rss_bytes: Option<u64>,
}

/// What the reaped workers used, by the kernel's account (`None` where it can't tell).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkersUsage {
    /// Their CPU time, summed.
    pub cpu_secs: Option<f64>,
    /// Each worker's own peak resident memory (`VmHWM`, see `engine::memory`), summed; `None`
    /// when one could not be read (a worker that died first), and the sampler's readings stand in.
    pub peak_rss_bytes: Option<u64>,
}

pub struct Pool {
    pub workers: Vec<Worker>,
    pub rx: Receiver<Incoming>,
    /// Sends [`Incoming::Cancelled`] when the run is stopped (unregistered on drop).
    _on_cancel: OnCancel,
}

impl Pool {
    /// An empty pool, and the sender its pipe readers (and an offloading loop) report to.
    pub fn new(ctx: &RunContext<'_>) -> (Self, Sender<Incoming>) {
        let (tx, rx) = mpsc::channel();
        let on_cancel = ctx.cancel.on_cancel({
            let tx = tx.clone();
            move || {
                let _ = tx.send(Incoming::Cancelled);
            }
        });
        (Self { workers: Vec::new(), rx, _on_cancel: on_cancel }, tx)
    }

    /// Starts every worker in parallel, each from its own reader thread: that thread lives
    /// exactly as long as its worker's stdout, which makes it the right "parent" for
    /// `PR_SET_PDEATHSIG`, and spawns overlap instead of queueing behind each other.
    pub fn start(&mut self, ctx: &RunContext<'_>, tx: &Sender<Incoming>, mode: WorkerMode) -> Result<(), WorkerError> {
        let exe = own_binary().map_err(|e| WorkerError::NoBinary(Arc::new(e)))?;
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
            // Out of the app's process group: a terminal's Ctrl+C goes to the app alone.
            #[cfg(unix)]
            command.process_group(0);
            pending.push(spawn_with_reader(index, command, tx.clone())?);
        }
        for (index, spawned) in pending.into_iter().enumerate() {
            let spawned = spawned.recv().unwrap_or_else(|_| Err(std::io::Error::other("its thread ended")));
            let mut child =
                spawned.map_err(|e| WorkerError::Spawn { index, count, binary: exe.clone(), cause: Arc::new(e) })?;
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
                peak_rss_bytes: None,
            });
            if let Some(stderr) = stderr {
                spawn_stderr_tail(index, stderr, stderr_tail)?;
            }
        }
        self.handshake(ctx, mode)
    }

    fn handshake(&mut self, ctx: &RunContext<'_>, mode: WorkerMode) -> Result<(), WorkerError> {
        let deadline = Instant::now() + HELLO_TIMEOUT;
        let mut greeted = vec![false; self.workers.len()];
        while greeted.iter().any(|g| !g) {
            if ctx.cancel.is_cancelled() {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(WorkerError::NoHello { secs: HELLO_TIMEOUT.as_secs() });
            }
            match self.rx.recv_timeout(left) {
                Ok(Incoming::Cancelled) => return Ok(()),
                Ok(Incoming::Message(index, message)) => {
                    protocol::check_hello(&message).map_err(|problem| WorkerError::Protocol { index, problem })?;
                    greeted[index] = true;
                }
                Ok(other) => return Err(self.explain(other)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(WorkerError::PipesClosed),
            }
        }
        let config = ctx.config;
        let setup = ToWorker::Setup(Setup {
            workload: config.workload.kind,
            sizes: config.workload.size.values().to_vec(),
            gil: config.gil,
            // An offloading loop injects its panics itself, before it offloads.
            panic_every: if mode == WorkerMode::Offload { 0 } else { config.panic_every },
            mode,
            steps: if mode == WorkerMode::Offload { 1 } else { config.steps },
            record_steps: mode != WorkerMode::Offload && ctx.log.records_steps(),
            io_wait_millis: config.io_wait_millis,
            http_url: ctx.io.http_base_url().map(str::to_owned),
            file_dir: ctx.io.file_dir.clone(),
        });
        for index in 0..self.workers.len() {
            self.send(index, &setup)?;
        }
        Ok(())
    }

    pub fn send(&mut self, index: usize, message: &ToWorker) -> Result<(), WorkerError> {
        let line = serde_json::to_string(message).map_err(|e| WorkerError::Encode(e.to_string()))?;
        let written = match self.workers.get_mut(index).and_then(|w| w.stdin.as_mut()) {
            Some(stdin) => writeln!(stdin, "{line}").and_then(|()| stdin.flush()),
            None => return Ok(()),
        };
        written.map_err(|_| self.death_of(index))
    }

    /// Turns an unexpected message into the run's error.
    pub fn explain(&mut self, incoming: Incoming) -> WorkerError {
        match incoming {
            Incoming::Message(index, FromWorker::Error { message }) => WorkerError::Failed { index, message },
            Incoming::Message(index, other) => WorkerError::Unexpected { index, message: format!("{other:?}") },
            Incoming::Garbage(index, line) => WorkerError::Garbage { index, line },
            Incoming::Closed(index) => self.death_of(index),
            Incoming::Offload(task, _) => WorkerError::NotOffloading { task },
            Incoming::Finish => WorkerError::FinishedEarly,
            Incoming::Cancelled => WorkerError::RunStopped,
        }
    }

    /// "worker process 1 (pid 4242) was killed by signal 9 (SIGKILL)", plus its stderr tail.
    fn death_of(&mut self, index: usize) -> WorkerError {
        let Some(worker) = self.workers.get_mut(index) else { return WorkerError::Vanished { index } };
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
        let stderr_tail = worker.stderr_tail.lock().map(|t| t.trim().to_owned()).unwrap_or_default();
        WorkerError::Died { index, pid, how, stderr_tail }
    }

    /// Ends every worker and reaps it. `clean`: close stdin and give them time to exit;
    /// otherwise (stop, failure) kill at once. Returns what the workers used.
    pub fn shutdown(&mut self, clean: bool, ctx: &RunContext<'_>) -> WorkersUsage {
        for worker in &mut self.workers {
            if worker.reaped.is_none() {
                worker.peak_rss_bytes = memory::peak_rss_bytes_of(worker.child.id());
            }
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
            if let Some(dir) = &ctx.io.file_dir {
                // A worker killed mid-task could not delete its temp file.
                io::remove_leftovers(dir, worker.child.id());
            }
        }
        WorkersUsage {
            cpu_secs: self.workers.iter().map(|w| w.reaped.and_then(|r| r.cpu_secs)).sum(),
            peak_rss_bytes: self.workers.iter().map(|w| w.peak_rss_bytes).sum(),
        }
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
) -> Result<Receiver<std::io::Result<Child>>, WorkerError> {
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
        .map_err(|e| WorkerError::Thread { index, what: "stdout", cause: Arc::new(e) })
}

fn spawn_stderr_tail(
    index: usize,
    stderr: impl Read + Send + 'static,
    tail: Arc<Mutex<String>>,
) -> Result<(), WorkerError> {
    std::thread::Builder::new()
        .name(format!("lab-proc-err-{index}"))
        .spawn(move || super::keep_tail(stderr, &tail, STDERR_TAIL_BYTES))
        .map(drop)
        .map_err(|e| WorkerError::Thread { index, what: "stderr", cause: Arc::new(e) })
}

/// This program's binary, to start workers from. On Linux `/proc/self/exe`, which stays the
/// running binary even after the file on disk was replaced or deleted (an upgrade, a rebuild
/// while the window is open); `current_exe` would name the new file, or one that is gone.
fn own_binary() -> std::io::Result<std::path::PathBuf> {
    let proc_exe = std::path::Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && proc_exe.exists() { Ok(proc_exe.to_owned()) } else { std::env::current_exe() }
}
