//! What to run: backend, workload, task and worker counts, GIL, repetitions. `validate()` turns
//! an [`ExperimentConfig`] into a [`ValidConfig`]; the engine only runs valid ones, and the GUI
//! and the CLI show the same [`ConfigError`] messages (field, bound, value).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use super::backend::python::StartMethod;
pub use super::kinds::{BackendKind, WorkloadKind, thousands};
use super::kinds::{InFlight, WorkerKind};
use super::limits;
pub use super::sizes::Sizes;

mod describe;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub size: Sizes,
}

impl Workload {
    pub fn new(kind: WorkloadKind, size: u64) -> Self {
        Self { kind, size: Sizes::one(size) }
    }

    /// "primes below 100,000" or "fib(28), fib(30), fib(32)".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self.size.values().iter().map(|s| self.kind.describe(*s)).collect();
        if self.kind == WorkloadKind::Noop { "no-op".to_owned() } else { parts.join(", ") }
    }
}

/// One experiment on one backend. Field names are part of the result JSON contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub backend: BackendKind,
    pub workload: Workload,
    pub tasks: u64,
    pub workers: u64,
    pub gil: bool,
    /// Measured repetitions (their median is reported).
    pub repeat: u32,
    /// Unmeasured repetitions run first.
    pub warmup: u32,
    /// CPU sampling interval.
    pub sample_interval_millis: u64,
    /// Fault injection for tests: every `panic_every`-th task panics (0: never).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub panic_every: u64,
    /// Each task does its work `steps` times, yielding between steps (an `await` on event
    /// loops, `thread::yield_now` elsewhere). Above 1, the order of steps is recorded and
    /// `distinct_orders` counts the different orders across repetitions.
    #[serde(default = "one_step")]
    pub steps: u32,
    /// The I/O wait of each `mixed` task, after its CPU part (ignored by other workloads).
    #[serde(default = "default_io_wait_millis")]
    pub io_wait_millis: u64,
    /// Where the embedded HTTP server of an `http` run listens (default: 127.0.0.1, an
    /// ephemeral port). For tests of a server that cannot bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_bind_addr: Option<SocketAddr>,
    /// The interpreter of the Python backends (default: `python3` on PATH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PathBuf>,
    /// How `python-processes` starts its workers (default: the interpreter's own default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_method: Option<StartMethod>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn one_step() -> u32 {
    1
}

pub const DEFAULT_IO_WAIT_MILLIS: u64 = 50;

fn default_io_wait_millis() -> u64 {
    DEFAULT_IO_WAIT_MILLIS
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            backend: BackendKind::Threads,
            workload: Workload::new(WorkloadKind::Primes, 100_000),
            tasks: 2,
            workers: 2,
            gil: false,
            repeat: 1,
            warmup: 0,
            sample_interval_millis: 100,
            panic_every: 0,
            steps: 1,
            io_wait_millis: DEFAULT_IO_WAIT_MILLIS,
            http_bind_addr: None,
            python: None,
            start_method: None,
        }
    }
}

pub const MAX_TASKS: u64 = 1_000_000;
pub const MAX_THREADS: u64 = 1024;
pub const MAX_SIZE_LIST: u64 = 1000;
pub const MAX_REPEAT: u64 = 100;
pub const MAX_WARMUP: u64 = 10;
pub const SAMPLE_INTERVAL_BOUNDS_MILLIS: (u64, u64) = (50, 1000);
pub const STEPS_BOUNDS: (u64, u64) = (1, 1000);
pub const IO_WAIT_BOUNDS_MILLIS: (u64, u64) = (0, 60_000);

/// Why a config can't run. Every message names the field, the bound and the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{field} must be between {min} and {max}{why}, got {value}")]
    OutOfRange {
        field: &'static str,
        min: u64,
        max: u64,
        value: u64,
        /// Where the bound comes from, e.g. " (4 × 2 cores) for the processes backend".
        why: String,
    },
    #[error("workload.size must list at least one size")]
    NoSizes,
    #[error(
        "workers: {value} {what} would exceed the per-user process limit \
         (RLIMIT_NPROC = {limit}, {in_use} already in use by this user); \
         lower workers or raise `ulimit -u`"
    )]
    ProcessLimit { value: u64, what: &'static str, limit: u64, in_use: u64 },
    #[error(
        "workers: {connections} {what} at once need about {needed} open files, but the \
         limit is {limit} (RLIMIT_NOFILE); lower workers or tasks, or raise `ulimit -Hn`"
    )]
    OpenFiles { connections: u64, what: &'static str, needed: u64, limit: u64 },
    #[error(
        "{field}: {value} need about {need} of memory at worst ({breakdown}), but this machine has \
         {have} {have_what}; lower {field} or the workload size"
    )]
    Memory { field: &'static str, value: u64, need: String, breakdown: String, have: String, have_what: &'static str },
    #[error(
        "{field}: {value} need up to {need} of temp files at once (one per file task in flight), \
         but the temp directory {dir} has {free} free; lower {field} or workload.size, or set TMPDIR"
    )]
    TempSpace { field: &'static str, value: u64, need: String, dir: String, free: String },
}

