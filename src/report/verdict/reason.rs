//! Why the slower of two runs lost, read off what was measured: a busy machine, start-up
//! share, one loop thread running CPU work, a blocked loop, GIL turns (emulated or CPython's),
//! fewer waits in flight, more cores busy, or else the backends' own overhead.

use serde::Serialize;

use crate::engine::{BackendKind, RunResult};

/// A start-up share above this is the reason a run lost.
const START_UP_SHARE: f64 = 0.3;
/// GIL-bound threads keep at most about one core busy.
const ONE_CORE: f64 = 1.3;
/// Cores busy at least this much on average (percent of all) make a machine busy…
const BUSY_PCT: f64 = 90.0;
/// …when at least this much of it (percent of all cores) was not the run's own work.
const OTHERS_PCT: f64 = 25.0;

/// How busy the machine's cores were during `run` on average, and how much of that was the run
/// itself (its CPU time over its elapsed time), both in percent of all cores; `None` without
/// samples or a measured CPU time.
fn others_on_the_cores(run: &RunResult) -> Option<(f64, f64)> {
    let cores = run.cpu_samples.first()?.per_core.len();
    if cores == 0 || run.cpu_samples.len() < 2 {
        return None;
    }
    let machine = run.cpu_samples.iter().map(|s| f64::from(s.mean())).sum::<f64>() / run.cpu_samples.len() as f64;
    let own = run.effective_parallelism? / cores as f64 * 100.0;
    Some((machine, own))
}

/// A run that kept this many more cores busy won on parallelism.
const MORE_CORES: f64 = 0.3;

/// Why the slower run lost, from what was measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// This share of the slow run went to setup (runtime, threads, processes).
    StartUp { share: f64 },
    /// The slow run was one event-loop thread running CPU work one task at a time.
    LoopRunsCpuWork { lag_secs: Option<f64> },
    /// The slow run's event loop was blocked (by CPU work, or a blocking call).
    LoopBlocked { cpu_work: bool, lag_secs: Option<f64> },
    /// GIL-bound threads took turns on one core.
    GilTurns { parallelism: f64 },
    /// Real CPython threads, with the interpreter's GIL on, took turns on one core.
    CpythonGil { parallelism: f64 },
    /// Fewer waits overlapped in the slow run.
    FewerInFlight { slow: u64, fast: u64 },
    /// The fast run kept more cores busy.
    MoreCores { fast: f64, slow: f64 },
    /// The same work on as many cores: what is left is the backends' own overhead.
    Overhead,
    /// The slow run shared a busy machine: its cores were `machine_pct` busy on average, of
    /// which the run itself used `own_pct` (both in percent of all cores).
    BusyMachine { machine_pct: f64, own_pct: f64 },
}

/// Why `slow` lost, from what was measured. Reasons that need parallelism are skipped where it
/// was not measured.
pub(super) fn reason(fast: &RunResult, slow: &RunResult) -> Reason {
    let slow_cfg = &slow.config;
    let kind = slow_cfg.workload.kind;
    // First: a run that had to share the cores says nothing about its backend. Where the
    // accounting measured who shared them, the verdict's "disturbed" sentence says so with its
    // figures (`super::super::load`); this reading of the samples is for runs without it.
    if super::super::load::Load::of(slow).is_none()
        && let Some((machine_pct, own_pct)) = others_on_the_cores(slow)
        && machine_pct >= BUSY_PCT
        && machine_pct - own_pct >= OTHERS_PCT
    {
        return Reason::BusyMachine { machine_pct, own_pct };
    }
    let share = if slow.elapsed_secs > 0.0 { slow.setup_secs / slow.elapsed_secs } else { 0.0 };
    if share > START_UP_SHARE {
        return Reason::StartUp { share };
    }
    let lag_secs = slow.loop_lag_max_secs;
    if slow_cfg.backend.one_loop_thread_runs_cpu_work() && kind.has_cpu_part() {
        return Reason::LoopRunsCpuWork { lag_secs };
    }
    if slow.loop_blocked == Some(true) {
        return Reason::LoopBlocked { cpu_work: kind.has_cpu_part(), lag_secs };
    }
    let (fast_par, slow_par) = (fast.effective_parallelism, slow.effective_parallelism);
    if let Some(parallelism) = slow_par
        && kind.has_cpu_part()
        && slow_cfg.gil
        && slow_cfg.backend.uses_threads()
        && !slow_cfg.backend.is_python()
        && parallelism < ONE_CORE
    {
        return Reason::GilTurns { parallelism };
    }
    if let Some(parallelism) = slow_par
        && kind.has_cpu_part()
        && slow_cfg.backend == BackendKind::PythonThreads
        && slow.python.as_ref().is_some_and(|p| p.gil_enabled)
        && parallelism < ONE_CORE
    {
        return Reason::CpythonGil { parallelism };
    }
    if !kind.is_cpu_bound() && slow_cfg.workers < fast.config.workers && slow_cfg.workers < slow_cfg.tasks {
        return Reason::FewerInFlight { slow: slow_cfg.workers, fast: fast.config.workers };
    }
    if let (Some(fast), Some(slow)) = (fast_par, slow_par)
        && fast > slow + MORE_CORES
    {
        return Reason::MoreCores { fast, slow };
    }
    Reason::Overhead
}
