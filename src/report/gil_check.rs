//! Real CPython beside the emulated GIL: when CPU-bound work ran on Python's threads and
//! processes (the same workers), the factor between them, and the lab's own threads and
//! processes with the GIL emulated, if they ran the same work. This is the one comparison that
//! crosses languages, and it compares ratios, never a Python time with a Rust time.

use serde::Serialize;

use super::excluded;
use crate::engine::{BackendKind, RunResult};

/// The real and the emulated GIL's cost, as threads' time over processes' time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GilCheck {
    /// "CPython", "PyPy".
    pub implementation: String,
    /// The interpreter ran without a GIL (a free-threaded build with it off).
    pub gil_off: bool,
    /// Indices of the python-threads and python-processes runs.
    pub python_threads: usize,
    pub python_processes: usize,
    /// python-threads' median over python-processes' median.
    pub real_factor: f64,
    /// The lab's threads and processes runs with the GIL emulated, and their factor.
    pub emulated: Option<Emulated>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Emulated {
    pub threads: usize,
    pub processes: usize,
    pub factor: f64,
}

/// The check among `runs`, when they include clean CPU-bound runs of python-threads and
/// python-processes with the same work and workers.
pub fn gil_check(runs: &[&RunResult]) -> Option<GilCheck> {
    let find = |backend: BackendKind, like: Option<&RunResult>, gil: bool| {
        runs.iter().position(|r| {
            excluded(r).is_none()
                && r.config.backend == backend
                && r.config.workload.kind.is_cpu_bound()
                && like.is_none_or(|l| {
                    r.config.workers == l.config.workers
                        && r.config.workload == l.config.workload
                        && r.config.tasks == l.config.tasks
                })
                && (backend.is_python() || r.config.gil == gil)
        })
    };
    let python_threads = find(BackendKind::PythonThreads, None, false)?;
    let threads_run = runs[python_threads];
    let python_processes = find(BackendKind::PythonProcesses, Some(threads_run), false)?;
    let emulated = match (
        find(BackendKind::Threads, Some(threads_run), true),
        find(BackendKind::Processes, Some(threads_run), true),
    ) {
        (Some(threads), Some(processes)) => {
            Some(Emulated { threads, processes, factor: runs[threads].elapsed_secs / runs[processes].elapsed_secs })
        }
        _ => None,
    };
    let python = threads_run.python.as_ref();
    Some(GilCheck {
        implementation: python.map_or_else(|| "CPython".to_owned(), |p| p.implementation.clone()),
        gil_off: python.is_some_and(|p| !p.gil_enabled),
        python_threads,
        python_processes,
        real_factor: threads_run.elapsed_secs / runs[python_processes].elapsed_secs,
        emulated,
    })
}

impl GilCheck {
    /// Whether run `index` is one of the runs the check is made of.
    pub fn involves(&self, index: usize) -> bool {
        [self.python_threads, self.python_processes].contains(&index)
            || self.emulated.as_ref().is_some_and(|e| [e.threads, e.processes].contains(&index))
    }
}
