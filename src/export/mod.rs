//! Turning results into bytes: JSON (the full record), CSV (one row per run), Markdown and a
//! plain-text table (one row per run, with the comparison). Each format is an [`Exporter`];
//! all of them are pure functions of a [`ResultFile`]. `atomic` writes files safely.

pub mod atomic;
mod csv;
pub mod format;
mod json;
mod markdown;
mod table;

pub use self::csv::Csv;
pub use self::json::Json;
pub use self::markdown::Markdown;
pub use self::table::{Table, loop_note, orders_note, python_note};

use crate::engine::result::{Outcome, ResultFile, RunResult};

pub trait Exporter {
    /// The format's name, for messages ("json", "csv", ...).
    fn name(&self) -> &'static str;
    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>>;
}

/// How a completed run compares with the slowest completed run of the same file.
#[derive(Clone, Debug, PartialEq)]
pub enum Comparison {
    /// This run is the slowest (or the only one).
    Slowest,
    /// `ratio`× faster than `slowest` (its backend's name).
    Faster { ratio: f64, slowest: String },
    /// Not completed, so not compared.
    NotCompared,
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Slowest => f.write_str("slowest"),
            Self::Faster { ratio, slowest } => write!(f, "{ratio:.2}× faster than {slowest}"),
            Self::NotCompared => f.write_str("—"),
        }
    }
}

/// One [`Comparison`] per run, in order.
pub fn compare(runs: &[RunResult]) -> Vec<Comparison> {
    let slowest = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Completed)
        .max_by(|a, b| a.elapsed_secs.total_cmp(&b.elapsed_secs));
    runs.iter()
        .map(|run| match slowest {
            _ if run.outcome != Outcome::Completed => Comparison::NotCompared,
            Some(slow)
                if run.elapsed_secs > 0.0 && !std::ptr::eq(slow, run) && slow.elapsed_secs > run.elapsed_secs =>
            {
                Comparison::Faster {
                    ratio: slow.elapsed_secs / run.elapsed_secs,
                    slowest: slow.config.backend.to_string(),
                }
            }
            _ => Comparison::Slowest,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod sample {
    //! A small, fixed result file for the exporters' tests.
    use crate::engine::config::{BackendKind, ExperimentConfig};
    use crate::engine::machine::Machine;
    use crate::engine::result::{CpuSample, Outcome, Repetition, ResultFile, RunResult, SamplerInfo, Span};
    use crate::engine::stats::Stats;

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
            }],
            stats: Stats::of(&[elapsed_secs]),
            spans: vec![Span { task: 0, worker: 1, start_secs: 0.001, end_secs: 0.02, ok: true }],
            cpu_samples: vec![CpuSample { t_secs: 0.1, per_core: vec![100.0, 50.0] }],
            sampler: SamplerInfo {
                source: "proc-stat".into(),
                interval_millis: 100,
                cpu_secs: Some(0.0001),
                note: None,
            },
            ..RunResult::unmeasured(config, outcome)
        }
    }

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
                run(BackendKind::EventLoop, 0.040, Outcome::Completed),
                run(BackendKind::Threads, 0.020, Outcome::Completed),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::BackendKind;

    #[test]
    fn compares_with_the_slowest_completed_run() {
        let runs = vec![
            sample::run(BackendKind::EventLoop, 0.04, Outcome::Completed),
            sample::run(BackendKind::Threads, 0.02, Outcome::Completed),
            sample::run(BackendKind::Processes, 0.5, Outcome::Failed),
        ];
        let got: Vec<String> = compare(&runs).iter().map(ToString::to_string).collect();
        assert_eq!(got, vec!["slowest", "2.00× faster than event-loop", "—"]);
    }
}
