//! The `run` and `presets` subcommands: validate everything and open the output files before
//! any work, run each backend in turn with a progress bar on stderr (when it is a terminal),
//! print the summary table on stdout, and write the exports atomically. Ctrl+C cancels the
//! run; the partial result is still written.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context as _;

use crate::cli::RunArgs;
use crate::engine::{CancelToken, Event, EventSink, Machine, run_experiment};
use crate::engine::{Outcome, ResultFile};
use crate::export::atomic::PendingFile;
use crate::export::{Csv, Exporter, Json, Markdown, Table};
use crate::presets;

/// An error, and whether it was the user's input (exit 2) or something that broke (exit 1).
#[derive(Debug)]
pub enum CliError {
    BadInput(anyhow::Error),
    Failed(anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::BadInput(_) => ExitCode::from(2),
            Self::Failed(_) => ExitCode::from(1),
        }
    }

    pub fn error(&self) -> &anyhow::Error {
        match self {
            Self::BadInput(e) | Self::Failed(e) => e,
        }
    }
}

pub const EXIT_CANCELLED: u8 = 130;

enum Target {
    Stdout,
    File(PendingFile),
}

struct Output {
    exporter: Box<dyn Exporter>,
    target: Target,
}

/// Opens every requested output before anything runs, so a bad path costs no work.
fn prepare_outputs(args: &RunArgs) -> anyhow::Result<Vec<Output>> {
    let requested: [(&str, &Option<std::path::PathBuf>, Box<dyn Exporter>); 3] = [
        ("--json", &args.json, Box::new(Json)),
        ("--csv", &args.csv, Box::new(Csv)),
        ("--markdown", &args.markdown, Box::new(Markdown)),
    ];
    let mut outputs = Vec::new();
    for (flag, path, exporter) in requested {
        let Some(path) = path else { continue };
        let target = if path.as_os_str() == "-" {
            Target::Stdout
        } else {
            Target::File(PendingFile::create(path).with_context(|| format!("{flag} {}", path.display()))?)
        };
        outputs.push(Output { exporter, target });
    }
    if outputs.iter().filter(|o| matches!(o.target, Target::Stdout)).count() > 1 {
        anyhow::bail!("only one export can go to stdout (-)");
    }
    Ok(outputs)
}

pub fn run(args: &RunArgs) -> Result<ExitCode, CliError> {
    let plan = args.plan().map_err(CliError::BadInput)?;
    let outputs = prepare_outputs(args).map_err(CliError::BadInput)?;
    let cancel = CancelToken::new();
    let on_interrupt = cancel.clone();
    // Without a handler Ctrl+C would still end the run, just without the partial result.
    let _ = ctrlc::set_handler(move || on_interrupt.cancel());
    let progress = ProgressBar::new(std::io::stderr().is_terminal());
    let mut runs = Vec::new();
    for config in &plan.configs {
        if cancel.is_cancelled() {
            break;
        }
        runs.push(run_experiment(config, &cancel, &progress));
        progress.clear();
    }
    let file = ResultFile::new(Machine::detect(), runs);
    let summary = Table.render(&file).map_err(CliError::Failed)?;
    let stdout_taken = outputs.iter().any(|o| matches!(o.target, Target::Stdout));
    if stdout_taken {
        let _ = std::io::stderr().write_all(&summary);
    } else {
        let _ = std::io::stdout().write_all(&summary);
    }
    for output in outputs {
        let bytes = output.exporter.render(&file).map_err(CliError::Failed)?;
        match output.target {
            Target::Stdout => {
                std::io::stdout().write_all(&bytes).context("cannot write to stdout").map_err(CliError::Failed)?
            }
            Target::File(pending) => {
                let path = pending.commit(&bytes).map_err(CliError::Failed)?;
                eprintln!("wrote {} {}", output.exporter.name(), path.display());
            }
        }
    }
    let outcomes: Vec<Outcome> = file.runs.iter().map(|r| r.outcome).collect();
    Ok(if outcomes.contains(&Outcome::Failed) {
        ExitCode::from(1)
    } else if cancel.is_cancelled() {
        ExitCode::from(EXIT_CANCELLED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `presets`: one line each; a broken user preset is listed with its error.
pub fn list_presets() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut broken = false;
    for preset in presets::all() {
        let line = match preset {
            Ok(p) => format!("{:<24} {:<8} {}", p.id, p.source.label(), p.name),
            Err(e) => {
                broken = true;
                format!("{:<24} {:<8} {e}", "(invalid)", "user")
            }
        };
        let _ = writeln!(out, "{line}");
    }
    if let Some(dir) = presets::user_dir() {
        let _ = writeln!(out, "\nUser presets are read from {}", dir.display());
    }
    if broken { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
struct ProgressBar {
    enabled: bool,
    label: Mutex<String>,
}

impl ProgressBar {
    fn new(enabled: bool) -> Self {
        Self { enabled, label: Mutex::new(String::new()) }
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

impl EventSink for ProgressBar {
    fn emit(&self, event: Event) {
        if !self.enabled {
            return;
        }
        match event {
            Event::RepetitionStarted { backend, index, of, warmup } => {
                let kind = if warmup { "warm-up" } else { "run" };
                if let Ok(mut label) = self.label.lock() {
                    *label = format!("{backend:<11} {kind} {}/{of}", index + 1);
                }
            }
            Event::Progress { done, total, elapsed_secs } => {
                const WIDTH: u64 = 30;
                let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
                let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '-' }).collect();
                let label = self.label.lock().map(|l| l.clone()).unwrap_or_default();
                eprint!("\r\x1b[2K{label} [{bar}] {done}/{total} tasks  {elapsed_secs:.1} s");
                let _ = std::io::stderr().flush();
            }
            _ => {}
        }
    }
}
