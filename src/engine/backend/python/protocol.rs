//! The wire protocol between the lab and its Python harness (`harness.py`): the setup goes
//! out as the script's one argument (JSON); the harness answers with JSON lines on its
//! original fd 1. It speaks first, after its imports, with a `hello` carrying the protocol
//! version and what the interpreter is; the lab answers with one `go` line on stdin, the
//! start of the measured part. Spans come back in batches, each task with its own span,
//! timestamps in CLOCK_MONOTONIC nanoseconds (the lab's clock too).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::interpreter::StartMethod;
use crate::engine::config::WorkloadKind;
use crate::engine::loop_lag::LoopLag;

/// Must match `PROTOCOL` in harness.py.
pub const PROTOCOL_VERSION: u32 = 1;

/// The harness as shipped, and the workloads it imports: the two files of the private temp
/// directory the interpreter runs from, `(name, text)`.
pub const FILES: [(&str, &str); 2] =
    [("harness.py", include_str!("harness.py")), ("lab_workloads.py", include_str!("lab_workloads.py"))];

/// Must match `NOISE_ENV` in lab_workloads.py: tasks print to stdout (for tests of the protocol).
#[cfg(test)]
pub const NOISE_ENV: &str = "CONCURRENCY_LAB_PYTHON_NOISE";

/// Which pool the harness runs the tasks on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    /// One asyncio event loop, `workers` tasks in flight.
    Asyncio,
    /// A ThreadPoolExecutor of `workers` threads.
    Threads,
    /// A ProcessPoolExecutor of `workers` processes.
    Processes,
}

/// Everything the harness needs to run any task of one repetition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    pub backend: Pool,
    pub workload: WorkloadKind,
    pub sizes: Vec<u64>,
    pub tasks: u64,
    pub workers: u64,
    pub steps: u32,
    pub record_steps: bool,
    pub io_wait_millis: u64,
    pub http_url: Option<String>,
    pub file_dir: Option<PathBuf>,
    /// python-processes: `None` keeps the interpreter's default.
    pub start_method: Option<StartMethod>,
    /// Fault injection: every Nth task raises (0: never).
    pub fail_every: u64,
}

/// What the harness says about the interpreter, after every import.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub pid: u32,
    pub version: String,
    pub implementation: String,
    pub executable: String,
    pub free_threaded: bool,
    /// `sys._is_gil_enabled()` after the imports (an extension module can turn it back on).
    pub gil_enabled: bool,
    pub start_method: Option<String>,
    pub http_client: Option<String>,
    /// When the imports were done.
    pub t_ns: u64,
}

/// `[task, lane, start_ns, end_ns, ok]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct WireSpan(pub u64, pub u32, pub u64, pub u64, pub bool);

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromHarness {
    Hello(Hello),
    /// The pool exists and every worker has started: setup is over.
    Ready {
        t0_ns: u64,
        ready_ns: u64,
        /// Worker processes, by lane (python-processes).
        worker_pids: Vec<u32>,
        /// The pool's fork server and resource tracker, when they run.
        #[serde(default)]
        helper_pids: Vec<u32>,
    },
    Spans {
        spans: Vec<WireSpan>,
        /// Step starts `[nanos, task, step]`, when recording steps.
        #[serde(default)]
        steps: Vec<(u64, u64, u32)>,
        /// Tasks that raised, with Python's traceback.
        #[serde(default)]
        errors: Vec<(u64, String)>,
    },
    Done {
        end_ns: u64,
        /// CPU time of the interpreter since "go", plus its worker processes'.
        cpu_secs: f64,
        /// python-asyncio: how late a 1 ms heartbeat inside the loop woke.
        lag: Option<LoopLag>,
    },
    /// The harness itself failed: Python's traceback.
    Error {
        message: String,
    },
}

/// Checks the harness's hello.
pub fn check_hello(hello: &Hello) -> Result<(), String> {
    if hello.protocol == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(format!("the Python harness speaks protocol {}, the lab {PROTOCOL_VERSION}", hello.protocol))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARNESS: &str = FILES[0].1;
    const WORKLOADS: &str = FILES[1].1;

    #[test]
    fn the_harness_and_the_lab_agree_on_names() {
        assert!(HARNESS.contains(&format!("PROTOCOL = {PROTOCOL_VERSION}\n")));
        assert!(WORKLOADS.contains(&format!("NOISE_ENV = \"{NOISE_ENV}\"")));
        let parent = crate::engine::backend::protocol::PARENT_PID_ENV;
        assert!(HARNESS.contains(&format!("PARENT_PID_ENV = \"{parent}\"")));
        assert!(HARNESS.contains("if __name__ == \"__main__\":"), "spawn pools import the harness");
        assert!(HARNESS.contains("from lab_workloads import"), "and it imports its neighbour");
    }

    #[test]
    fn messages_parse() {
        let line = r#"{"type":"spans","spans":[[3,1,10,20,false]],"errors":[[3,"Traceback"]]}"#;
        let parsed: Result<FromHarness, _> = serde_json::from_str(line);
        assert_eq!(
            parsed.ok(),
            Some(FromHarness::Spans {
                spans: vec![WireSpan(3, 1, 10, 20, false)],
                steps: vec![],
                errors: vec![(3, "Traceback".into())]
            })
        );
        let done = r#"{"type":"done","end_ns":5,"cpu_secs":0.5,"lag":{"max_secs":0.2,"p99_secs":0.1}}"#;
        let parsed: Result<FromHarness, _> = serde_json::from_str(done);
        assert!(matches!(parsed, Ok(FromHarness::Done { lag: Some(_), .. })));
    }

    #[test]
    fn setup_spells_what_the_harness_reads() {
        let setup = Setup {
            backend: Pool::Processes,
            workload: WorkloadKind::BlockingSleep,
            sizes: vec![1],
            tasks: 2,
            workers: 2,
            steps: 1,
            record_steps: false,
            io_wait_millis: 0,
            http_url: None,
            file_dir: None,
            start_method: Some(StartMethod::Forkserver),
            fail_every: 0,
        };
        let json = serde_json::to_string(&setup).unwrap_or_default();
        assert!(json.contains(r#""backend":"processes""#), "{json}");
        assert!(json.contains(r#""workload":"blocking-sleep""#), "{json}");
        assert!(json.contains(r#""start_method":"forkserver""#), "{json}");
        for key in ["sizes", "tasks", "workers", "steps", "record_steps", "io_wait_millis", "http_url", "file_dir"] {
            let reads = |text: &str| {
                text.contains(&format!("setup[\"{key}\"]")) || text.contains(&format!("setup.get(\"{key}\")"))
            };
            assert!(reads(HARNESS) || reads(WORKLOADS), "{key}");
        }
    }
}
