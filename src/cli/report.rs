//! `report`: which presets to run and where the report goes.

use std::path::PathBuf;

use clap::Args;

use super::PngLook;

#[derive(Debug, Default, Args)]
pub struct ReportArgs {
    /// A preset to run (a bundled or user preset's name, or a file); repeat the flag or
    /// separate names with commas. Default: every bundled preset that states a claim.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub preset: Vec<String>,
    /// Run every bundled preset, claims or not (docs/claims.md's table of figures).
    #[arg(long, conflicts_with = "preset")]
    pub all: bool,
    /// The directory to write index.md, results.json, presets.md and a PNG per preset into
    /// (made if missing; files in it are replaced whole).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub look: PngLook,
    /// The Python interpreter of the python-* presets (default: the python3 of the virtual
    /// environment the lab is installed in, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}
