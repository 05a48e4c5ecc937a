//! The names a user picks from, as two tables: the backends (how work runs, in
//! `kinds/backends.rs`) and the workloads (what each task does, in `kinds/workloads.rs`), each
//! a row per entry with its public spelling, bounds and descriptions. The rest of the lab reads
//! the rows instead of matching on names; see ARCHITECTURE.md, "Adding a backend".

mod backends;
mod workloads;

pub use backends::{BackendInfo, BackendKind, InFlight, UnknownBackend, WorkerKind};
pub use workloads::{CpuWork, UnknownWorkload, WorkloadInfo, WorkloadKind, thousands};
