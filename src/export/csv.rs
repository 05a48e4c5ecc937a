//! CSV: one row per run with its headline figures (the spans are in the JSON); the Python
//! backends fill the last two columns (interpreter start-up, "CPython 3.11.7").

use super::Exporter;
use crate::engine::result::ResultFile;

pub struct Csv;

const HEADER: [&str; 26] = [
    "backend",
    "workload",
    "size",
    "tasks",
    "workers",
    "gil",
    "outcome",
    "elapsed_secs",
    "setup_secs",
    "cpu_secs",
    "effective_parallelism",
    "peak_rss_bytes",
    "tasks_ok",
    "tasks_failed",
    "repetitions",
    "median_secs",
    "mean_secs",
    "stddev_secs",
    "min_secs",
    "max_secs",
    "loop_lag_max_secs",
    "loop_lag_p99_secs",
    "loop_blocked",
    "distinct_orders",
    "interpreter_startup_secs",
    "python",
];

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(HEADER)?;
        for run in &file.runs {
            let c = &run.config;
            writer.write_record([
                c.backend.to_string(),
                c.workload.kind.to_string(),
                c.workload.size.to_string(),
                c.tasks.to_string(),
                c.workers.to_string(),
                c.gil.to_string(),
                run.outcome.name().to_owned(),
                run.elapsed_secs.to_string(),
                run.setup_secs.to_string(),
                opt(run.cpu_secs),
                opt(run.effective_parallelism),
                opt(run.peak_rss_bytes),
                run.tasks_ok.to_string(),
                run.tasks_failed.to_string(),
                run.repetitions.len().to_string(),
                run.stats.median_secs.to_string(),
                run.stats.mean_secs.to_string(),
                run.stats.stddev_secs.to_string(),
                run.stats.min_secs.to_string(),
                run.stats.max_secs.to_string(),
                opt(run.loop_lag_max_secs),
                opt(run.loop_lag_p99_secs),
                opt(run.loop_blocked),
                opt(run.distinct_orders),
                opt(run.interpreter_startup_secs),
                opt(run.python.as_ref().map(|p| p.label())),
            ])?;
        }
        Ok(writer.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    #[test]
    fn one_row_per_run_with_a_header() -> anyhow::Result<()> {
        let text = String::from_utf8(Csv.render(&sample::file())?)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("backend,workload,size,tasks,workers,gil,outcome,elapsed_secs"));
        assert!(lines[1].starts_with("event-loop,primes,100000,2,2,false,completed,0.04,0.001,"), "{}", lines[1]);
        assert_eq!(lines[2].split(',').count(), HEADER.len());
        Ok(())
    }
}
