//! The words of a report: `index.md` (the machine, then per preset its claim, the summary
//! tables and verdicts from the Markdown export, and its picture), `presets.md` (docs/claims.md's
//! table of figures: one row per run) and `results.json` (each preset's result file, in the
//! JSON export's shape, so each loads back as a result file). Pure: results in, bytes out.

use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::{Machine, Outcome, ResultFile, RunResult};
use crate::export::format::{bytes, duration};
use crate::export::{Exporter, Json, Markdown};

/// One preset's part of a report.
pub struct Section {
    pub id: String,
    pub name: String,
    pub description: String,
    pub file: ResultFile,
    /// The PNG's file name in the report's directory, or why there is none.
    pub png: Result<String, String>,
    /// Wall time for all its runs, warm-ups included.
    pub wall_secs: f64,
}

/// What the report says beyond its sections: presets not run, and why.
#[derive(Default)]
pub struct Notes {
    pub skipped: Vec<(String, String)>,
    pub stopped: Option<String>,
}

/// "Intel Xeon, 2 logical cores (2 physical), Linux, 7.8 GiB of memory".
pub fn machine_line(m: &Machine) -> String {
    let brand = if m.cpu_brand.trim().is_empty() { "an unknown CPU" } else { m.cpu_brand.trim() };
    let physical = m.physical_cores.map(|p| format!(" ({p} physical)")).unwrap_or_default();
    format!("{brand}, {} logical cores{physical}, {}, {} of memory", m.logical_cores, m.os, bytes(m.total_memory_bytes))
}

/// `index.md`.
pub fn index_md(machine: &Machine, sections: &[Section], notes: &Notes) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(out, "# Concurrency Lab report\n")?;
    writeln!(out, "Machine: {}.\n", machine_line(machine))?;
    if let Some(stopped) = &notes.stopped {
        writeln!(out, "**Stopped early:** {stopped}\n")?;
    }
    for s in sections {
        writeln!(out, "- [`{}`](#{}): {}", s.id, s.id, s.name)?;
    }
    for (id, why) in &notes.skipped {
        writeln!(out, "- `{id}`: not run: {why}")?;
    }
    for s in sections {
        writeln!(out, "\n<a id=\"{}\"></a>\n\n## `{}`: {}\n", s.id, s.id, s.name)?;
        for line in s.description.lines() {
            writeln!(out, "> {line}")?;
        }
        writeln!(out, "\n{} runs, {} wall time for all of them.", s.file.runs.len(), duration(s.wall_secs))?;
        let markdown = String::from_utf8(Markdown.render(&s.file)?)?;
        // The machine is said once, above.
        for line in markdown.lines().filter(|l| !l.starts_with("Machine: ")) {
            writeln!(out, "{line}")?;
        }
        match &s.png {
            Ok(png) => writeln!(out, "\n![The charts of {}]({png})", s.id)?,
            Err(why) => writeln!(out, "\n_No picture: {why}_")?,
        }
    }
    Ok(out)
}

/// `presets.md`: docs/claims.md's table of figures, one row per run, then each preset's wall time.
pub fn presets_md(sections: &[Section]) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "| preset | backend | workers | median elapsed | setup | parallelism | peak memory | core samples \
         | loop lag max / p99 | distinct orders |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for s in sections {
        for run in &s.file.runs {
            writeln!(out, "{}", row(&s.id, run))?;
        }
    }
    writeln!(out)?;
    for s in sections {
        writeln!(out, "- `{}`: {} for all its runs, warm-ups included", s.id, duration(s.wall_secs))?;
    }
    Ok(out)
}

