//! The command line (a contract: ARCHITECTURE.md, "Command line"): clap definitions, and turning
//! `run` flags plus an optional preset into a [`Plan`] of validated configs (flags override
//! preset values).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::{
    BackendKind, ExperimentConfig, Sizes, StartMethod, SweepSpec, ValidConfig, WorkerKind, WorkloadKind, interpreter,
};
use crate::presets;

mod compare;
mod docs;
mod png;
mod report;
mod vary;

pub use compare::CompareArgs;
pub use docs::{CompletionsArgs, ManArgs, completions, man_page, page_names, write_man_pages};
pub use png::{MAX_PNG_EDGE, PngArgs, PngLook, PngSize, PngTheme};
pub use report::ReportArgs;

#[derive(Debug, Parser)]
#[command(
    name = "concurrency-lab",
    version,
    about = "Run the same work on an event loop, OS threads or OS processes, and see what your machine does with it.",
    after_help = "With no subcommand, opens the desktop lab.\nExit codes: 0 done, 1 a run or an export failed, 2 bad input, \
                  130 stopped by Ctrl+C (128 + the signal for SIGTERM: 143, SIGHUP: 129).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the lab with this preset loaded: a file, or a bundled or user preset's name.
    #[arg(long, value_name = "FILE|NAME")]
    pub preset: Option<String>,
    /// Where Save PNG (Ctrl+S) writes the figure, without asking: for scripted use.
    #[arg(long, value_name = "FILE")]
    pub png_path: Option<PathBuf>,
    /// Where Export data writes, without asking; the extension picks the format (.json as
    /// `run --json` writes it, .csv, .md, .trace.json).
    #[arg(long, value_name = "FILE")]
    pub export_path: Option<PathBuf>,
    /// Run at start, without asking: the preset as "Run this preset" does, else the current
    /// settings (a sweep in Sweep mode).
    #[arg(long)]
    pub run: bool,
    /// With --run: when the runs end, save the figure to --png-path and the data to
    /// --export-path where given, then exit (0 done, 1 a run or a file failed).
    #[arg(long, requires = "run")]
    pub exit_when_done: bool,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per process")]
pub enum Command {
    /// Run an experiment headless: progress on stderr, a summary table on stdout.
    Run(RunArgs),
    /// Run an experiment for each value of one parameter (--vary, or a sweep preset) and fit
    /// how it scales: speedup, efficiency, Amdahl's and the USL's laws.
    Sweep(RunArgs),
    /// Run presets (default: every bundled claim) and write a report into a directory:
    /// index.md (the machine, each preset's claim, summary table, verdict and PNG),
    /// results.json, presets.md (docs/claims.md's table of figures) and a PNG per preset.
    Report(ReportArgs),
    /// Set result files from several machines side by side: each file's machine, then each
    /// work's times per backend on each machine, and how the machines differ.
    Compare(CompareArgs),
    /// List the bundled and user presets, one per line, and the Python the python-* backends use.
    Presets,
    /// Print a shell completion script for bash, zsh or fish.
    ///
    /// bash: `concurrency-lab completions bash > ~/.local/share/bash-completion/completions/concurrency-lab`;
    /// zsh: save it as `_concurrency-lab` in a directory on $fpath; fish: `concurrency-lab
    /// completions fish > ~/.config/fish/completions/concurrency-lab.fish`. The .deb installs
    /// all three.
    Completions(CompletionsArgs),
    /// Print the man page, or write a page per subcommand into a directory.
    ///
    /// `concurrency-lab man | man -l -` reads it without installing it; the .deb installs the
    /// pages.
    Man(ManArgs),
    /// The child side of the processes backend (internal).
    #[command(name = "__worker", hide = true)]
    Worker,
}

