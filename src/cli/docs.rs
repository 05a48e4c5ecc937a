//! `completions` and `man`: what a command-line tool on Linux ships beside itself, generated
//! from the clap definitions above (clap_complete, clap_mangen), so they can never disagree
//! with the flags. The bytes are made in memory and written by the caller (`headless`), so a
//! closed stdout is an error to report rather than the generators' panic. The .deb's copies
//! are made by the tested binary (`packaging/generate-docs.sh`).

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// The name the completions and the man pages are written for (the installed program).
const BIN_NAME: &str = "concurrency-lab";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish (also elvish, powershell).
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

#[derive(Debug, Default, Args)]
pub struct ManArgs {
    /// Write one page per subcommand into this directory (concurrency-lab.1,
    /// concurrency-lab-run.1, …; made if missing) instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The completion script for `shell`, naming every subcommand and flag (not the hidden ones).
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut documented(), BIN_NAME, &mut script);
    script
}

/// `concurrency-lab.1`: the main page (roff), whose SUBCOMMANDS section names each
/// subcommand's own page.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(documented()).render(&mut page)?;
    Ok(page)
}

/// Writes the main page and one page per visible subcommand into `dir` (replacing pages of
/// the same names); returns the files written.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(documented(), dir)?;
    Ok(page_names().into_iter().map(|name| dir.join(name)).collect())
}

/// The file names `write_man_pages` writes: the main page, then one per visible subcommand.
pub fn page_names() -> Vec<String> {
    let command = documented();
    let subcommands = command.get_subcommands().filter(|s| !s.is_hide_set());
    let mut names: Vec<String> = subcommands.map(|s| format!("{BIN_NAME}-{}.1", s.get_name())).collect();
    names.insert(0, format!("{BIN_NAME}.1"));
    names
}

/// The command as documented: named as installed, without the internal `__worker` (clap's
/// generators list hidden subcommands and clap cannot remove one, so the root is rebuilt from
/// the parsed definitions: its flags, its visible subcommands, its texts) and without clap's
/// `help` subcommand (the pages and `--help` cover it).
fn documented() -> clap::Command {
    let full = Cli::command();
    let visible: Vec<clap::Command> = full.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
    let mut command = clap::Command::new(BIN_NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(visible)
        .args_conflicts_with_subcommands(true)
        .disable_help_subcommand(true);
    if let Some(about) = full.get_about() {
        command = command.about(about.clone());
    }
    if let Some(after_help) = full.get_after_help() {
        command = command.after_help(after_help.clone());
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_the_subcommands_but_not_the_worker() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8_lossy(&completions(shell)).into_owned();
            for name in ["run", "sweep", "report", "compare", "presets", "completions", "man"] {
                assert!(script.contains(name), "{shell}: {name} missing");
            }
            assert!(!script.contains("__worker"), "{shell} completes the internal __worker");
        }
    }

    #[test]
    fn one_page_per_visible_subcommand() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let written = write_man_pages(dir.path())?;
        let mut on_disk: Vec<PathBuf> =
            std::fs::read_dir(dir.path())?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        on_disk.sort();
        let mut expected = written.clone();
        expected.sort();
        assert_eq!(on_disk, expected, "exactly the pages it names");
        let names = page_names();
        assert!(names.contains(&"concurrency-lab-run.1".to_owned()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("worker") || n.contains("help")), "{names:?}");
        let run = std::fs::read_to_string(dir.path().join("concurrency-lab-run.1"))?;
        assert!(run.contains("\\-\\-backend"), "the run page lists its flags");
        Ok(())
    }
}