/// A config that passed [`ExperimentConfig::validate`]. Only these reach the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidConfig(ExperimentConfig);

impl std::ops::Deref for ValidConfig {
    type Target = ExperimentConfig;
    fn deref(&self) -> &ExperimentConfig {
        &self.0
    }
}

impl ValidConfig {
    pub fn into_inner(self) -> ExperimentConfig {
        self.0
    }
}

fn in_range(field: &'static str, value: u64, (min, max): (u64, u64), why: String) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) { Ok(()) } else { Err(ConfigError::OutOfRange { field, min, max, value, why }) }
}

impl ExperimentConfig {
    /// The largest `workers` this backend accepts for this config, and why.
    pub fn max_workers(&self) -> (u64, String) {
        let backend = self.backend;
        match backend.info().workers {
            WorkerKind::InFlight => (self.tasks.max(1), format!(" (the task count) for the {backend} backend")),
            WorkerKind::Thread | WorkerKind::Virtual => (MAX_THREADS, format!(" for the {backend} backend")),
            WorkerKind::Process => {
                let cores = limits::logical_cores();
                (4 * cores, format!(" (4 × {cores} cores) for the {backend} backend"))
            }
        }
    }

    pub fn validate(&self) -> Result<ValidConfig, ConfigError> {
        in_range("tasks", self.tasks, (1, MAX_TASKS), String::new())?;
        let (max_workers, why) = self.max_workers();
        in_range("workers", self.workers, (1, max_workers), why)?;
        let sizes = self.workload.size.values();
        if sizes.is_empty() {
            return Err(ConfigError::NoSizes);
        }
        in_range("workload.size", sizes.len() as u64, (1, MAX_SIZE_LIST), " values in a size list".into())?;
        let bounds = self.workload.kind.size_bounds();
        for &size in sizes {
            let why = format!(" for {}", self.workload.kind);
            in_range("workload.size", size, bounds, why)?;
        }
        in_range("repeat", u64::from(self.repeat), (1, MAX_REPEAT), String::new())?;
        in_range("warmup", u64::from(self.warmup), (0, MAX_WARMUP), String::new())?;
        in_range("sample_interval_millis", self.sample_interval_millis, SAMPLE_INTERVAL_BOUNDS_MILLIS, String::new())?;
        in_range("steps", u64::from(self.steps), STEPS_BOUNDS, String::new())?;
        if self.workload.kind == WorkloadKind::Mixed {
            in_range("io_wait_millis", self.io_wait_millis, IO_WAIT_BOUNDS_MILLIS, " for mixed".into())?;
        }
        self.check_process_limit()?;
        super::resources::check(self)?;
        self.check_open_files()?;
        let mut valid = self.clone();
        // The emulated GIL is the lab's own: a Python backend runs under its interpreter's GIL
        // (or none, on a free-threaded build), whatever the switch says.
        if valid.backend.is_python() {
            valid.gil = false;
        }
        Ok(ValidConfig(valid))
    }

    /// Tasks in flight at once: `workers` where workers take one task at a time (or a loop
    /// limits itself to `workers`), every task elsewhere.
    pub fn tasks_in_flight(&self) -> u64 {
        match self.backend.info().in_flight {
            InFlight::Workers => self.workers.min(self.tasks),
            InFlight::AllTasks => self.tasks,
        }
    }

