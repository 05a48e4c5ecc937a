//! What a run produced. Field names here are the result JSON contract (ARCHITECTURE.md,
//! "Result JSON"): add fields freely, never rename.

use serde::{Deserialize, Serialize};

use super::config::ExperimentConfig;
use super::machine::Machine;
use super::stats::Stats;
use super::sweep::SweepSpec;

/// One task's execution: which lane ran it and when, relative to the run's start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub task: u64,
    /// Thread index, process index, or 0 for a single-threaded event loop.
    pub worker: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    /// False when the task panicked or its I/O failed.
    pub ok: bool,
}

/// A stretch of time during which one lane held the emulated GIL (back-to-back holds of a
/// lane merged), relative to the run's start. Worker processes each have their own GIL, so
/// their holds may overlap; in-process lanes share one and never do.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GilHold {
    pub worker: u32,
    pub start_secs: f64,
    pub end_secs: f64,
}

/// Per-core busy percent over one sampling interval ending at `t_secs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuSample {
    pub t_secs: f64,
    /// The whole machine's busy percent, per core (the run, the lab and everything else).
    pub per_core: Vec<f32>,
    /// Who kept the machine busy over the interval, in cores' worth (totals over all cores:
    /// the kernel does not say on which core each thread's time was spent). Absent where it
    /// can't be measured (not Linux) and in older result files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<CoreSplit>,
}

/// One sampling interval's busy time, split by whose it was, in cores' worth (1.5 = one and
/// a half cores busy for the whole interval). See `engine::accounting`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoreSplit {
    /// The run itself: its workers, dispatcher, protocol readers, loopback server, and every
    /// process it started.
    pub run_cores: f32,
    /// The rest of the lab's process: the window, the sampler, progress, exporters.
    pub lab_cores: f32,
    /// Everything else on the machine.
    pub other_cores: f32,
}

impl CpuSample {
    pub fn mean(&self) -> f32 {
        if self.per_core.is_empty() {
            return 0.0;
        }
        self.per_core.iter().sum::<f32>() / self.per_core.len() as f32
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Cancelled,
    Failed,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }
}

/// One measured repetition.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Repetition {
    pub elapsed_secs: f64,
    pub cpu_secs: Option<f64>,
    /// The rest of the lab's process during this repetition (see `RunResult::lab_cpu_secs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab_cpu_secs: Option<f64>,
    /// Everything else on the machine during this repetition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_cpu_secs: Option<f64>,
    /// The setup part of `elapsed_secs`.
    #[serde(default)]
    pub setup_secs: f64,
    /// Python backends: the interpreter's start-up and imports, before `elapsed_secs` began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_startup_secs: Option<f64>,
}

/// The interpreter behind a Python backend's run, as it ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonRun {
    /// The interpreter's `sys.executable`.
    pub executable: String,
    /// "CPython", "PyPy".
    pub implementation: String,
    /// "3.11.7".
    pub version: String,
    /// A free-threaded build (3.13t and later).
    pub free_threaded: bool,
    /// Whether the GIL was on while the tasks ran (`sys._is_gil_enabled()` after the imports;
    /// always on in a default build).
    pub gil_enabled: bool,
    /// python-processes: how the pool started its workers ("fork", "spawn", "forkserver").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_method: Option<String>,
    /// `http` runs: the HTTP client the tasks used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_client: Option<String>,
}

impl PythonRun {
    /// "CPython 3.11.7", "CPython 3.14.0 free-threaded, GIL off".
    pub fn label(&self) -> String {
        let build = match (self.free_threaded, self.gil_enabled) {
            (false, _) => "",
            (true, false) => " free-threaded, GIL off",
            (true, true) => " free-threaded, GIL on",
        };
        format!("{} {}{build}", self.implementation, self.version)
    }
}

