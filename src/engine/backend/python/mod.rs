//! The Python backends: the same workloads run by the user's own interpreter, beside the Rust
//! ones. `python-asyncio` (one event loop, `workers` tasks in flight), `python-threads`
//! (ThreadPoolExecutor) and `python-processes` (ProcessPoolExecutor) run the articles' code
//! in `harness.py` and `lab_workloads.py`, shipped inside the binary and written to a
//! private temp directory.
//!
//! Each repetition starts a fresh interpreter. Its start-up and imports happen before the
//! repetition's clock starts ([`Backend::start_up`]) and are reported apart, as the articles'
//! `time.time()` brackets leave them out; pool creation and warm-up are the measured setup.
//! Spans, step starts, task tracebacks, CPU time and loop lag come from the harness with
//! CLOCK_MONOTONIC timestamps, the clock of the rest of the lab; the sampler reads the
//! harness's and its workers' memory like any worker process's. See `session` for how no
//! Python process outlives a run.

pub mod interpreter;
pub mod protocol;
mod session;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use self::interpreter::Interpreter;
use self::protocol::{FromHarness, Pool, Setup};
use self::session::{Incoming, Session};
use super::{Backend, BackendReport, RunContext, StartUpContext};
use crate::engine::error::RunError;
use crate::engine::io;
use crate::engine::result::{PythonRun, Span};
use crate::engine::spans::LaneRecorder;

pub use self::interpreter::StartMethod;

/// One of the three Python backends; lives for one run (all its repetitions).
pub struct Python {
    pool: Pool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Detected once per run.
    interpreter: Option<Result<Interpreter, String>>,
    /// The harness's directory: it must outlive every pool worker that imports the script.
    script_dir: Option<tempfile::TempDir>,
    /// Started by `start_up`, driven by `run`.
    session: Option<Session>,
    /// The interpreter as the last repetition ran it.
    last_run: Option<PythonRun>,
}

