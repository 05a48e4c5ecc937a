//! The CLI's summary table, in the spirit of hyperfine: per backend the median elapsed time ±
//! stddev, setup, CPU time, effective parallelism, peak memory, and its speed relative to the
//! slowest run of the same work; then, where the engine measured them, each run's CPU split
//! between the run, the rest of the lab and other programs (a line each: the table has no room
//! for two more columns), the report's notes and its verdicts.

use std::fmt::Write as _;

use super::format::{bytes, duration, or_na};
use super::{Exporter, report_of};
use crate::engine::{Outcome, ResultFile};
use crate::report::text;

pub struct Table;

impl Exporter for Table {
    fn name(&self) -> &'static str {
        "table"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let report = report_of(file);
        let header =
            ["backend", "workers", "elapsed (median ± σ)", "setup", "cpu time", "parallelism", "peak memory", ""];
        let mut rows = vec![header.map(str::to_owned).to_vec()];
        for (run, judged) in file.runs.iter().zip(&report.runs) {
            let status = match run.outcome {
                Outcome::Completed => judged.relative.text.clone(),
                other => other.name().to_uppercase(),
            };
            rows.push(vec![
                run.config.backend.to_string(),
                format!("{} {}", run.config.workers, run.config.backend.workers_meaning()),
                format!("{} ± {}", duration(run.elapsed_secs), duration(run.stats.stddev_secs)),
                duration(run.setup_secs),
                or_na(run.cpu_secs, duration),
                or_na(run.effective_parallelism, |p| format!("{p:.2}")),
                or_na(run.peak_rss_bytes, bytes),
                status,
            ]);
        }
        let widths: Vec<usize> =
            (0..header.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        if let Some(first) = file.runs.first() {
            let reps = first.config.repeat;
            writeln!(out, "{}, {} repetition{}", first.config.describe_work(), reps, if reps == 1 { "" } else { "s" })?;
        }
        for row in &rows {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
            writeln!(out, "  {}", cells.join("  ").trim_end())?;
        }
        for run in &file.runs {
            if let Some(split) = text::cpu_split(run) {
                writeln!(out, "  {}: {split}", run.config.backend)?;
            }
        }
        for (run, judged) in file.runs.iter().zip(&report.runs) {
            for note in &judged.notes {
                writeln!(out, "  {}: {}", run.config.backend, note.text)?;
            }
        }
        if report.needs_unconfirmed_note(|_| true) {
            writeln!(out, "  {}", text::UNCONFIRMED)?;
        }
        for verdict in &report.verdicts {
            writeln!(out, "  verdict: {}", verdict.text)?;
        }
        if let Some(check) = &report.gil_check {
            writeln!(out, "  GIL: {}", check.text)?;
        }
        if let Some(sweep) = &report.sweep {
            let (header, rows) = super::sweep::rows(sweep);
            let all: Vec<&Vec<String>> = std::iter::once(&header).chain(&rows).collect();
            let widths: Vec<usize> =
                (0..header.len()).map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
            writeln!(out, "\n{}", super::sweep::title(sweep))?;
            for row in all {
                let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
                writeln!(out, "  {}", cells.join("  ").trim_end())?;
            }
            for backend in &sweep.backends {
                writeln!(out, "  {}", backend.text)?;
            }
        }
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    #[test]
    fn rows_line_up_and_compare() -> anyhow::Result<()> {
        let text = String::from_utf8(Table.render(&sample::file())?)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "primes below 100,000 × 2 tasks, 3 repetitions");
        assert!(lines[1].trim_start().starts_with("backend"));
        assert!(lines[2].contains("40.0 ms ± 1.0 ms") && lines[2].ends_with("slowest"), "{}", lines[2]);
        assert!(lines[3].ends_with("2.00× faster than event-loop"), "{}", lines[3]);
        let column = |line: &str, cell: &str| line.find(cell).map(|at| line[..at].chars().count());
        assert_eq!(column(lines[1], "cpu time"), column(lines[2], "60.0 ms"), "columns align");
        assert!(lines[4].starts_with("  verdict: The threads run was 2.00× faster than the event-loop run"), "{text}");
        Ok(())
    }

    #[test]
    fn each_run_says_who_used_the_cpu_when_it_was_measured() -> anyhow::Result<()> {
        let mut file = sample::file();
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(!text.contains("CPU: run"), "nothing measured, nothing said: {text}");
        file.runs[0].lab_cpu_secs = Some(0.0004);
        file.runs[0].other_cpu_secs = Some(0.002);
        file.runs[1].lab_cpu_secs = Some(0.0);
        file.runs[1].other_cpu_secs = Some(0.015);
        let text = String::from_utf8(Table.render(&file)?)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[4], "  event-loop: CPU: run 60.0 ms · lab 400.0 µs · other programs 2.0 ms");
        assert_eq!(lines[5], "  threads: CPU: run 30.0 ms · lab 0.0 µs · other programs 15.0 ms");
        assert!(lines[6].starts_with("  threads: busy machine: other programs kept 0.75 cores busy"), "{text}");
        assert!(text.contains("The comparison is disturbed"), "{text}");
        Ok(())
    }

    #[test]
    fn single_repetitions_are_marked_unconfirmed() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs = vec![
            sample::run(crate::engine::BackendKind::EventLoop, 0.04, Outcome::Completed),
            sample::run(crate::engine::BackendKind::Threads, 0.02, Outcome::Completed),
        ];
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(text.contains("2.00× faster than event-loop, unconfirmed"), "{text}");
        assert!(text.contains("in one repetition each") && !text.contains("measurable"), "{text}");
        assert!(text.contains("Repetitions (3 or more) would measure how much that varies"), "{text}");
        Ok(())
    }

    #[test]
    fn gil_turns_are_noted() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[1].config.gil = true;
        file.runs[1].gil_holds = sample::holds();
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(text.contains("threads: the GIL changed hands once between 2 lanes"), "{text}");
        file.runs[1].gil_holds_dropped = 40;
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(text.contains("; 40 more holds past the first 2 were counted but not recorded"), "{text}");
        file.runs[1].config.gil = false;
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(!text.contains("GIL"), "{text}");
        Ok(())
    }

    #[test]
    fn loop_lag_and_orders_are_noted() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[0].loop_lag_max_secs = Some(0.25);
        file.runs[0].loop_lag_p99_secs = Some(0.2);
        file.runs[0].loop_blocked = Some(true);
        file.runs[1].distinct_orders = Some(1);
        let text = String::from_utf8(Table.render(&file)?)?;
        assert!(text.contains("event-loop: loop lag max 250.0 ms, p99 200.0 ms — BLOCKED"), "{text}");
        assert!(text.contains("threads: 1 distinct order of task steps in 3 repetitions (deterministic)"), "{text}");
        Ok(())
    }
}
