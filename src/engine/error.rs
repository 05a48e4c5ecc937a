//! The engine's errors, typed: each says what failed, on which value, and why. They are handled
//! once, where a run's result is assembled: a failed run carries the message in
//! `RunResult::error` (a string in the result contract), and the CLI and the window only show
//! it. Config errors are `config::ConfigError`; names are `kinds::{UnknownBackend,
//! UnknownWorkload}`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a run could not start: its I/O targets (the HTTP server, the temp directory).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("could not start the HTTP server on {bind}: {what}: {cause}")]
    HttpServer { bind: SocketAddr, what: &'static str, cause: std::io::Error },
    #[error(
        "the file workload cannot {what} in the temp directory {}: {cause} (set TMPDIR to a writable directory)",
        .dir.display()
    )]
    TempDir { dir: PathBuf, what: &'static str, cause: std::io::Error },
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
}

/// Why one task's I/O failed (the task counts as failed; the run goes on).
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("no HTTP server was started for this run")]
    NoServer,
    #[error("no temp directory was set for this run")]
    NoTempDir,
    #[error("GET {url}: {cause}")]
    Http { url: String, cause: String },
    #[error("GET {url}: unexpected body {body:.100}")]
    Body { url: String, body: String },
    #[error("file workload in {}: {what}: {cause}", .dir.display())]
    File { dir: PathBuf, what: &'static str, cause: std::io::Error },
    #[error("file workload: a blocking call did not finish: {0}")]
    BlockingCall(String),
    #[error("file workload: wrote {wrote} bytes, read back {read}")]
    ShortRead { wrote: usize, read: usize },
}

/// What went wrong with the worker processes of a run. Cloneable: one failure answers every
/// task still waiting on the pool.
#[derive(Clone, Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("could not find this program's binary: {0}")]
    NoBinary(Arc<std::io::Error>),
    #[error("could not start worker process {index} of {count} ({}): {cause}", .binary.display())]
    Spawn { index: usize, count: usize, binary: PathBuf, cause: Arc<std::io::Error> },
    #[error("could not start the {what} thread of worker process {index}: {cause}")]
    Thread { index: usize, what: &'static str, cause: Arc<std::io::Error> },
    #[error("worker processes did not say hello within {secs} s")]
    NoHello { secs: u64 },
    #[error("worker process {index} {problem}")]
    Protocol { index: usize, problem: ProtocolError },
    #[error("worker process {index} failed: {message}")]
    Failed { index: usize, message: String },
    #[error("worker process {index} sent an unexpected {message}")]
    Unexpected { index: usize, message: String },
    #[error("worker process {index} sent an unreadable line: {line:.200}")]
    Garbage { index: usize, line: String },
    /// "worker process 1 (pid 4242) was killed by signal 9 (SIGKILL) before the run finished".
    #[error("worker process {index} (pid {pid}) {how} before the run finished{}", last_words(.stderr_tail))]
    Died { index: usize, pid: u32, how: String, stderr_tail: String },
    #[error("worker process {index} vanished")]
    Vanished { index: usize },
    #[error("all worker pipes closed")]
    PipesClosed,
    #[error("could not encode a message to the workers: {0}")]
    Encode(String),
    #[error("task {task} was offloaded to a pool that does not take offloads")]
    NotOffloading { task: u64 },
    #[error("the pool was told to finish early")]
    FinishedEarly,
    #[error("the process pool has stopped")]
    PoolStopped,
    #[error("the run was stopped")]
    RunStopped,
}

fn last_words(tail: &str) -> String {
    if tail.is_empty() { String::new() } else { format!("; its last words: {tail}") }
}

/// A worker that does not speak this app's protocol.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(
        "speaks protocol {theirs} (app {version}), this app speaks {ours}: was the binary replaced while \
         the app ran? Restart it"
    )]
    Version { theirs: u32, ours: u32, version: String },
    #[error("sent {0} before its hello")]
    BeforeHello(String),
}

/// Why a repetition failed, from the backend's side.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Workers(#[from] WorkerError),
    /// A thread, a pool or a runtime the backend needs could not start.
    #[error("could not start {what}: {cause}")]
    Start { what: String, cause: std::io::Error },
    #[error("could not start a rayon pool of {threads} threads: {cause}")]
    RayonPool { threads: u64, cause: String },
    #[error("a panic escaped a task on the rayon pool")]
    EscapedPanic,
    #[error(transparent)]
    Tasks(#[from] TasksFailed),
    #[error("only {done} of {tasks} tasks finished")]
    Unfinished { done: u64, tasks: u64 },
    /// The user's Python interpreter (or its pool) failed, in its own words (a traceback).
    #[error("{0}")]
    Python(String),
}

/// Tasks whose I/O failed: how many, and the first one's error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}task {task} failed: {message}", if *.count > 1 { format!("{} tasks failed; the first: ", .count) } else { String::new() })]
pub struct TasksFailed {
    pub count: u64,
    pub task: u64,
    pub message: String,
}

/// Why a task (or one step of it) did not finish.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("offload thread: {0}")]
    OffloadThread(String),
    #[error(transparent)]
    Workers(#[from] WorkerError),
    #[error("its blocking part failed in worker process {worker}")]
    BlockingPart { worker: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_which_and_why() {
        let died = WorkerError::Died {
            index: 1,
            pid: 4242,
            how: "was killed by signal 9 (SIGKILL)".into(),
            stderr_tail: String::new(),
        };
        assert_eq!(
            died.to_string(),
            "worker process 1 (pid 4242) was killed by signal 9 (SIGKILL) before the run finished"
        );
        let tasks = TasksFailed { count: 2, task: 3, message: "boom".into() };
        assert_eq!(tasks.to_string(), "2 tasks failed; the first: task 3 failed: boom");
        let one = TasksFailed { count: 1, task: 3, message: "boom".into() };
        assert_eq!(one.to_string(), "task 3 failed: boom");
        let dir =
            SetupError::TempDir { dir: "/x/y".into(), what: "create files", cause: std::io::Error::other("nope") };
        assert!(dir.to_string().contains("/x/y: nope") && dir.to_string().contains("TMPDIR"), "{dir}");
    }
}