    /// The field that bounds [`Self::tasks_in_flight`], for messages.
    pub fn in_flight_field(&self) -> &'static str {
        match self.backend.info().in_flight {
            InFlight::Workers => "workers",
            InFlight::AllTasks => "tasks",
        }
    }

    /// HTTP connections open at once: one per task in flight.
    pub fn http_connections(&self) -> u64 {
        self.tasks_in_flight()
    }

    /// An `http` run needs a client and a server end per connection, a `file` run one file per
    /// task in flight; the soft open-files limit is raised to the hard one when the run
    /// starts, so the hard one is what counts.
    fn check_open_files(&self) -> Result<(), ConfigError> {
        let (files, what) = match self.workload.kind {
            WorkloadKind::Http => (2 * self.http_connections(), "HTTP connections"),
            WorkloadKind::File => (self.tasks_in_flight(), "file tasks"),
            _ => return Ok(()),
        };
        let needed = files + 64;
        match limits::open_files_limit() {
            Some(limit) if limit < needed => {
                Err(ConfigError::OpenFiles { connections: self.tasks_in_flight(), what, needed, limit })
            }
            _ => Ok(()),
        }
    }

    /// Refuses thread or process counts the OS would not give us, before anything starts.
    fn check_process_limit(&self) -> Result<(), ConfigError> {
        // A Python backend also starts its interpreter's own threads and helper processes.
        let python = if self.backend.is_python() { 8 } else { 0 };
        let extra = self.workers.saturating_mul(self.backend.info().workers.os_tasks_each()) + python;
        if extra == 0 {
            return Ok(());
        }
        let Some(limit) = limits::process_limit() else { return Ok(()) };
        // Counting the user's threads scans /proc; skip it when the request is far below the
        // limit (a spawn that still fails is reported as a failed run, never a crash).
        if (extra + 64) * 4 <= limit {
            return Ok(());
        }
        let in_use = limits::user_tasks_in_use();
        // Headroom for the sampler, the run thread and the GUI's own threads.
        if in_use + extra + 8 > limit {
            return Err(ConfigError::ProcessLimit {
                value: self.workers,
                what: self.backend.workers_meaning(),
                limit,
                in_use,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ExperimentConfig {
        ExperimentConfig::default()
    }

    #[test]
    fn the_emulated_gil_is_off_for_python_backends() {
        for &backend in BackendKind::PYTHON {
            let config = ExperimentConfig { backend, gil: true, ..ExperimentConfig::default() };
            assert!(!config.validate().expect("valid").gil, "{backend} runs under its interpreter's own GIL");
        }
        let rust = ExperimentConfig { gil: true, ..ExperimentConfig::default() };
        assert!(rust.validate().expect("valid").gil);
    }

    #[test]
    fn default_config_is_valid() {
        assert!(config().validate().is_ok());
    }

    #[test]
    fn zero_tasks_names_field_bound_and_value() {
        let msg = ExperimentConfig { tasks: 0, ..config() }.validate().unwrap_err().to_string();
        assert_eq!(msg, "tasks must be between 1 and 1000000, got 0");
    }

    #[test]
    fn too_many_threads_is_refused() {
        let cfg = ExperimentConfig { workers: 5000, ..config() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert_eq!(msg, "workers must be between 1 and 1024 for the threads backend, got 5000");
    }

    #[test]
    fn processes_are_bounded_by_cores() {
        let cores = limits::logical_cores();
        let cfg = ExperimentConfig { backend: BackendKind::Processes, workers: 4 * cores + 1, ..config() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert!(msg.contains(&format!("(4 × {cores} cores)")), "{msg}");
        assert!(msg.contains(&format!("got {}", 4 * cores + 1)), "{msg}");
    }

    #[test]
    fn event_loop_in_flight_is_bounded_by_tasks() {
        let cfg = ExperimentConfig { backend: BackendKind::EventLoop, tasks: 10, workers: 11, ..config() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert!(msg.contains("between 1 and 10 (the task count)"), "{msg}");
    }

    #[test]
    fn size_bounds_are_per_workload() {
        let cfg = ExperimentConfig { workload: Workload::new(WorkloadKind::Fib, 90), ..config() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert_eq!(msg, "workload.size must be between 1 and 45 for fib, got 90");
        let zero = ExperimentConfig { workload: Workload::new(WorkloadKind::Sleep, 0), ..config() };
        assert!(zero.validate().is_err());
        let empty = Workload { kind: WorkloadKind::Fib, size: Sizes::list(vec![]) };
        assert_eq!(ExperimentConfig { workload: empty, ..config() }.validate().err(), Some(ConfigError::NoSizes));
    }

    #[test]
    fn sizes_cycle_across_tasks() {
        let sizes = Sizes::list(vec![28, 30, 32]);
        let got: Vec<u64> = (0..5).map(|t| sizes.for_task(t)).collect();
        assert_eq!(got, vec![28, 30, 32, 28, 30]);
    }

    #[test]
    fn sizes_serialize_as_number_or_list() {
        assert_eq!(serde_json::to_string(&Sizes::one(7)).ok(), Some("7".to_owned()));
        assert_eq!(serde_json::to_string(&Sizes::list(vec![1, 2])).ok(), Some("[1,2]".to_owned()));
        let back: Option<Sizes> = serde_json::from_str("[28,30]").ok();
        assert_eq!(back, Some(Sizes::list(vec![28, 30])));
    }

    #[test]
    fn steps_and_io_wait_are_bounded() {
        let steps = ExperimentConfig { steps: 0, ..config() }.validate().err().map(|e| e.to_string());
        assert_eq!(steps.as_deref(), Some("steps must be between 1 and 1000, got 0"));
        let mixed =
            ExperimentConfig { workload: Workload::new(WorkloadKind::Mixed, 1000), io_wait_millis: 70_000, ..config() };
        let msg = mixed.validate().unwrap_err().to_string();
        assert_eq!(msg, "io_wait_millis must be between 0 and 60000 for mixed, got 70000");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
