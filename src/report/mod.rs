//! The report layer: every judgement about results, in one place, free of I/O and of any front
//! end. It decides which runs can be compared ([`comparable`], the one rule), how their speeds
//! relate once noise is taken into account ([`difference`], [`relative_speeds`]), the verdict
//! on a run ([`verdict`]), the notes a run deserves ([`notes`]) and, with real CPython beside
//! the lab, how its GIL compares with the emulated one ([`gil_check`]), each as a structured
//! value.
//! [`text`] puts those values into words; the CLI table, the exports and the GUI summary all use
//! them and add only their own presentation (columns, colours by [`Severity`]). See
//! ARCHITECTURE.md, "The report layer".

pub mod format;
mod gil_check;
mod load;
mod machines;
mod noise;
mod notes;
mod relative;
pub mod scaling;
mod summary;
mod sweep;
pub mod text;
mod verdict;

pub use gil_check::{GilCheck, gil_check};
pub use load::{BUSY_CORES, Load};
pub use machines::{
    BackendAcross, MachineComparison, RatioAcross, across_machines, comparable_on, machine_label, same_machine,
};
pub use noise::{Difference, NoiseRule, Spread, between, difference};
pub use notes::{GilHolders, Note, NoteKind, Severity, notes};
pub use relative::{Relative, relative_speeds};
pub use summary::{RunReport, Summary, Worded, summary};
pub use sweep::{BackendSweep, SweepPoint, SweepReport, sweep_report};
pub use verdict::{Comparison, Finding, Reason, Verdict, group_verdicts, verdict};

use crate::engine::{ExperimentConfig, Outcome, RunResult};

/// Whether two runs did the same work, so that their times can be compared: the same workload
/// and sizes, task count, steps, I/O wait (for a workload that waits after its CPU part), GIL
/// and fault injection, in the same language: Python runs (on the same interpreter) are
/// compared with Python runs and the lab's Rust runs with Rust runs, since across the two the
/// difference is mostly the language ([`gil_check`] sets them side by side). Backends and
/// worker counts may differ: that is what a comparison is for.
pub fn comparable(a: &RunResult, b: &RunResult) -> bool {
    same_work(&a.config, &b.config)
}

/// [`comparable`] on configs.
pub fn same_work(a: &ExperimentConfig, b: &ExperimentConfig) -> bool {
    a.workload == b.workload
        && a.tasks == b.tasks
        && a.steps == b.steps
        && a.gil == b.gil
        && a.panic_every == b.panic_every
        && (!a.workload.kind.uses_io_wait() || a.io_wait_millis == b.io_wait_millis)
        && a.backend.is_python() == b.backend.is_python()
        && (!a.backend.is_python() || a.python == b.python)
}

/// The same work on the same backend with the same workers and warm-ups (a cold first
/// repetition is another experiment): two runs of one experiment, which can differ only by
/// noise.
pub fn same_config(a: &ExperimentConfig, b: &ExperimentConfig) -> bool {
    same_work(a, b)
        && a.backend == b.backend
        && a.workers == b.workers
        && a.start_method == b.start_method
        && a.warmup == b.warmup
}

/// For each run, the index of its group of comparable runs; groups are numbered in the order
/// they first appear.
pub fn groups(runs: &[&RunResult]) -> Vec<usize> {
    let mut firsts: Vec<&RunResult> = Vec::new();
    runs.iter()
        .map(|run| match firsts.iter().position(|first| comparable(first, run)) {
            Some(group) => group,
            None => {
                firsts.push(run);
                firsts.len() - 1
            }
        })
        .collect()
}

/// Why a run takes no part in speed comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Excluded {
    /// The run failed; its figures cover only what ran.
    Failed,
    /// The run was stopped before the end.
    Cancelled,
    /// Some tasks panicked or failed, so it did less work than its rivals.
    TasksFailed,
    /// No time was measured.
    NoTime,
}

