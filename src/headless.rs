//! The `run`, `sweep`, `presets`, `completions` and `man` subcommands (and `report`, in `report.rs`): validate everything and check the output paths before
//! any work, run each backend in turn with a progress bar on stderr (when it is a terminal),
//! print the summary table on stdout, and write each export (each on its own: one that fails
//! is reported and the others are still written). Ctrl+C, SIGTERM and SIGHUP stop the run; the
//! partial result is still written and the exit code is 128 + the signal (130 for Ctrl+C).
//! A closed stdout or stderr (`| head -0`, a closed terminal) is an error to report, never a
//! panic.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::Context as _;

use crate::cli::{self, CompletionsArgs, ManArgs, RunArgs};
use crate::engine::{CancelToken, Event, EventSink, Machine, run_experiment};
use crate::engine::{Outcome, ResultFile};
use crate::export::atomic::PendingFile;
use crate::export::{Csv, Exporter, Json, Markdown, Table, Trace};
use crate::presets;

mod png;
mod report;
mod report_md;

pub use report::report;
mod compare;
pub use compare::compare;

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

/// Ctrl+C: 128 + SIGINT, as a shell reports a program interrupted by it.
pub const EXIT_CANCELLED: u8 = 130;

pub use crate::shared::say;

enum Target {
    Stdout,
    File(PendingFile),
}

struct Output {
    flag: &'static str,
    exporter: Box<dyn Exporter>,
    target: Target,
}

/// Checks every requested output before anything runs, so a bad path costs no work: what is
/// at each path, and that no two outputs land in the same place.
fn prepare_outputs(args: &RunArgs) -> anyhow::Result<Vec<Output>> {
    let heading = match &args.preset {
        Some(preset) => format!("concurrency-lab, preset {preset}"),
        None => "concurrency-lab".to_owned(),
    };
    let png = png::Png { look: args.png.look.clone(), heading };
    let requested: [(&'static str, &Option<std::path::PathBuf>, Box<dyn Exporter>); 5] = [
        ("--json", &args.json, Box::new(Json)),
        ("--csv", &args.csv, Box::new(Csv)),
        ("--markdown", &args.markdown, Box::new(Markdown)),
        ("--trace", &args.trace, Box::new(Trace)),
        ("--png", &args.png.png, Box::new(png)),
    ];

    #[cfg(unix)]
    let stdout = crate::engine::fd_identity(1);
    #[cfg(not(unix))]
    let stdout = None;
    let mut outputs: Vec<Output> = Vec::new();
    for (flag, path, exporter) in requested {
        let Some(path) = path else { continue };
        let target = if path.as_os_str() == "-" {
            Target::Stdout
        } else {
            let pending = PendingFile::create(path).with_context(|| format!("{flag} {}", path.display()))?;
            // `--json /dev/stdout` is stdout itself (a terminal or /dev/null may take both).
            if pending.is_open_as(stdout) && !pending.is_char_device() { Target::Stdout } else { Target::File(pending) }
        };
        if let Target::File(pending) = &target
            && let Some(other) =
                outputs.iter().find(|o| matches!(&o.target, Target::File(p) if p.collides_with(pending)))
        {
            anyhow::bail!("{} and {flag} both write to {}: one would be lost", other.flag, path.display());
        }
        outputs.push(Output { flag, exporter, target });
    }
    if outputs.iter().filter(|o| matches!(o.target, Target::Stdout)).count() > 1 {
        anyhow::bail!("only one export can go to stdout (-)");
    }
    // Last, after the path checks: it asks the graphics driver for its adapters.
    if args.png.png.is_some() {
        png::availability().map_err(|e| anyhow::anyhow!("--png: {e}"))?;
    }
    Ok(outputs)
}

/// Routes Ctrl+C, SIGTERM and SIGHUP to `cancel`; returns where the first one is recorded.
/// A second Ctrl+C quits at once (say an export to a FIFO whose reader stopped reading
/// would otherwise hold the program); repeated SIGTERM or SIGHUP change nothing.
fn stop_on_signals(cancel: &CancelToken) -> Arc<AtomicI32> {
    let received = Arc::new(AtomicI32::new(0));
    #[cfg(unix)]
    {
        let (cancel, first) = (cancel.clone(), received.clone());
        let routed = crate::engine::route_stop_signals(move |signal| {
            if first.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                cancel.cancel();
            } else if signal == libc::SIGINT {
                // Ctrl+C again: the user wants out now, partial result or not. The workers die
                // with the app (PR_SET_PDEATHSIG, the stdin lifeline).
                say(format_args!("\nstopped at once (second Ctrl+C): no result written"));
                std::process::exit(128 + signal);
            }
        });
        if let Err(e) = routed {
            say(format_args!("warning: Ctrl+C will end the run without its partial result ({e})"));
        }
    }
    #[cfg(not(unix))]
    let _ = cancel;
    received
}

