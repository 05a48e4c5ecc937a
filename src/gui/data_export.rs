//! Export data: the history written as the CLI writes it (JSON, CSV, Markdown, or a Perfetto
//! trace for `.trace.json`, picked by the file's extension), atomically.

use std::path::Path;

use crate::engine::{Machine, ResultFile, RunResult, SweepSpec};
use crate::export::atomic::PendingFile;
use crate::export::{Csv, Exporter, Json, Markdown, Trace};

use super::background::Report;

/// The extensions Export data knows, for messages.
pub const EXTENSIONS: &str = ".json, .csv, .md or .trace.json";

/// The exporter a file name asks for, by its extension; the error names the path.
pub fn exporter_for(path: &Path) -> Result<&'static dyn Exporter, String> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "json" if name.ends_with(".trace.json") => Ok(&Trace),
        "json" => Ok(&Json),
        "csv" => Ok(&Csv),
        "md" | "markdown" => Ok(&Markdown),
        other => Err(format!("unknown extension '.{other}' in {} (use {EXTENSIONS})", path.display())),
    }
}

/// Writes `runs` (a sweep's points when `sweep` is given) to `path` in the format its
/// extension names.
pub fn write(path: &Path, runs: Vec<RunResult>, sweep: Option<SweepSpec>) -> Report {
    let exporter = exporter_for(path).map_err(|e| format!("Not exported: {e}"))?;
    let count = runs.len();
    let file = ResultFile { sweep, ..ResultFile::new(Machine::detect(), runs) };
    let bytes = exporter.render(&file).map_err(|e| format!("Not exported: {e:#}"))?;
    let written =
        PendingFile::create(path).and_then(|f| f.commit(&bytes)).map_err(|e| format!("Not exported: {e:#}"))?;
    let runs = if count == 1 { "1 run".to_owned() } else { format!("{count} runs") };
    Ok(format!("Exported {runs} as {} to {}", exporter.name(), written.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome};
    use crate::export::sample;

    #[test]
    fn the_extension_picks_the_format_and_bad_ones_are_named() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let runs = || vec![sample::run(BackendKind::Threads, 1.0, Outcome::Completed)];
        let json = dir.path().join("out.json");
        assert!(write(&json, runs(), None).is_ok());
        let parsed: ResultFile = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
        assert_eq!(parsed.runs.len(), 1);
        let csv = dir.path().join("out.csv");
        assert!(write(&csv, runs(), None).is_ok());
        assert!(std::fs::read_to_string(&csv)?.starts_with("backend,"));
        let trace = dir.path().join("out.trace.json");
        assert!(write(&trace, runs(), None).is_ok());
        let trace: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace)?)?;
        assert!(trace["traceEvents"].is_array(), "a trace, not the result file");
        let err = write(&dir.path().join("out.txt"), runs(), None);
        assert!(err.is_err_and(|e| e.contains("'.txt'")));
        assert!(!dir.path().join("out.txt").exists());
        Ok(())
    }
}
