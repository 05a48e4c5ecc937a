//! Turning results into bytes: JSON (the full record with the report), CSV (one row per run),
//! Markdown and a plain-text table (one row per run, with the report's relative speeds, notes and
//! verdicts), and a Chrome / Perfetto trace of every run's timeline. Each format is an [`Exporter`]; all of them are pure functions of a [`ResultFile`]:
//! every judgement they print comes from the report layer (`crate::report`). `target` looks at
//! what an output path names; `atomic` writes it without clobbering what is there.

pub mod atomic;
pub mod compare;
mod csv;
mod json;
pub mod load;
mod markdown;
mod sweep;
mod table;
pub mod target;
mod trace;

pub use self::csv::Csv;
pub use self::json::Json;
pub use self::markdown::Markdown;
pub use self::table::Table;
pub use self::trace::Trace;
/// Number formatting lives with the report's words; kept here under its old path.
pub use crate::report::format;

use crate::engine::{ResultFile, RunResult};
use crate::report::{Summary, summary};

pub trait Exporter {
    /// The format's name, for messages ("json", "csv", ...).
    fn name(&self) -> &'static str;
    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>>;
}

/// The report of a whole file, as every exporter shows it.
fn report_of(file: &ResultFile) -> Summary {
    let runs: Vec<&RunResult> = file.runs.iter().collect();
    let mut report = summary(&runs, file.machine.logical_cores);
    let cores = file.machine.physical_cores.unwrap_or(file.machine.logical_cores);
    report.sweep = file.sweep.as_ref().map(|spec| crate::report::sweep_report(&runs, spec, cores));
    report
}

#[cfg(test)]
pub(crate) mod sample {
    //! A small, fixed result file for the exporters' tests.
    use crate::engine::Stats;
    use crate::engine::{
        BackendKind, CpuSample, ExperimentConfig, GilHold, Machine, Outcome, Repetition, ResultFile, RunResult,
        SamplerInfo, Span,
    };

    pub fn run(backend: BackendKind, elapsed_secs: f64, outcome: Outcome) -> RunResult {
        let config = ExperimentConfig { backend, ..ExperimentConfig::default() };
        RunResult {
            error: (outcome == Outcome::Failed)
                .then(|| "worker process 1 (pid 7) was killed by signal 9 (SIGKILL)".into()),
            elapsed_secs,
            setup_secs: 0.001,
            cpu_secs: Some(elapsed_secs * 1.5),
            effective_parallelism: Some(1.5),
            peak_rss_bytes: Some(3 * 1024 * 1024),
            tasks_ok: 2,
            tasks_failed: 0,
            repetitions: vec![Repetition {
                elapsed_secs,
                cpu_secs: Some(elapsed_secs * 1.5),
                setup_secs: 0.001,
                interpreter_startup_secs: None,
                lab_cpu_secs: None,
                other_cpu_secs: None,
            }],
            stats: Stats::of(&[elapsed_secs]),
            spans: vec![Span { task: 0, worker: 1, start_secs: 0.001, end_secs: 0.02, ok: true }],
            cpu_samples: vec![CpuSample { t_secs: 0.1, per_core: vec![100.0, 50.0], split: None }],
            sampler: SamplerInfo {
                source: "proc-stat".into(),
                interval_millis: 100,
                cpu_secs: Some(0.0001),
                note: None,
            },
            ..RunResult::unmeasured(config, outcome)
        }
    }

    /// Two turns of the GIL: lane 0, then lane 1.
    pub fn holds() -> Vec<GilHold> {
        vec![
            GilHold { worker: 0, start_secs: 0.001, end_secs: 0.006 },
            GilHold { worker: 1, start_secs: 0.006, end_secs: 0.011 },
        ]
    }

    /// A completed run with these repetition times (the median is its elapsed time).
    pub fn repeated(backend: BackendKind, repetitions: &[f64]) -> RunResult {
        let stats = Stats::of(repetitions);
        let mut run = run(backend, stats.median_secs, Outcome::Completed);
        run.config.repeat = repetitions.len() as u32;
        run.repetitions = repetitions
            .iter()
            .map(|&elapsed_secs| Repetition {
                elapsed_secs,
                cpu_secs: Some(elapsed_secs),
                setup_secs: 0.001,
                interpreter_startup_secs: None,
                lab_cpu_secs: None,
                other_cpu_secs: None,
            })
            .collect();
        run.stats = stats;
        run
    }

    /// Two runs of the same work, three repetitions each: threads twice as fast as the loop.
    pub fn file() -> ResultFile {
        let machine = Machine {
            cpu_brand: "Test CPU".into(),
            logical_cores: 2,
            physical_cores: Some(2),
            os: "Linux".into(),
            total_memory_bytes: 1 << 30,
        };
        ResultFile::new(
            machine,
            vec![
                repeated(BackendKind::EventLoop, &[0.039, 0.040, 0.041]),
                repeated(BackendKind::Threads, &[0.019, 0.020, 0.021]),
            ],
        )
    }
}