#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// A preset file, or the name of a bundled or user preset (see `presets`).
    #[arg(long, value_name = "FILE|NAME")]
    pub preset: Option<String>,
    // The next three helps list the rows of the backend and workload tables.
    #[arg(long, value_name = "B[,B...]", value_delimiter = ',', help = backend_help())]
    pub backend: Vec<BackendKind>,
    #[arg(long, value_name = "W", help = workload_help())]
    pub workload: Option<WorkloadKind>,
    #[arg(long, value_name = "N[,N...]", value_delimiter = ',', help = size_help())]
    pub size: Vec<u64>,
    /// Number of tasks.
    #[arg(long, value_name = "N")]
    pub tasks: Option<u64>,
    /// Each task does its work K times, yielding between steps; above 1 the order of steps
    /// is recorded and the distinct orders across repetitions are counted (interleaving).
    #[arg(long, value_name = "K")]
    pub steps: Option<u32>,
    /// The I/O wait of each `mixed` task, after its CPU part, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub io_wait: Option<u64>,
    /// Threads, processes, or (event loop) tasks in flight. Overrides per-backend preset values.
    #[arg(long, value_name = "N")]
    pub workers: Option<u64>,
    /// Emulate CPython's GIL in every process.
    #[arg(long, conflicts_with = "no_gil")]
    pub gil: bool,
    /// Turn the GIL emulation off even if the preset turns it on.
    #[arg(long)]
    pub no_gil: bool,
    /// Measured repetitions per backend (the median is reported).
    #[arg(long, value_name = "N")]
    pub repeat: Option<u32>,
    /// Unmeasured warm-up repetitions per backend.
    #[arg(long, value_name = "N")]
    pub warmup: Option<u32>,
    /// CPU sampling interval in milliseconds (50 to 1000).
    #[arg(long, value_name = "MS")]
    pub sample_interval: Option<u64>,
    /// Write the full result as JSON ("-" for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per backend.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the comparison as a Markdown table.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write every run's timeline as a Chrome / Perfetto trace (ui.perfetto.dev opens it).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    #[command(flatten)]
    pub png: PngArgs,
    /// The Python interpreter of the python-* backends (default: the python3 of the virtual
    /// environment the lab is installed in, as by pipx or uv, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// How python-processes starts its workers: fork, spawn or forkserver (default: the
    /// interpreter's own default).
    #[arg(long, value_name = "METHOD")]
    pub start_method: Option<StartMethod>,
    /// Fault injection: every Nth task panics.
    #[arg(long, value_name = "N", hide = true)]
    pub panic_every: Option<u64>,
    /// Where the embedded HTTP server listens (default 127.0.0.1:0), for tests.
    #[arg(long, value_name = "ADDR", hide = true)]
    pub http_bind: Option<std::net::SocketAddr>,
    /// Sweep a parameter: workers, tasks or size, through a list (workers=1,2,4,8), every
    /// integer of a range (workers=1..16) or a doubling range (workers=1..1024:x2). Each value
    /// runs on every backend; the varied parameter overrides its flag and the preset.
    #[arg(long, value_name = "PARAM=VALUES", value_parser = vary::parse_vary)]
    pub vary: Option<SweepSpec>,
    /// Run a sweep of more than 100 runs (points × repetitions and warm-ups) without refusing.
    #[arg(long)]
    pub yes: bool,
}

pub use crate::shared::MAX_UNCONFIRMED_RUNS;

fn backend_help() -> String {
    let names = |list: &[BackendKind]| list.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ");
    format!(
        "Backends to compare, comma-separated: {}, and in your own Python: {}.",
        names(BackendKind::USER_FACING),
        names(BackendKind::PYTHON)
    )
}

fn workload_help() -> String {
    let names: Vec<&str> = WorkloadKind::ALL.iter().map(|w| w.name()).collect();
    format!("What each task does: {}.", names.join(", "))
}

fn size_help() -> String {
    let units: Vec<String> = (WorkloadKind::ALL.iter())
        .filter(|w| !w.size_unit().is_empty())
        .map(|w| format!("{}: {}", w.name(), w.size_unit()))
        .collect();
    format!("Workload size ({}). A list is cycled across tasks.", units.join("; "))
}