/// How the CPU samples were taken, so a reader can judge them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplerInfo {
    /// "proc-stat", "sysinfo", or "unavailable".
    pub source: String,
    pub interval_millis: u64,
    /// CPU time the sampler thread itself used during the reported repetition.
    pub cpu_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One experiment on one backend, possibly repeated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub config: ExperimentConfig,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Start of backend setup to the last task's end (median over repetitions).
    pub elapsed_secs: f64,
    /// The setup part of `elapsed_secs` (runtime, threads, processes started).
    pub setup_secs: f64,
    /// CPU time (user + system) of the run itself (median over repetitions): its workers,
    /// and on Linux everything else it started to run the tasks (dispatcher, protocol
    /// readers, the loopback server, the processes it started).
    pub cpu_secs: Option<f64>,
    /// CPU time of the rest of the lab's own process while the run ran (the window, the
    /// sampler, progress, exporters), median over repetitions; near 0 headless. Null where it
    /// can't be measured (not Linux) and in older files.
    #[serde(default)]
    pub lab_cpu_secs: Option<f64>,
    /// CPU time of everything else on the machine while the run ran (other programs, the X
    /// server; a VM's steal time), median over repetitions. Null where it can't be measured.
    #[serde(default)]
    pub other_cpu_secs: Option<f64>,
    /// `cpu_secs / elapsed_secs`: how many cores the run really used.
    pub effective_parallelism: Option<f64>,
    /// The run's memory: the peak resident memory it added to the app above `baseline_rss_bytes`,
    /// plus each worker process's own peak (the highest repetition's).
    pub peak_rss_bytes: Option<u64>,
    /// What the app itself held when that repetition started (not part of the run's memory).
    #[serde(default)]
    pub baseline_rss_bytes: Option<u64>,
    pub tasks_ok: u64,
    pub tasks_failed: u64,
    pub repetitions: Vec<Repetition>,
    pub stats: Stats,
    pub spans: Vec<Span>,
    pub cpu_samples: Vec<CpuSample>,
    pub sampler: SamplerInfo,
    /// Event-loop backends: how late a 1 ms heartbeat woke, at worst (null elsewhere).
    #[serde(default)]
    pub loop_lag_max_secs: Option<f64>,
    /// Event-loop backends: the 99th percentile of the heartbeat's lateness.
    #[serde(default)]
    pub loop_lag_p99_secs: Option<f64>,
    /// Event-loop backends: whether the loop was blocked longer than 100 ms at a stretch
    /// (asyncio debug mode's slow-callback threshold).
    #[serde(default)]
    pub loop_blocked: Option<bool>,
    /// With `steps` > 1 (and at most 1,000,000 steps in all): how many different orders of
    /// task steps the measured repetitions produced (1: deterministic interleaving).
    #[serde(default)]
    pub distinct_orders: Option<u64>,
    /// With `steps` > 1: the order of `[task, step]` in the reported repetition (when it has
    /// at most 10,000 steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_order: Vec<(u64, u32)>,
    /// Python backends: seconds from starting the interpreter to the end of its imports
    /// (median over repetitions), not part of `elapsed_secs` (null for other backends).
    #[serde(default)]
    pub interpreter_startup_secs: Option<f64>,
    /// Python backends: the interpreter and how it ran (null for other backends).
    #[serde(default)]
    pub python: Option<PythonRun>,
    /// With the GIL on: when each lane held it, in the reported repetition (earliest first,
    /// at most 20,000; empty with the GIL off).
    #[serde(default)]
    pub gil_holds: Vec<GilHold>,
    /// Holds beyond that cap, counted but not listed.
    #[serde(default)]
    pub gil_holds_dropped: u64,
}

impl RunResult {
    /// A result with nothing measured: the base that results built field by field start from
    /// (`RunResult { elapsed_secs, .., ..RunResult::unmeasured(config, outcome) }`), so a new
    /// field is added in one place.
    pub fn unmeasured(config: ExperimentConfig, outcome: Outcome) -> Self {
        let interval_millis = config.sample_interval_millis;
        Self {
            config,
            outcome,
            error: None,
            elapsed_secs: 0.0,
            setup_secs: 0.0,
            cpu_secs: None,
            lab_cpu_secs: None,
            other_cpu_secs: None,
            effective_parallelism: None,
            peak_rss_bytes: None,
            baseline_rss_bytes: None,
            tasks_ok: 0,
            tasks_failed: 0,
            repetitions: Vec::new(),
            stats: Stats::default(),
            spans: Vec::new(),
            cpu_samples: Vec::new(),
            sampler: SamplerInfo { source: "unavailable".to_owned(), interval_millis, cpu_secs: None, note: None },
            loop_lag_max_secs: None,
            loop_lag_p99_secs: None,
            loop_blocked: None,
            distinct_orders: None,
            step_order: Vec::new(),
            interpreter_startup_secs: None,
            python: None,
            gil_holds: Vec::new(),
            gil_holds_dropped: 0,
        }
    }
}

/// The whole result file (`--json`, and the GUI's "Export data").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultFile {
    pub version: u32,
    pub machine: Machine,
    pub runs: Vec<RunResult>,
    /// When the runs are the points of a sweep: what it varied, through which values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepSpec>,
}

impl ResultFile {
    pub const VERSION: u32 = 1;

    pub fn new(machine: Machine, runs: Vec<RunResult>) -> Self {
        Self { version: Self::VERSION, machine, runs, sweep: None }
    }
}
