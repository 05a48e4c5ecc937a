//! The `compare` subcommand: reads every file (bounded, see `export::load`), then prints the
//! comparison (`export::compare`) on stdout. A file that can't be read is bad input: each one
//! is named, and the exit code is 2 with nothing printed on stdout.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{CliError, say};
use crate::cli::CompareArgs;
use crate::export::atomic::PendingFile;
use crate::export::compare::Comparison;
use crate::export::load::{self, Loaded};

pub fn compare(args: &CompareArgs) -> Result<ExitCode, CliError> {
    let json_target = match args.json.as_deref() {
        Some(path) if path.as_os_str() != "-" => Some(
            PendingFile::create(path)
                .with_context(|| format!("--json {}", path.display()))
                .map_err(CliError::BadInput)?,
        ),
        _ => None,
    };
    let mut files: Vec<Loaded> = Vec::new();
    let mut bad = Vec::new();
    for path in &args.files {
        match load::load(path) {
            Ok(loaded) => files.push(loaded),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if let Some((last, rest)) = bad.split_last() {
        for e in rest {
            say(format_args!("Error: {e}"));
        }
        return Err(CliError::BadInput(anyhow::anyhow!("{last}")));
    }
    let comparison = Comparison::new(&files);
    let json = || comparison.json().context("could not render the comparison as JSON").map_err(CliError::Failed);
    let to_stdout = args.json.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let stdout_bytes = if to_stdout { json()? } else { comparison.text().into_bytes() };
    std::io::stdout().lock().write_all(&stdout_bytes).context("could not write to stdout").map_err(CliError::Failed)?;
    if let Some(pending) = json_target {
        let bytes = json()?;
        let written = pending.commit(&bytes).context("--json").map_err(CliError::Failed)?;
        say(format_args!("wrote the comparison to {}", written.display()));
    }
    Ok(ExitCode::SUCCESS)
}
