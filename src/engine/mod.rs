//! The experiment engine: runs a workload on a concurrency backend and measures what
//! happened. It knows nothing of windows, argument parsing or files; it reports through an
//! [`EventSink`] and returns a [`RunResult`]. The GUI and the CLI are two consumers of it.
//!
//! Its modules are private; what the front ends, the report layer and the benchmarks use is
//! re-exported here, and nothing else. That includes the child side of the process backends:
//! the binary hands its hidden [`WORKER_SUBCOMMAND`] to [`run_worker`]. See ARCHITECTURE.md,
//! "Layers".

mod accounting;
mod backend;
mod cancel;
mod config;
mod error;
mod events;
mod gil;
mod gil_holds;
mod http_server;
mod io;
mod kinds;
mod lane;
mod limits;
mod loop_lag;
mod machine;
mod memory;
mod resources;
mod result;
mod run;
mod run_dir;
mod sampler;
mod sizes;
mod spans;
mod stats;
mod sweep;
mod sys;
mod task_log;
mod worker;
mod workload;

pub use accounting::LabThreads;
pub use backend::protocol::WORKER_SUBCOMMAND;
// The user's own Python: finding and describing an interpreter (the window probes for one).
pub use backend::python::interpreter::{self, DEFAULT_PYTHON, Interpreter, StartMethod};
pub use cancel::{CancelToken, Cancelled};
pub use config::{
    ConfigError, DEFAULT_IO_WAIT_MILLIS, ExperimentConfig, IO_WAIT_BOUNDS_MILLIS, MAX_REPEAT, MAX_TASKS, MAX_WARMUP,
    STEPS_BOUNDS, Sizes, ValidConfig, Workload,
};
pub use events::{Event, EventSink, NullSink};
pub use gil_holds::MAX_GIL_HOLDS;
pub use kinds::{
    BackendInfo, BackendKind, CpuWork, InFlight, UnknownBackend, UnknownWorkload, WorkerKind, WorkloadInfo,
    WorkloadKind, thousands,
};
pub use limits::logical_cores;
pub use machine::Machine;
pub use result::{
    CoreSplit, CpuSample, GilHold, Outcome, PythonRun, Repetition, ResultFile, RunResult, SamplerInfo, Span,
};
pub use run::run_experiment;
pub use stats::Stats;
pub use sweep::{MAX_SWEEP_VALUES, SweepError, SweepSpec, Vary, parse_sweep_values};
pub use sys::{disable_transparent_huge_pages, thread_cpu_secs};
// The OS calls the front ends and the exporters share with the engine (every `unsafe` block
// lives in `sys`): stop signals, and what an output path or stdout is.
pub use sys::{fd_identity, may_write, name_max, route_stop_signals, set_blocking};
pub use worker::main as run_worker;
pub use workload::count_primes;
