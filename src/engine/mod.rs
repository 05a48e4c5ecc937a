//! The experiment engine: runs a workload on a concurrency backend and measures what
//! happened. It knows nothing of windows, argument parsing or files; it reports through an
//! [`EventSink`] and returns a [`RunResult`]. The GUI and the CLI are two consumers of it.

pub mod backend;
pub mod cancel;
pub mod config;
pub mod events;
pub mod gil;
pub mod gil_holds;
pub mod http_server;
pub mod io;
pub mod kinds;
pub mod lane;
pub mod limits;
pub mod loop_lag;
pub mod machine;
pub mod result;
mod run;
pub mod sampler;
mod sizes;
pub mod spans;
pub mod stats;
pub mod sys;
pub mod task_log;
pub mod workload;

pub use cancel::{CancelToken, Cancelled};
pub use config::{BackendKind, ConfigError, ExperimentConfig, Sizes, ValidConfig, Workload, WorkloadKind};
pub use events::{Event, EventSink, NullSink};
pub use machine::Machine;
pub use result::{CpuSample, GilHold, Outcome, ResultFile, RunResult, Span};
pub use run::run_experiment;
