//! `compare`'s arguments: result files from one or more machines, set side by side.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Default, Args)]
pub struct CompareArgs {
    /// Result files (written by `run --json` or the window's Export data), from any machine.
    #[arg(value_name = "FILE.json", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Write the comparison as JSON too ("-" for stdout, instead of the text).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
}
