//! The wire protocol between the app and its worker processes: JSON lines on the worker's
//! stdin (to it) and stdout (from it). The worker speaks first with a `hello` carrying the
//! protocol version; a mismatch (say, the binary was replaced on disk) is refused. Tasks go
//! out as contiguous ranges, spans come back in batches; each task keeps its own span.

use serde::{Deserialize, Serialize};

use crate::engine::config::WorkloadKind;

pub const PROTOCOL_VERSION: u32 = 1;

/// The hidden subcommand that turns this binary into a worker.
pub const WORKER_SUBCOMMAND: &str = "__worker";

/// The environment variable that tells a worker its parent's pid (see `sys::die_with_parent`).
pub const PARENT_PID_ENV: &str = "CONCURRENCY_LAB_PARENT_PID";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Sent once, after the worker's hello.
    Setup { workload: WorkloadKind, sizes: Vec<u64>, gil: bool, panic_every: u64 },
    /// Run tasks `first .. first + count`, in order, one at a time.
    Tasks { first: u64, count: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    Hello { protocol: u32, version: String, pid: u32 },
    Done { spans: Vec<WireSpan> },
    Error { message: String },
}

/// `[task, start, end, ok]` with times in shared monotonic nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireSpan(pub u64, pub u64, pub u64, pub bool);

/// Checks a worker's hello.
pub fn check_hello(message: &FromWorker) -> Result<u32, String> {
    match message {
        FromWorker::Hello { protocol, pid, .. } if *protocol == PROTOCOL_VERSION => Ok(*pid),
        FromWorker::Hello { protocol, version, .. } => Err(format!(
            "speaks protocol {protocol} (app {version}), this app speaks {PROTOCOL_VERSION}: \
             was the binary replaced while the app ran? Restart it"
        )),
        other => Err(format!("sent {other:?} before its hello")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_compact_json_lines() {
        let tasks = serde_json::to_string(&ToWorker::Tasks { first: 5, count: 2 }).unwrap_or_default();
        assert_eq!(tasks, r#"{"type":"tasks","first":5,"count":2}"#);
        let done = FromWorker::Done { spans: vec![WireSpan(5, 10, 20, true)] };
        let line = serde_json::to_string(&done).unwrap_or_default();
        assert_eq!(line, r#"{"type":"done","spans":[[5,10,20,true]]}"#);
        assert_eq!(serde_json::from_str::<FromWorker>(&line).ok(), Some(done));
    }

    #[test]
    fn version_mismatch_is_refused() {
        let hello = |protocol| FromWorker::Hello { protocol, version: "x".into(), pid: 7 };
        assert_eq!(check_hello(&hello(PROTOCOL_VERSION)), Ok(7));
        let err = check_hello(&hello(PROTOCOL_VERSION + 1)).err().unwrap_or_default();
        assert!(err.contains("speaks protocol 2"), "{err}");
    }
}