fn row(id: &str, run: &RunResult) -> String {
    let c = &run.config;
    let na = || "—".to_owned();
    let lag = run.loop_lag_max_secs.map_or_else(na, |max| {
        let p99 = run.loop_lag_p99_secs.map_or_else(na, duration);
        let blocked = if run.loop_blocked == Some(true) { " **blocked**" } else { "" };
        format!("{} / {p99}{blocked}", duration(max))
    });
    let orders = run.distinct_orders.map_or_else(na, |d| format!("{d} in {}", run.repetitions.len()));
    let mut elapsed = duration(run.elapsed_secs);
    if run.outcome != Outcome::Completed {
        elapsed += &format!(" ({})", run.outcome.name());
    }
    format!(
        "| `{id}` | `{}` | {} | {elapsed} | {} | {} | {} | {} | {lag} | {orders} |",
        c.backend,
        c.workers,
        duration(run.setup_secs),
        run.effective_parallelism.map_or_else(na, |p| format!("{p:.2}")),
        run.peak_rss_bytes.map_or_else(na, bytes),
        run.cpu_samples.len(),
    )
}

/// `results.json`: the machine, then each preset with its result file as `--json` writes it.
pub fn results_json(machine: &Machine, sections: &[Section], notes: &Notes) -> anyhow::Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Report<'a> {
        version: u32,
        machine: &'a Machine,
        presets: Vec<PresetJson<'a>>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<Skipped<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        stopped: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct PresetJson<'a> {
        id: &'a str,
        name: &'a str,
        description: &'a str,
        wall_secs: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        png: Option<&'a str>,
        result: serde_json::Value,
    }
    #[derive(Serialize)]
    struct Skipped<'a> {
        id: &'a str,
        reason: &'a str,
    }
    let presets = sections
        .iter()
        .map(|s| {
            Ok(PresetJson {
                id: &s.id,
                name: &s.name,
                description: &s.description,
                wall_secs: s.wall_secs,
                png: s.png.as_deref().ok(),
                result: serde_json::from_slice(&Json.render(&s.file)?)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let skipped = notes.skipped.iter().map(|(id, reason)| Skipped { id, reason }).collect();
    let report = Report { version: 1, machine, presets, skipped, stopped: notes.stopped.as_deref() };
    let mut bytes = serde_json::to_vec_pretty(&report)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    fn section() -> Section {
        Section {
            id: "demo".into(),
            name: "A demo".into(),
            description: "Claim: threads beat the loop.\nLook at the bars.".into(),
            file: sample::file(),
            png: Ok("demo.png".into()),
            wall_secs: 0.5,
        }
    }

    #[test]
    fn index_has_machine_claim_table_verdict_and_picture() -> anyhow::Result<()> {
        let file = sample::file();
        let notes = Notes { skipped: vec![("py".into(), "needs python3".into())], stopped: None };
        let md = index_md(&file.machine, &[section()], &notes)?;
        assert!(md.contains("Machine: Test CPU, 2 logical cores (2 physical), Linux"), "{md}");
        assert!(md.contains("> Claim: threads beat the loop."), "{md}");
        assert!(md.contains("| `threads` |"), "{md}");
        assert!(md.contains("**Verdict:**"), "{md}");
        assert!(md.contains("![The charts of demo](demo.png)"), "{md}");
        assert!(md.contains("`py`: not run: needs python3"), "{md}");
        assert_eq!(md.matches("Machine: ").count(), 1, "the machine once: {md}");
        Ok(())
    }

    #[test]
    fn results_reload_as_result_files() -> anyhow::Result<()> {
        let file = sample::file();
        let bytes = results_json(&file.machine, &[section()], &Notes::default())?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        let reloaded: ResultFile = serde_json::from_value(v["presets"][0]["result"].clone())?;
        assert_eq!(reloaded.runs.len(), 2);
        assert_eq!(v["presets"][0]["png"], "demo.png");
        assert_eq!(v["machine"]["logical_cores"], 2);
        Ok(())
    }

    #[test]
    fn presets_table_has_a_row_per_run() -> anyhow::Result<()> {
        let table = presets_md(&[section()])?;
        assert_eq!(table.lines().filter(|l| l.starts_with("| `demo` |")).count(), 2, "{table}");
        assert!(table.contains("| `demo` | `threads` | 2 | 20.0 ms |"), "{table}");
        Ok(())
    }
}