/// `run`, and `sweep` (`require_sweep`: without `--vary` or a sweep preset it is bad input).
pub fn run(args: &RunArgs, require_sweep: bool) -> Result<ExitCode, CliError> {
    // First, before any thread starts: the threads started later inherit the signal mask.
    let cancel = CancelToken::new();
    let signal = stop_on_signals(&cancel);
    let plan = args.plan().map_err(CliError::BadInput)?;
    if require_sweep && plan.sweep.is_none() {
        return Err(CliError::BadInput(anyhow::anyhow!(
            "sweep needs --vary PARAM=VALUES (e.g. --vary workers=1,2,4,8) or a sweep preset"
        )));
    }
    let outputs = prepare_outputs(args).map_err(CliError::BadInput)?;
    let progress = ProgressBar::new(std::io::stderr().is_terminal());
    let mut runs = Vec::new();
    for config in &plan.configs {
        if cancel.is_cancelled() {
            break;
        }
        runs.push(run_experiment(config, &cancel, &progress));
        progress.clear();
    }
    let file = ResultFile { sweep: plan.sweep.clone(), ..ResultFile::new(Machine::detect(), runs) };
    let stdout_taken = outputs.iter().any(|o| matches!(o.target, Target::Stdout));
    let mut outputs_failed = 0;
    match Table.render(&file) {
        // The table is for reading: a closed stdout or stderr does not make the run fail.
        Ok(summary) => drop(if stdout_taken { write_stderr(&summary) } else { write_stdout(&summary) }),
        Err(e) => {
            outputs_failed += 1;
            say(format_args!("Error: could not render the summary table: {e:#}"));
        }
    }
    for output in outputs {
        if let Err(e) = write_output(&file, output) {
            outputs_failed += 1;
            say(format_args!("Error: {e:#}"));
        }
    }
    let any_failed = file.runs.iter().any(|r| r.outcome == Outcome::Failed);
    Ok(match signal.load(Ordering::SeqCst) {
        0 if any_failed || outputs_failed > 0 => ExitCode::from(1),
        0 => ExitCode::SUCCESS,
        signal => ExitCode::from(u8::try_from(128 + signal).unwrap_or(EXIT_CANCELLED)),
    })
}

/// Renders and writes one export; every error names the flag and the path.
fn write_output(file: &ResultFile, output: Output) -> anyhow::Result<()> {
    let Output { flag, exporter, target } = output;
    let bytes = exporter.render(file).with_context(|| format!("{flag}: could not render the {}", exporter.name()))?;
    match target {
        Target::Stdout => {
            write_stdout(&bytes).with_context(|| format!("{flag}: cannot write the {} to stdout", exporter.name()))
        }
        Target::File(pending) => {
            let shown = pending.path().display().to_string();
            let path = pending.commit(&bytes).with_context(|| format!("{flag} {shown}"))?;
            say(format_args!("wrote {} {}", exporter.name(), path.display()));
            Ok(())
        }
    }
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush())
}

fn write_stderr(bytes: &[u8]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    err.write_all(bytes).and_then(|()| err.flush())
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
                // One line each: the error's first line (the quote of the file is for `run`).
                let error = e.to_string();
                format!("{:<24} {:<8} {}", "(invalid)", "user", error.lines().next().unwrap_or_default())
            }
        };
        let _ = writeln!(out, "{line}");
    }
    if let Some(dir) = presets::user_dir() {
        let _ = writeln!(out, "\nUser presets are read from {}", dir.display());
    }
    let python = crate::engine::interpreter::default_python();
    let _ = writeln!(out, "The python-* backends run {} unless --python names another.", python.describe());
    if broken { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

/// `completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> ExitCode {
    match write_stdout(&cli::completions(args.shell)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(format_args!("Error: cannot write the {} completions to stdout: {e}", args.shell));
            ExitCode::from(1)
        }
    }
}

/// `man`: the main page on stdout, or every page written into `--dir` (each named on stderr).
pub fn man(args: &ManArgs) -> ExitCode {
    let written = match &args.dir {
        None => cli::man_page()
            .and_then(|page| write_stdout(&page))
            .map_err(|e| format!("cannot write the man page to stdout: {e}")),
        Some(dir) => cli::write_man_pages(dir)
            .map(|pages| pages.iter().for_each(|p| say(format_args!("wrote {}", p.display()))))
            .map_err(|e| format!("--dir {}: {e}", dir.display())),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(format_args!("Error: {e}"));
            ExitCode::from(1)
        }
    }
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
            let _ = write_stderr(b"\r\x1b[2K");
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
                let line = format!("\r\x1b[2K{label} [{bar}] {done}/{total} tasks  {elapsed_secs:.1} s");
                let _ = write_stderr(line.as_bytes());
            }
            _ => {}
        }
    }
}
