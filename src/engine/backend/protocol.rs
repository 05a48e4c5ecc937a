//! The wire protocol between the app and its worker processes: JSON lines on the worker's
//! stdin (to it) and stdout (from it). The worker speaks first with a `hello` carrying the
//! protocol version; a mismatch (say, the binary was replaced on disk) is refused. Tasks go
//! out as contiguous ranges, spans come back in batches (with the worker's GIL holds since the
//! last batch); each task keeps its own span.

use serde::{Deserialize, Serialize};

use std::path::PathBuf;

use crate::engine::config::WorkloadKind;
use crate::engine::error::ProtocolError;
use crate::engine::loop_lag::LoopLag;

pub const PROTOCOL_VERSION: u32 = 3;

/// The hidden subcommand that turns this binary into a worker.
pub const WORKER_SUBCOMMAND: &str = "__worker";

/// The environment variable that tells a worker its parent's pid (see `sys::die_with_parent`).
pub const PARENT_PID_ENV: &str = "CONCURRENCY_LAB_PARENT_PID";

/// How a worker runs the tasks it is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkerMode {
    /// One task at a time, blocking (ProcessPoolExecutor).
    #[default]
    Blocking,
    /// Only each task's blocking part (CPU work), for a loop in the app (run_in_executor).
    Offload,
    /// Its own event loop with every task it was given in flight (aiomultiprocess).
    EventLoop,
}

/// Sent once, after the worker's hello: everything a worker needs to run any task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    pub workload: WorkloadKind,
    pub sizes: Vec<u64>,
    pub gil: bool,
    pub panic_every: u64,
    #[serde(default)]
    pub mode: WorkerMode,
    #[serde(default = "one")]
    pub steps: u32,
    /// Record step start times (the interleaving probe).
    #[serde(default)]
    pub record_steps: bool,
    #[serde(default)]
    pub io_wait_millis: u64,
    /// The run's HTTP server, for `http`.
    #[serde(default)]
    pub http_url: Option<String>,
    /// The run's temp directory, for `file`.
    #[serde(default)]
    pub file_dir: Option<PathBuf>,
}

fn one() -> u32 {
    1
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    Setup(Setup),
    /// Run tasks `first .. first + count`, in order, one at a time.
    Tasks {
        first: u64,
        count: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    Hello {
        protocol: u32,
        version: String,
        pid: u32,
    },
    Done {
        spans: Vec<WireSpan>,
        /// Step starts `[nanos, task, step]`, when recording steps.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        steps: Vec<(u64, u64, u32)>,
        /// The worker's loop lag so far (event-loop mode).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lag: Option<LoopLag>,
        /// With the GIL on: the worker's own GIL holds since its last batch, `[start, end]`
        /// in shared monotonic nanoseconds (the lane is the worker itself).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        gil: Vec<(u64, u64)>,
        /// Holds its recorder had no room for.
        #[serde(default, skip_serializing_if = "is_zero")]
        gil_dropped: u64,
    },
    /// A task failed with an I/O error (the task's span still comes, with `ok: false`).
    TaskError {
        task: u64,
        message: String,
    },
    Error {
        message: String,
    },
}

/// `[task, start, end, ok]` with times in shared monotonic nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireSpan(pub u64, pub u64, pub u64, pub bool);

/// Checks a worker's hello; `Ok` is its pid.
pub fn check_hello(message: &FromWorker) -> Result<u32, ProtocolError> {
    match message {
        FromWorker::Hello { protocol, pid, .. } if *protocol == PROTOCOL_VERSION => Ok(*pid),
        FromWorker::Hello { protocol, version, .. } => {
            Err(ProtocolError::Version { theirs: *protocol, ours: PROTOCOL_VERSION, version: version.clone() })
        }
        other => Err(ProtocolError::BeforeHello(format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_compact_json_lines() {
        let tasks = serde_json::to_string(&ToWorker::Tasks { first: 5, count: 2 }).unwrap();
        assert_eq!(tasks, r#"{"type":"tasks","first":5,"count":2}"#);
        let done = FromWorker::Done {
            spans: vec![WireSpan(5, 10, 20, true)],
            steps: vec![],
            lag: None,
            gil: vec![],
            gil_dropped: 0,
        };
        let line = serde_json::to_string(&done).unwrap();
        assert_eq!(line, r#"{"type":"done","spans":[[5,10,20,true]]}"#);
        assert_eq!(serde_json::from_str::<FromWorker>(&line).ok(), Some(done));
        let held = FromWorker::Done { spans: vec![], steps: vec![], lag: None, gil: vec![(10, 20)], gil_dropped: 3 };
        let line = serde_json::to_string(&held).unwrap_or_default();
        assert_eq!(line, r#"{"type":"done","spans":[],"gil":[[10,20]],"gil_dropped":3}"#);
        assert_eq!(serde_json::from_str::<FromWorker>(&line).ok(), Some(held));
    }

    #[test]
    fn version_mismatch_is_refused() {
        let hello = |protocol| FromWorker::Hello { protocol, version: "x".into(), pid: 7 };
        assert_eq!(check_hello(&hello(PROTOCOL_VERSION)), Ok(7));
        let err = check_hello(&hello(PROTOCOL_VERSION + 1)).unwrap_err().to_string();
        assert!(err.contains(&format!("speaks protocol {}", PROTOCOL_VERSION + 1)), "{err}");
    }
}