impl Python {
    pub fn new(pool: Pool) -> Self {
        Self { pool, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    fn interpreter(&mut self, requested: Option<&std::path::Path>) -> Result<Interpreter, String> {
        self.interpreter
            .get_or_insert_with(|| interpreter::detect(&interpreter::requested(requested)).map_err(|e| e.to_string()))
            .clone()
    }

    /// Writes the harness once, into a directory only this user can read, named after this
    /// process (so a later run can remove what a killed one left).
    fn script(&mut self) -> Result<PathBuf, String> {
        if self.script_dir.is_none() {
            remove_stale_script_dirs(&std::env::temp_dir());
            let fail = |e: std::io::Error| format!("could not write the Python harness to a temp directory: {e}");
            let prefix = format!("{SCRIPT_DIR_PREFIX}{}-", std::process::id());
            let dir = tempfile::Builder::new().prefix(&prefix).tempdir().map_err(fail)?;
            for (name, text) in protocol::FILES {
                std::fs::write(dir.path().join(name), text).map_err(fail)?;
            }
            self.script_dir = Some(dir);
        }
        let dir = self.script_dir.as_ref().map(|d| d.path().join("harness.py"));
        dir.ok_or_else(|| "the Python harness was not written".to_owned())
    }
}

impl Backend for Python {
    fn start_up(&self, ctx: &StartUpContext<'_>) -> Result<Option<f64>, String> {
        let mut state = self.state();
        state.session = None;
        state.last_run = None;
        let config = ctx.config;
        let interpreter = state.interpreter(config.python.as_deref())?;
        if self.pool == Pool::Processes
            && let Some(method) = config.start_method
        {
            interpreter.check_start_method(method)?;
        }
        let script = state.script()?;
        let setup = Setup {
            backend: self.pool,
            workload: config.workload.kind,
            sizes: config.workload.size.values().to_vec(),
            tasks: config.tasks,
            workers: config.workers,
            steps: config.steps,
            record_steps: ctx.log.records_steps(),
            io_wait_millis: config.io_wait_millis,
            http_url: ctx.io.http_base_url().map(str::to_owned),
            file_dir: ctx.io.file_dir.clone(),
            start_method: if self.pool == Pool::Processes { config.start_method } else { None },
            fail_every: config.panic_every,
        };
        let Some(session) = Session::start(&interpreter, &script, &setup, ctx.cancel)? else {
            return Err("stopped while the Python interpreter started".to_owned());
        };
        ctx.pids.add(session.pid());
        let startup_secs = session.startup_secs;
        state.session = Some(session);
        Ok(Some(startup_secs))
    }

    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let Some(mut session) = self.state().session.take() else {
            let error = Some(RunError::Python("the Python interpreter was not started".to_owned()));
            return BackendReport { ended_secs: ctx.clock.now_secs(), error, ..BackendReport::default() };
        };
        let mut report = BackendReport::default();
        let mut pool_pids = Vec::new();
        let outcome = session.go().and_then(|()| drive(&mut session, ctx, &mut report, &mut pool_pids));
        report.ended_secs = ctx.clock.now_secs();
        session.finish(outcome.is_ok() && !ctx.cancel.is_cancelled());
        for pid in pool_pids.iter().copied().chain([session.pid()]) {
            ctx.pids.remove(pid);
            if let Some(dir) = &ctx.io.file_dir {
                // A process killed mid-task could not delete its temp file.
                io::remove_leftovers(dir, pid);
            }
        }
        let hello = &session.hello;
        self.state().last_run = Some(PythonRun {
            executable: hello.executable.clone(),
            implementation: hello.implementation.clone(),
            version: hello.version.clone(),
            free_threaded: hello.free_threaded,
            gil_enabled: hello.gil_enabled,
            start_method: hello.start_method.clone(),
            http_client: hello.http_client.clone(),
        });
        report.error = outcome.err().map(RunError::Python);
        report
    }

    fn python_run(&self) -> Option<PythonRun> {
        self.state().last_run.clone()
    }
}

/// The harness's directory is `concurrency-lab-python-<pid of the lab>-<random>`.
const SCRIPT_DIR_PREFIX: &str = "concurrency-lab-python-";

/// Removes harness directories left by labs that no longer run (killed, so their temp
/// directory was never cleaned up). Linux only: elsewhere a dead pid can't be told apart.
fn remove_stale_script_dirs(tmp: &std::path::Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SCRIPT_DIR_PREFIX))
            .and_then(|rest| rest.split_once('-').and_then(|(pid, _)| pid.parse::<u32>().ok()))
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Reads the harness until it is done, fails, or the run is stopped.
fn drive(
    session: &mut Session,
    ctx: &RunContext<'_>,
    report: &mut BackendReport,
    pool_pids: &mut Vec<u32>,
) -> Result<(), String> {
    let mut recorder = LaneRecorder::new(ctx.spans);
    loop {
        if ctx.cancel.is_cancelled() {
            return Ok(());
        }
        let message = match session.recv(Duration::from_millis(20)) {
            Ok(Incoming::Message(message)) => *message,
            Ok(other) => return Err(session.explain(other)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err(session.death()),
        };
        match message {
            FromHarness::Ready { ready_ns, worker_pids: workers, helper_pids, .. } => {
                report.setup_secs = ctx.clock.secs_at(ready_ns).max(0.0);
                // Every process of the pool counts towards the run's memory.
                for &pid in workers.iter().chain(&helper_pids) {
                    ctx.pids.add(pid);
                }
                *pool_pids = workers;
                pool_pids.extend(helper_pids);
            }
            FromHarness::Spans { spans, steps, errors } => {
                for (task, traceback) in errors {
                    ctx.log.error(task, &format!("Python raised:\n{}", traceback.trim_end()));
                }
                ctx.log.foreign_steps(steps);
                for protocol::WireSpan(task, worker, start, end, ok) in spans {
                    let (start_secs, end_secs) = (ctx.clock.secs_at(start), ctx.clock.secs_at(end));
                    recorder.record(Span { task, worker, start_secs, end_secs, ok });
                }
            }
            FromHarness::Done { cpu_secs, lag, .. } => {
                report.cpu_secs = Some(cpu_secs);
                report.loop_lag = lag;
                return Ok(());
            }
            other => return Err(session.explain(Incoming::Message(Box::new(other)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn harness_dirs_of_dead_labs_are_removed() -> std::io::Result<()> {
        let tmp = tempfile::tempdir()?;
        // pid 0 never names a running lab; this process does.
        let dead = tmp.path().join(format!("{SCRIPT_DIR_PREFIX}0-abc"));
        let alive = tmp.path().join(format!("{SCRIPT_DIR_PREFIX}{}-abc", std::process::id()));
        let other = tmp.path().join("concurrency-lab-python-notapid");
        for dir in [&dead, &alive, &other] {
            std::fs::create_dir(dir)?;
            std::fs::write(dir.join("harness.py"), "pass")?;
        }
        remove_stale_script_dirs(tmp.path());
        assert!(!dead.exists() && alive.exists() && other.exists());
        Ok(())
    }
}