/// What `run` will do: one validated config per backend, in order; for a sweep, one per
/// value and backend, value by value.
#[derive(Debug)]
pub struct Plan {
    pub configs: Vec<ValidConfig>,
    pub sweep: Option<SweepSpec>,
}

/// The backends run when neither a preset nor `--backend` names any.
const DEFAULT_BACKENDS: [BackendKind; 3] = [BackendKind::EventLoop, BackendKind::Threads, BackendKind::Processes];

impl RunArgs {
    /// Merges the preset (if any) with the flags and validates every backend's config.
    pub fn plan(&self) -> anyhow::Result<Plan> {
        let preset = self.preset.as_deref().map(presets::load).transpose()?;
        let (mut base, mut backends, mut workers_for) = match &preset {
            Some(p) => (p.base.clone(), p.backends.clone(), p.workers_for.clone()),
            None => (ExperimentConfig::default(), DEFAULT_BACKENDS.to_vec(), BTreeMap::new()),
        };
        if !self.backend.is_empty() {
            backends.clone_from(&self.backend);
            backends.dedup();
        }
        if let Some(kind) = self.workload
            && kind != base.workload.kind
        {
            base.workload.kind = kind;
            base.workload.size = Sizes::one(kind.default_size());
        }
        if !self.size.is_empty() {
            base.workload.size = Sizes::list(self.size.clone());
        }
        if let Some(tasks) = self.tasks {
            base.tasks = tasks;
        }
        if let Some(workers) = self.workers {
            base.workers = workers;
            workers_for.clear();
        }
        if self.gil {
            base.gil = true;
        }
        if self.no_gil {
            base.gil = false;
        }
        if let Some(repeat) = self.repeat {
            base.repeat = repeat;
        }
        if let Some(warmup) = self.warmup {
            base.warmup = warmup;
        }
        if let Some(ms) = self.sample_interval {
            base.sample_interval_millis = ms;
        }
        if let Some(every) = self.panic_every {
            base.panic_every = every;
        }
        if let Some(steps) = self.steps {
            base.steps = steps;
        }
        if let Some(millis) = self.io_wait {
            base.io_wait_millis = millis;
        }
        if self.http_bind.is_some() {
            base.http_bind_addr = self.http_bind;
        }
        if self.python.is_some() {
            base.python.clone_from(&self.python);
        }
        if self.start_method.is_some() {
            base.start_method = self.start_method;
        }
        let origin = preset.as_ref().map(|p| format!(" (preset {})", p.id)).unwrap_or_default();
        let configs = backends.into_iter().map(|backend| {
            let mut workers = workers_for.get(&backend).copied().unwrap_or(base.workers);
            let in_flight = backend.info().workers == WorkerKind::InFlight;
            if in_flight && self.tasks.is_some() && workers_for.contains_key(&backend) {
                // A preset's "every task in flight" still means that with fewer tasks.
                workers = workers.min(base.tasks);
            }
            ExperimentConfig { backend, workers, ..base.clone() }
        });
        let sweep = self.vary.clone().or_else(|| preset.as_ref().and_then(|p| p.sweep.clone()));
        let configs = match &sweep {
            None => configs
                .map(|c| c.validate().map_err(|e| anyhow::anyhow!("backend {}{origin}: {e}", c.backend)))
                .collect::<anyhow::Result<Vec<_>>>()?,
            // The points are what run, so the points are what is checked.
            Some(spec) => spec.points(&configs.collect::<Vec<_>>()).map_err(|e| anyhow::anyhow!("{e}{origin}"))?,
        };
        if sweep.is_some() {
            let runs: u64 = configs.iter().map(|c| u64::from(c.repeat) + u64::from(c.warmup)).sum();
            if runs > MAX_UNCONFIRMED_RUNS && !self.yes {
                anyhow::bail!(
                    "sweep: {} points make {runs} runs with their repetitions and warm-ups, more than \
                     {MAX_UNCONFIRMED_RUNS}; add --yes to run them all",
                    configs.len()
                );
            }
        }
        check_python(&configs)?;
        Ok(Plan { configs, sweep })
    }
}

