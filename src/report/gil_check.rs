//! Real CPython beside the emulated GIL: when CPU-bound work ran on Python's threads and
//! processes (the same workers), the factor between them, and the lab's own threads and
//! processes with the GIL emulated, if they ran the same work. This is the one comparison that
//! crosses languages, and it compares ratios, never a Python time with a Rust time.

use serde::Serialize;

use super::{excluded, same_work};
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
    let clean = |i: &usize, backend: BackendKind| {
        let r = runs[*i];
        excluded(r).is_none() && r.config.backend == backend && r.config.workload.kind.is_cpu_bound()
    };
    // The same tasks on the same number of workers (the language aside).
    let like = |a: &RunResult, b: &RunResult| {
        a.config.workers == b.config.workers
            && a.config.workload == b.config.workload
            && a.config.tasks == b.config.tasks
            && a.config.steps == b.config.steps
    };
    let find = |backend: BackendKind, pick: &dyn Fn(&RunResult) -> bool| {
        (0..runs.len()).find(|i| clean(i, backend) && pick(runs[*i]))
    };
    let python_threads = find(BackendKind::PythonThreads, &|_| true)?;
    let threads_run = runs[python_threads];
    // The same interpreter, the same work.
    let python_processes =
        find(BackendKind::PythonProcesses, &|r| same_work(&r.config, &threads_run.config) && like(r, threads_run))?;
    let lab_threads = find(BackendKind::Threads, &|r| r.config.gil && like(r, threads_run));
    let lab_processes = lab_threads
        .and_then(|t| find(BackendKind::Processes, &|r| same_work(&r.config, &runs[t].config) && like(r, threads_run)));
    let emulated = match (lab_threads, lab_processes) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PythonRun;
    use crate::report::sample::run;
    use crate::report::{Finding, Reason, Verdict, text, verdict};

    fn python(backend: BackendKind, repetitions: &[f64], gil_enabled: bool) -> RunResult {
        let mut r = run(backend, repetitions);
        r.python = Some(PythonRun {
            executable: "/usr/bin/python3".into(),
            implementation: "CPython".into(),
            version: "3.11.7".into(),
            free_threaded: !gil_enabled,
            gil_enabled,
            start_method: None,
            http_client: None,
        });
        r
    }

    fn lab(backend: BackendKind, repetitions: &[f64], gil: bool) -> RunResult {
        let mut r = run(backend, repetitions);
        r.config.gil = gil;
        r
    }

    #[test]
    fn real_cpython_is_set_beside_the_emulated_gil() {
        let py_threads = python(BackendKind::PythonThreads, &[3.7, 3.8, 3.9], true);
        let py_processes = python(BackendKind::PythonProcesses, &[1.9, 2.0, 2.1], true);
        let no_gil = lab(BackendKind::Threads, &[0.9, 1.0, 1.1], false);
        let threads = lab(BackendKind::Threads, &[1.9, 2.0, 2.1], true);
        let processes = lab(BackendKind::Processes, &[0.9, 1.0, 1.1], true);
        let runs = [&py_threads, &py_processes, &no_gil, &threads, &processes];
        let check = gil_check(&runs).expect("both pairs ran");
        assert_eq!((check.python_threads, check.python_processes), (0, 1));
        assert_eq!(check.emulated.as_ref().map(|e| (e.threads, e.processes)), Some((3, 4)), "the GIL-on pair");
        assert_eq!(
            text::gil_check(&check),
            "Real CPython threads were 1.90× slower than CPython processes; the lab's emulated GIL gave 2.00×."
        );
        assert!(check.involves(0) && check.involves(4) && !check.involves(2));
        // Without the lab's pair, the real figure alone; without the real pair, nothing.
        let alone = gil_check(&[&py_threads, &py_processes]).expect("the real pair");
        assert_eq!(text::gil_check(&alone), "Real CPython threads were 1.90× slower than CPython processes.");
        assert!(gil_check(&[&threads, &processes]).is_none());
    }

    #[test]
    fn other_interpreters_and_other_work_are_not_paired() {
        let py_threads = python(BackendKind::PythonThreads, &[3.8], true);
        let mut other = python(BackendKind::PythonProcesses, &[2.0], true);
        other.config.python = Some("/opt/python3.14t".into());
        assert!(gil_check(&[&py_threads, &other]).is_none(), "another interpreter");
        let mut more_tasks = python(BackendKind::PythonProcesses, &[2.0], true);
        more_tasks.config.tasks = 4;
        assert!(gil_check(&[&py_threads, &more_tasks]).is_none(), "other work");
    }

    #[test]
    fn a_free_threaded_build_says_so() {
        let free = python(BackendKind::PythonThreads, &[1.0], false);
        let processes = python(BackendKind::PythonProcesses, &[2.0], true);
        let check = gil_check(&[&free, &processes]).expect("the real pair");
        assert_eq!(text::gil_check(&check), "Real CPython threads (GIL off) were 2.00× faster than CPython processes.");
        let even = python(BackendKind::PythonThreads, &[2.05], true);
        let check = gil_check(&[&even, &processes]).expect("the real pair");
        assert!(text::gil_check(&check).ends_with("took about as long as CPython processes (1.02×)."));
    }

    #[test]
    fn cpython_threads_taking_turns_are_blamed_on_cpythons_gil_not_the_emulated_one() {
        let mut py_threads = python(BackendKind::PythonThreads, &[3.7, 3.8, 3.9], true);
        // The window's switch may be on: it is not the GIL a Python run ran under.
        py_threads.config.gil = true;
        py_threads.effective_parallelism = Some(1.0);
        let mut py_processes = python(BackendKind::PythonProcesses, &[1.9, 2.0, 2.1], true);
        py_processes.config.gil = true;
        py_processes.effective_parallelism = Some(1.9);
        let Verdict::Compared(comparison) = verdict(&[&py_threads, &py_processes], 0) else {
            panic!("the two Python runs are compared");
        };
        assert_eq!(comparison.finding, Finding::Faster { reason: Reason::CpythonGil { parallelism: 1.0 } });
    }
}
