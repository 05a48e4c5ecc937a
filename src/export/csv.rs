//! CSV: one row per run with its headline figures and the report's verdict on it: its group of
//! comparable runs and its relative speed (the spans are in the JSON); the Python backends
//! fill the interpreter's columns (start-up, "CPython 3.11.7"). Columns are only ever added at
//! the end: the last two are the engine's accounting of the rest of the lab's process and of
//! other programs during the run (`lab_cpu_secs`, `other_cpu_secs`, blank where not measured).

use super::{Exporter, report_of};
use crate::engine::ResultFile;

pub struct Csv;

const HEADER: [&str; 32] = [
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
    "comparable_group",
    "relative",
    "baseline_rss_bytes",
    "gil_holds",
    "interpreter_startup_secs",
    "python",
    "lab_cpu_secs",
    "other_cpu_secs",
];

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let report = report_of(file);
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(HEADER)?;
        for (run, judged) in file.runs.iter().zip(&report.runs) {
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
                judged.group.to_string(),
                judged.relative.text.clone(),
                opt(run.baseline_rss_bytes),
                opt(c.gil.then_some(run.gil_holds.len() as u64 + run.gil_holds_dropped)),
                opt(run.interpreter_startup_secs),
                opt(run.python.as_ref().map(|p| p.label())),
                opt(run.lab_cpu_secs),
                opt(run.other_cpu_secs),
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
        // The last six: the baseline, GIL holds, (Rust runs: blank) the interpreter's two, and
        // (not measured here) the lab's and other programs' CPU.
        assert!(lines[1].ends_with(",0,slowest,,,,,,"), "no GIL, no holds, no Python: {}", lines[1]);
        assert!(lines[2].ends_with(",0,2.00× faster than event-loop,,,,,,"), "{}", lines[2]);
        assert_eq!(lines[1].split(',').count(), HEADER.len());
        assert!(
            lines[0]
                .ends_with(",baseline_rss_bytes,gil_holds,interpreter_startup_secs,python,lab_cpu_secs,other_cpu_secs"),
            "new columns go last: {}",
            lines[0]
        );
        Ok(())
    }

    #[test]
    fn gil_holds_are_counted_with_the_dropped_ones() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[0].config.gil = true;
        file.runs[0].gil_holds = sample::holds();
        file.runs[0].gil_holds_dropped = 5;
        let text = String::from_utf8(Csv.render(&file)?)?;
        let row = text.lines().nth(1).unwrap_or_default();
        assert!(row.ends_with(",7,,,,"), "2 listed + 5 dropped: {row}");
        Ok(())
    }

    #[test]
    fn the_lab_and_other_programs_have_their_columns() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[1].lab_cpu_secs = Some(0.002);
        file.runs[1].other_cpu_secs = Some(0.25);
        let text = String::from_utf8(Csv.render(&file)?)?;
        let row = text.lines().nth(2).unwrap_or_default();
        assert!(row.ends_with(",0.002,0.25"), "lab, then other programs: {row}");
        Ok(())
    }
}
