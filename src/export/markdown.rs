//! Markdown: the comparison table, ready for a blog post or a design review.

use std::fmt::Write as _;

use super::format::{bytes, duration, or_na};
use super::{Exporter, compare};
use crate::engine::result::ResultFile;

pub struct Markdown;

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let mut out = String::new();
        let m = &file.machine;
        writeln!(out, "Machine: {} ({} logical cores), {}\n", m.cpu_brand, m.logical_cores, m.os)?;
        writeln!(
            out,
            "| Backend | Config | Outcome | Elapsed (median) | ± σ | Min | Max | CPU time | Parallelism | Peak memory | Loop lag (max) | Distinct orders | Relative |"
        )?;
        writeln!(out, "|:---|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|")?;
        for (run, comparison) in file.runs.iter().zip(compare(&file.runs)) {
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                run.config.backend,
                run.config.describe(),
                run.outcome.name(),
                duration(run.elapsed_secs),
                duration(run.stats.stddev_secs),
                duration(run.stats.min_secs),
                duration(run.stats.max_secs),
                or_na(run.cpu_secs, duration),
                or_na(run.effective_parallelism, |p| format!("{p:.2}")),
                or_na(run.peak_rss_bytes, bytes),
                or_na(run.loop_lag_max_secs, |lag| {
                    let blocked = if run.loop_blocked == Some(true) { " (blocked)" } else { "" };
                    format!("{}{blocked}", duration(lag))
                }),
                or_na(run.distinct_orders, |d| d.to_string()),
                comparison,
            )?;
        }
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    #[test]
    fn table_has_a_row_per_run() -> anyhow::Result<()> {
        let text = String::from_utf8(Markdown.render(&sample::file())?)?;
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].contains("| 40.0 ms |") && rows[0].ends_with("| slowest |"), "{}", rows[0]);
        assert!(rows[1].ends_with("| 2.00× faster than event-loop |"), "{}", rows[1]);
        Ok(())
    }
}
