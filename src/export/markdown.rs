//! Markdown: one table per group of runs that did the same work, ready for a blog post or a
//! design review, with each group's verdict and the runs' notes. Beside each run's CPU time,
//! what the rest of the lab and other programs used while it ran. Runs that did different work
//! are never compared: they land in different tables.

use std::fmt::Write as _;

use super::format::{bytes, duration, or_na};
use super::{Exporter, report_of};
use crate::engine::ResultFile;
use crate::report::text;

pub struct Markdown;

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let report = report_of(file);
        let mut out = String::new();
        let m = &file.machine;
        writeln!(out, "Machine: {} ({} logical cores), {}", m.cpu_brand, m.logical_cores, m.os)?;
        let groups = report.runs.iter().map(|r| r.group + 1).max().unwrap_or(0);
        for group in 0..groups {
            let members: Vec<usize> = (0..file.runs.len()).filter(|&i| report.runs[i].group == group).collect();
            let Some(&first) = members.first() else { continue };
            writeln!(out, "\n### {}\n", file.runs[first].config.describe_work())?;
            writeln!(
                out,
                "| Backend | Workers | Outcome | Repetitions | Elapsed (median) | ± σ | Min | Max | CPU time | Lab CPU | Other programs' CPU | Parallelism | Peak memory | Loop lag (max) | Distinct orders | Relative |"
            )?;
            writeln!(out, "|:---|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|")?;
            for &i in &members {
                let run = &file.runs[i];
                writeln!(
                    out,
                    "| `{}` | {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    run.config.backend,
                    run.config.workers,
                    run.config.backend.workers_meaning(),
                    run.outcome.name(),
                    run.repetitions.len(),
                    duration(run.elapsed_secs),
                    duration(run.stats.stddev_secs),
                    duration(run.stats.min_secs),
                    duration(run.stats.max_secs),
                    or_na(run.cpu_secs, duration),
                    or_na(run.lab_cpu_secs, duration),
                    or_na(run.other_cpu_secs, duration),
                    or_na(run.effective_parallelism, |p| format!("{p:.2}")),
                    or_na(run.peak_rss_bytes, bytes),
                    or_na(run.loop_lag_max_secs, |lag| {
                        let blocked = if run.loop_blocked == Some(true) { " (blocked)" } else { "" };
                        format!("{}{blocked}", duration(lag))
                    }),
                    or_na(run.distinct_orders, |d| d.to_string()),
                    report.runs[i].relative.text,
                )?;
            }
            let verdicts = report.verdicts.iter().filter(|v| members.contains(&v.value.subject()));
            let mut lines: Vec<String> = verdicts.map(|v| format!("**Verdict:** {}", v.text)).collect();
            if report.needs_unconfirmed_note(|i| members.contains(&i)) {
                lines.push(format!("*{}*", text::UNCONFIRMED));
            }
            for &i in &members {
                for note in &report.runs[i].notes {
                    lines.push(format!("- `{}`: {}", file.runs[i].config.backend, note.text));
                }
            }
            if !lines.is_empty() {
                writeln!(out)?;
                for line in lines {
                    writeln!(out, "{line}")?;
                }
            }
        }
        if let Some(check) = &report.gil_check {
            writeln!(out, "\n**Real GIL vs emulated:** {}", check.text)?;
        }
        if let Some(sweep) = &report.sweep {
            let (header, rows) = super::sweep::rows(sweep);
            writeln!(out, "\n### {}\n", super::sweep::title(sweep))?;
            writeln!(out, "| {} |", header.join(" | "))?;
            writeln!(out, "|:---|{}", "---:|".repeat(header.len() - 1))?;
            for row in rows {
                writeln!(out, "| {} |", row.join(" | "))?;
            }
            writeln!(out)?;
            for backend in &sweep.backends {
                writeln!(out, "- {}", backend.text)?;
            }
        }
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Workload, WorkloadKind};
    use crate::export::sample;

    #[test]
    fn table_has_a_row_per_run() -> anyhow::Result<()> {
        let text = String::from_utf8(Markdown.render(&sample::file())?)?;
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].contains("| 40.0 ms |") && rows[0].ends_with("| slowest |"), "{}", rows[0]);
        assert!(rows[1].ends_with("| 2.00× faster than event-loop |"), "{}", rows[1]);
        assert!(text.contains("**Verdict:** The threads run was 2.00× faster than the event-loop run"), "{text}");
        Ok(())
    }

    #[test]
    fn the_lab_and_other_programs_sit_beside_the_cpu_time() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[1].lab_cpu_secs = Some(0.002);
        file.runs[1].other_cpu_secs = Some(0.015);
        let text = String::from_utf8(Markdown.render(&file)?)?;
        assert!(text.contains("| CPU time | Lab CPU | Other programs' CPU | Parallelism |"), "{text}");
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
        assert!(rows[0].contains("| 60.0 ms | n/a | n/a | 1.50 |"), "not measured: {}", rows[0]);
        assert!(rows[1].contains("| 30.0 ms | 2.0 ms | 15.0 ms | 1.50 |"), "{}", rows[1]);
        // Over a quarter of a core (15 ms of 20 ms): a warning under the table and in the verdict.
        assert!(text.contains("- `threads`: busy machine: other programs kept 0.75 cores busy"), "{text}");
        assert!(
            text.contains(
                "The comparison is disturbed: other programs kept 0.75 cores busy on average during the threads run"
            ),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn different_work_is_never_compared() -> anyhow::Result<()> {
        let mut file = sample::file();
        let mut sleep = sample::repeated(BackendKind::Processes, &[0.010, 0.011, 0.012]);
        sleep.config.workload = Workload::new(WorkloadKind::Sleep, 10);
        file.runs.insert(1, sleep);
        let text = String::from_utf8(Markdown.render(&file)?)?;
        assert_eq!(text.matches("\n### ").count(), 2, "{text}");
        assert!(text.contains("### sleep 10 ms × 2 tasks"), "{text}");
        let sleep_row = text.lines().find(|l| l.starts_with("| `processes`")).unwrap();
        assert!(sleep_row.ends_with("| — |"), "alone in its group: {sleep_row}");
        assert!(!text.contains("faster than processes"), "{text}");
        Ok(())
    }
}
