//! The CLI's summary table, in the spirit of hyperfine: per backend the median elapsed time ±
//! stddev, setup, CPU time, effective parallelism, peak memory, and how it compares.

use std::fmt::Write as _;

use super::format::{bytes, duration, or_na};
use super::{Exporter, compare};
use crate::engine::result::{Outcome, ResultFile, RunResult};

pub struct Table;

impl Exporter for Table {
    fn name(&self) -> &'static str {
        "table"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let header =
            ["backend", "workers", "elapsed (median ± σ)", "setup", "cpu time", "parallelism", "peak memory", ""];
        let mut rows = vec![header.map(str::to_owned).to_vec()];
        for (run, comparison) in file.runs.iter().zip(compare(&file.runs)) {
            let status = match run.outcome {
                Outcome::Completed => comparison.to_string(),
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
            if let Some(error) = &run.error {
                writeln!(out, "  {}: {error}", run.config.backend)?;
            }
            if run.tasks_failed > 0 {
                writeln!(out, "  {}: {} of {} tasks failed", run.config.backend, run.tasks_failed, run.config.tasks)?;
            }
        }
        for run in &file.runs {
            if let Some(note) = run.config.workload.kind.note_on(run.config.backend) {
                writeln!(out, "  {}: {note}", run.config.backend)?;
            }
        }
        for run in &file.runs {
            if let Some(note) = loop_note(run) {
                writeln!(out, "  {}: {note}", run.config.backend)?;
            }
        }
        for run in &file.runs {
            if let Some(note) = orders_note(run) {
                writeln!(out, "  {}: {note}", run.config.backend)?;
            }
        }
        for run in &file.runs {
            if let Some(note) = python_note(run) {
                writeln!(out, "  {}: {note}", run.config.backend)?;
            }
        }
        Ok(out.into_bytes())
    }
}

/// "3 distinct orders of task steps in 20 repetitions" when steps were recorded.
pub fn orders_note(run: &RunResult) -> Option<String> {
    let distinct = run.distinct_orders?;
    let reps = run.repetitions.len();
    let orders = if distinct == 1 { "order" } else { "orders" };
    let verdict = if distinct == 1 && reps > 1 { " (deterministic)" } else { "" };
    let plural = if reps == 1 { "" } else { "s" };
    Some(format!("{distinct} distinct {orders} of task steps in {reps} repetition{plural}{verdict}"))
}

/// "CPython 3.11.7 (/usr/bin/python3), start-up and imports 52.1 ms (not in elapsed), start
/// method fork, HTTP client aiohttp 3.9.5" for Python runs.
pub fn python_note(run: &RunResult) -> Option<String> {
    let python = run.python.as_ref()?;
    let mut note = format!("{} ({})", python.label(), python.executable);
    if let Some(secs) = run.interpreter_startup_secs {
        note.push_str(&format!(", start-up and imports {} (not in elapsed)", duration(secs)));
    }
    if let Some(method) = &python.start_method {
        note.push_str(&format!(", start method {method}"));
    }
    if let Some(client) = &python.http_client {
        note.push_str(&format!(", HTTP client {client}"));
    }
    Some(note)
}

/// "loop lag max 80.1 ms, p99 79.9 ms: BLOCKED > 100 ms ..." for event-loop runs.
pub fn loop_note(run: &RunResult) -> Option<String> {
    let (max, p99) = (run.loop_lag_max_secs?, run.loop_lag_p99_secs?);
    let blocked = if run.loop_blocked == Some(true) {
        " — BLOCKED: the loop stalled for more than 100 ms (asyncio's slow-callback threshold)"
    } else {
        ""
    };
    Some(format!("loop lag max {}, p99 {}{blocked}", duration(max), duration(p99)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    #[test]
    fn rows_line_up_and_compare() -> anyhow::Result<()> {
        let text = String::from_utf8(Table.render(&sample::file())?)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "primes below 100,000 × 2 tasks, 1 repetition");
        assert!(lines[1].trim_start().starts_with("backend"));
        assert!(lines[2].contains("40.0 ms ± 0.0 µs") && lines[2].ends_with("slowest"), "{}", lines[2]);
        assert!(lines[3].ends_with("2.00× faster than event-loop"), "{}", lines[3]);
        let column = lines[1].find("setup");
        assert_eq!(column, lines[2].find("1.0 ms"), "columns align");
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
        assert!(text.contains("threads: 1 distinct order of task steps in 1 repetition"), "{text}");
        Ok(())
    }
}