/// `None` when `run` can be compared with others, else why not.
pub fn excluded(run: &RunResult) -> Option<Excluded> {
    match run.outcome {
        Outcome::Failed => Some(Excluded::Failed),
        Outcome::Cancelled => Some(Excluded::Cancelled),
        Outcome::Completed if run.tasks_failed > 0 => Some(Excluded::TasksFailed),
        Outcome::Completed if run.elapsed_secs.is_nan() || run.elapsed_secs <= 0.0 => Some(Excluded::NoTime),
        Outcome::Completed => None,
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! Hand-made results for the report's tests: a run is built from its repetitions' times.
    use crate::engine::Stats;
    use crate::engine::{BackendKind, ExperimentConfig, Outcome, Repetition, RunResult};

    /// A completed run of the default work (primes, 2 tasks) with these repetition times.
    pub fn run(backend: BackendKind, repetitions: &[f64]) -> RunResult {
        let config = ExperimentConfig { backend, repeat: repetitions.len() as u32, ..ExperimentConfig::default() };
        let stats = Stats::of(repetitions);
        RunResult {
            elapsed_secs: stats.median_secs,
            cpu_secs: Some(stats.median_secs),
            effective_parallelism: Some(1.0),
            tasks_ok: config.tasks,
            repetitions: repetitions
                .iter()
                .map(|&elapsed_secs| Repetition {
                    elapsed_secs,
                    cpu_secs: Some(elapsed_secs),
                    setup_secs: 0.0,
                    interpreter_startup_secs: None,
                    lab_cpu_secs: None,
                    other_cpu_secs: None,
                })
                .collect(),
            stats,
            ..RunResult::unmeasured(config, Outcome::Completed)
        }
    }

    /// `run` with the engine's accounting: the lab's and other programs' CPU seconds during
    /// its reported repetition.
    /// CPython 3.11.7 with its GIL on, as the harness reports it.
    pub fn cpython() -> crate::engine::PythonRun {
        crate::engine::PythonRun {
            executable: "/usr/bin/python3".to_owned(),
            implementation: "CPython".to_owned(),
            version: "3.11.7".to_owned(),
            free_threaded: false,
            gil_enabled: true,
            start_method: None,
            http_client: None,
        }
    }

    pub fn with_load(mut run: RunResult, lab_cpu_secs: f64, other_cpu_secs: f64) -> RunResult {
        run.lab_cpu_secs = Some(lab_cpu_secs);
        run.other_cpu_secs = Some(other_cpu_secs);
        run
    }
}

#[cfg(test)]
mod tests {
    use super::sample::run;
    use super::*;
    use crate::engine::{BackendKind, Sizes, Workload, WorkloadKind};

    #[test]
    fn comparable_means_the_same_work_on_any_backend() {
        let threads = run(BackendKind::Threads, &[1.0]);
        let mut processes = run(BackendKind::Processes, &[0.5]);
        processes.config.workers = 8;
        assert!(comparable(&threads, &processes), "backend and workers may differ");
        let differ: [fn(&mut ExperimentConfig); 6] = [
            |c| c.workload = Workload::new(WorkloadKind::Sleep, 100_000),
            |c| c.workload.size = Sizes::list(vec![100_000, 200]),
            |c| c.tasks += 1,
            |c| c.steps = 3,
            |c| c.gil = !c.gil,
            |c| c.panic_every = 2,
        ];
        for change in differ {
            let mut other = threads.clone();
            change(&mut other.config);
            assert!(!comparable(&threads, &other), "{:?} vs {:?}", threads.config, other.config);
        }
    }

    #[test]
    fn the_io_wait_counts_only_for_work_that_waits() {
        let mut a = run(BackendKind::Threads, &[1.0]);
        let mut b = a.clone();
        b.config.io_wait_millis = a.config.io_wait_millis + 10;
        assert!(comparable(&a, &b), "primes ignore the I/O wait");
        a.config.workload = Workload::new(WorkloadKind::Mixed, 1000);
        b.config.workload = a.config.workload.clone();
        assert!(!comparable(&a, &b), "mixed tasks wait that long");
    }

    #[test]
    fn groups_follow_first_appearance() {
        let a = run(BackendKind::Threads, &[1.0]);
        let mut sleep = a.clone();
        sleep.config.workload = Workload::new(WorkloadKind::Sleep, 10);
        let b = run(BackendKind::Processes, &[1.0]);
        assert_eq!(groups(&[&sleep, &a, &sleep, &b]), vec![0, 1, 0, 1]);
    }

    #[test]
    fn failed_stopped_and_panicked_runs_are_excluded() {
        let mut r = run(BackendKind::Threads, &[1.0]);
        assert_eq!(excluded(&r), None);
        r.tasks_failed = 1;
        assert_eq!(excluded(&r), Some(Excluded::TasksFailed));
        r.outcome = Outcome::Cancelled;
        assert_eq!(excluded(&r), Some(Excluded::Cancelled));
        r.outcome = Outcome::Failed;
        assert_eq!(excluded(&r), Some(Excluded::Failed));
        let zero = RunResult::unmeasured(ExperimentConfig::default(), Outcome::Completed);
        assert_eq!(excluded(&zero), Some(Excluded::NoTime));
    }
}
