//! The `concurrency-lab` binary: dispatches to a worker (before anything else), the headless
//! `run`/`presets` subcommands, or the desktop lab.

use std::process::ExitCode;

use clap::Parser;
use concurrency_lab::cli::{Cli, Command};
use concurrency_lab::engine::backend::protocol::WORKER_SUBCOMMAND;
use concurrency_lab::{headless, worker};

fn main() -> ExitCode {
    // A worker process must never touch argument parsing beyond this, nor any window code.
    if std::env::args_os().nth(1).is_some_and(|arg| arg == WORKER_SUBCOMMAND) {
        return worker::main();
    }
    let cli = Cli::parse();
    match cli.command {
        None => open_window(),
        Some(Command::Run(args)) => match headless::run(&args) {
            Ok(code) => code,
            Err(err) => {
                eprintln!("Error: {:#}", err.error());
                err.exit_code()
            }
        },
        Some(Command::Presets) => headless::list_presets(),
        Some(Command::Worker) => worker::main(),
    }
}

fn open_window() -> ExitCode {
    use clap::CommandFactory;
    let _ = Cli::command().print_help();
    eprintln!("\nThe desktop window is not built into this version yet; use `concurrency-lab run` (see --help).");
    ExitCode::from(2)
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
