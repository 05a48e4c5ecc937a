//! The `concurrency-lab` binary: dispatches to a worker (before anything else), the headless
//! `run`/`sweep`/`report`/`compare`/`presets`/`completions`/`man` subcommands, or the desktop lab.

use std::process::ExitCode;

use clap::Parser;
use concurrency_lab::cli::{Cli, Command};
use concurrency_lab::engine::{self, WORKER_SUBCOMMAND};
use concurrency_lab::headless;
use concurrency_lab::headless::say;

fn main() -> ExitCode {
    // Memory figures are the workload's, not the allocator's huge pages (workers inherit this).
    // Refused, the lab still runs; its memory figures then include huge pages.
    let _ = engine::disable_transparent_huge_pages();
    // A worker process must never touch argument parsing beyond this, nor any window code.
    if std::env::args_os().nth(1).is_some_and(|arg| arg == WORKER_SUBCOMMAND) {
        return engine::run_worker();
    }
    quiet_device_select();
    let cli = Cli::parse();
    match cli.command {
        None => open_window(&cli),
        Some(Command::Run(args)) => match headless::run(&args, false) {
            Ok(code) => code,
            Err(err) => {
                say(format_args!("Error: {:#}", err.error()));
                err.exit_code()
            }
        },
        Some(Command::Sweep(args)) => match headless::run(&args, true) {
            Ok(code) => code,
            Err(err) => {
                say(format_args!("Error: {:#}", err.error()));
                err.exit_code()
            }
        },
        Some(Command::Report(args)) => match headless::report(&args) {
            Ok(code) => code,
            Err(err) => {
                say(format_args!("Error: {:#}", err.error()));
                err.exit_code()
            }
        },
        Some(Command::Compare(args)) => match headless::compare(&args) {
            Ok(code) => code,
            Err(err) => {
                say(format_args!("Error: {:#}", err.error()));
                err.exit_code()
            }
        },
        Some(Command::Presets) => headless::list_presets(),
        Some(Command::Completions(args)) => headless::completions(&args),
        Some(Command::Man(args)) => headless::man(&args),
        Some(Command::Worker) => engine::run_worker(),
    }
}

/// Offscreen pictures (`--png`, `report`) where there is no login session (a service, cron,
/// a container): Mesa's Vulkan device-select layer looks for a Wayland display to pick a GPU
/// for and prints "error: XDG_RUNTIME_DIR is invalid or not set" for every Vulkan instance.
/// With no session there is no display to pick for, so the layer is turned off (its own
/// switch). Runs while the process has one thread, as `set_var` requires.
#[allow(unsafe_code)]
fn quiet_device_select() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() && std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: called from `main` before any thread is started, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}

/// The desktop lab. Bad launch flags fail here, before a window opens, with exit code 2.
#[cfg(feature = "gui")]
fn open_window(cli: &Cli) -> ExitCode {
    use concurrency_lab::{gui, presets};

    let preset = match cli.preset.as_deref().map(presets::load).transpose() {
        Ok(preset) => preset,
        Err(e) => {
            say(format_args!("Error: {e}"));
            return ExitCode::from(2);
        }
    };
    if let Err(e) = check_paths(cli) {
        say(format_args!("Error: {e:#}"));
        return ExitCode::from(2);
    }
    let launch = gui::Launch {
        preset,
        png_path: cli.png_path.clone(),
        export_path: cli.export_path.clone(),
        run: cli.run,
        exit_when_done: cli.exit_when_done,
    };
    match gui::run(launch) {
        Ok(()) => match (gui::stop_signal(), gui::exit_code()) {
            (Some(signal), _) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)),
            (None, Some(code)) => ExitCode::from(code),
            (None, None) => ExitCode::SUCCESS,
        },
        Err(e) => {
            say(format_args!("Error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

/// The window's output paths, checked before it opens: what is at each path (as for `run`'s
/// exports), the export's extension, and that the two are not the same file.
#[cfg(feature = "gui")]
fn check_paths(cli: &Cli) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use concurrency_lab::export::atomic::PendingFile;
    use concurrency_lab::gui::data_export;

    let png = cli.png_path.as_ref().map(|path| PendingFile::create(path).context("--png-path")).transpose()?;
    let data = match &cli.export_path {
        Some(path) => {
            data_export::exporter_for(path).map_err(|e| anyhow::anyhow!("--export-path: {e}"))?;
            Some(PendingFile::create(path).context("--export-path")?)
        }
        None => None,
    };
    // The same file through any path or link: one write would replace the other.
    if let (Some(png), Some(data), Some(path)) = (&png, &data, &cli.png_path)
        && png.collides_with(data)
    {
        anyhow::bail!("--png-path and --export-path are the same file ({})", path.display());
    }
    Ok(())
}

#[cfg(not(feature = "gui"))]
fn open_window(_cli: &Cli) -> ExitCode {
    use clap::CommandFactory;
    let _ = Cli::command().print_help();
    say(format_args!("\nThis binary was built without the desktop window (feature `gui`); use `concurrency-lab run`."));
    ExitCode::from(2)
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