/// The Python backends need an interpreter: find it (and check the start method) before
/// anything runs, naming the path tried.
fn check_python(configs: &[ValidConfig]) -> anyhow::Result<()> {
    let Some(first) = configs.iter().find(|c| c.backend.is_python()) else { return Ok(()) };
    let requested = interpreter::requested(first.python.as_deref());
    let python = interpreter::detect(&requested).map_err(|e| {
        anyhow::anyhow!(
            "--python {e} (needed by the backend {}: install python3, or name another interpreter \
             with --python PATH)",
            first.backend
        )
    })?;
    if configs.iter().any(|c| c.backend == BackendKind::PythonProcesses)
        && let Some(method) = first.start_method
    {
        python.check_start_method(method).map_err(|e| anyhow::anyhow!("--start-method {method}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<RunArgs, clap::Error> {
        let cli = Cli::try_parse_from([&["concurrency-lab", "run"], args].concat())?;
        match cli.command {
            Some(Command::Run(args)) => Ok(args),
            _ => Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand)),
        }
    }

    #[test]
    fn defaults_compare_the_three_backends() -> anyhow::Result<()> {
        let plan = parse(&[])?.plan()?;
        let backends: Vec<_> = plan.configs.iter().map(|c| c.backend).collect();
        assert_eq!(backends, DEFAULT_BACKENDS.to_vec());
        Ok(())
    }

    #[test]
    fn flags_override_the_preset() -> anyhow::Result<()> {
        let plan =
            parse(&["--preset", "io-many-sleeps", "--backend", "threads", "--tasks", "10", "--size", "5"])?.plan()?;
        let [config] = plan.configs.as_slice() else { anyhow::bail!("one config expected") };
        assert_eq!((config.backend, config.tasks, config.workers), (BackendKind::Threads, 10, 32));
        assert_eq!(config.workload.size, Sizes::one(5));
        let plan = parse(&["--preset", "io-many-sleeps", "--workers", "4", "--tasks", "10"])?.plan()?;
        assert!(plan.configs.iter().all(|c| c.workers == 4), "--workers beats per-backend values");
        Ok(())
    }

    #[test]
    fn fewer_tasks_keep_a_preset_event_loop_fully_in_flight() -> anyhow::Result<()> {
        let plan = parse(&["--preset", "io-many-sleeps", "--tasks", "10"])?.plan()?;
        let workers: Vec<u64> = plan.configs.iter().map(|c| c.workers).collect();
        assert_eq!(workers, vec![10, 32, 8]);
        Ok(())
    }

    #[test]
    fn steps_and_io_wait_flags_apply() -> anyhow::Result<()> {
        let plan = parse(&["--workload", "mixed", "--io-wait", "7", "--steps", "3", "--backend", "rayon"])?.plan()?;
        assert_eq!((plan.configs[0].steps, plan.configs[0].io_wait_millis), (3, 7));
        assert_eq!(plan.configs[0].backend, BackendKind::Rayon);
        Ok(())
    }

    #[test]
    fn changing_workload_resets_its_size() -> anyhow::Result<()> {
        let plan = parse(&["--workload", "fib", "--backend", "threads"])?.plan()?;
        assert_eq!(plan.configs[0].workload.size, Sizes::one(30));
        Ok(())
    }

    #[test]
    fn bad_values_name_backend_field_and_bound() -> anyhow::Result<()> {
        let msg = parse(&["--backend", "threads,processes", "--workers", "0"])?.plan().unwrap_err().to_string();
        assert_eq!(msg, "backend threads: workers must be between 1 and 1024 for the threads backend, got 0");
        assert!(parse(&["--backend", "fibers"]).is_err());
        assert!(parse(&["--gil", "--no-gil"]).is_err());
        Ok(())
    }
}
