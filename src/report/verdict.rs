//! The verdict on a run: how it compares with the other runs of the same work, and why, with
//! the reason read off the measurements (start-up share, a stalled loop, cores used, waits in
//! flight) rather than assumed from a backend's name. A difference within noise is called so,
//! one that can't be told from noise yet says so, and two runs of one experiment are never
//! given a reason: they differ only by noise.

use serde::Serialize;

use super::noise::{Difference, NoiseRule, Spread, between};
use super::{Excluded, comparable, excluded, groups};
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

/// The verdict on run `subject` (an index into the runs it was judged among).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The run is not compared (failed, stopped, tasks failed, nothing measured).
    NotCompared {
        subject: usize,
        why: Excluded,
    },
    /// No other run did the same work and finished cleanly.
    Alone {
        subject: usize,
        parallelism: Option<f64>,
    },
    Compared(Comparison),
}

/// Two comparable runs side by side: the winner, the factor, what was found and the
/// measurements behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub subject: usize,
    /// The run with the smaller median.
    pub fast: usize,
    pub slow: usize,
    /// Slow median over fast median (≥ 1).
    pub factor: f64,
    pub finding: Finding,
    pub fast_spread: Spread,
    pub slow_spread: Spread,
    pub fast_parallelism: Option<f64>,
    pub slow_parallelism: Option<f64>,
}

/// What a comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The same time, within noise.
    WithinNoise { rule: NoiseRule },
    /// A difference, but one side has a single repetition: more repetitions will tell.
    NotYetMeasurable,
    /// A measured difference, and why.
    Faster { reason: Reason },
}

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

impl Verdict {
    pub fn subject(&self) -> usize {
        match self {
            Self::NotCompared { subject, .. } | Self::Alone { subject, .. } => *subject,
            Self::Compared(comparison) => comparison.subject,
        }
    }
}

/// The verdict on `runs[subject]` among `runs`: compared with the slowest comparable run if it
/// won, or with the fastest if it lost.
pub fn verdict(runs: &[&RunResult], subject: usize) -> Verdict {
    let Some(run) = runs.get(subject).copied() else {
        return Verdict::NotCompared { subject, why: Excluded::NoTime };
    };
    if let Some(why) = excluded(run) {
        return Verdict::NotCompared { subject, why };
    }
    let rivals = || {
        runs.iter()
            .enumerate()
            .filter(move |(i, r)| *i != subject && excluded(r).is_none() && comparable(run, r))
            .map(|(i, r)| (i, r.elapsed_secs))
    };
    let faster = rivals().filter(|(_, e)| *e < run.elapsed_secs).min_by(|a, b| a.1.total_cmp(&b.1));
    let slower = rivals().filter(|(_, e)| *e >= run.elapsed_secs).max_by(|a, b| a.1.total_cmp(&b.1));
    let (fast, slow) = match (faster, slower) {
        (Some((winner, _)), _) => (winner, subject),
        (None, Some((loser, _))) => (subject, loser),
        (None, None) => return Verdict::Alone { subject, parallelism: run.effective_parallelism },
    };
    Verdict::Compared(compare(runs, subject, fast, slow))
}

/// One verdict per group of comparable runs that has at least two clean runs: its fastest run
/// against its slowest (for the CLI and the exports, which show every run at once).
pub fn group_verdicts(runs: &[&RunResult]) -> Vec<Verdict> {
    let group_of = groups(runs);
    let count = group_of.iter().max().map_or(0, |g| g + 1);
    (0..count)
        .filter_map(|group| {
            let fastest = (0..runs.len())
                .filter(|&i| group_of[i] == group && excluded(runs[i]).is_none())
                .min_by(|&a, &b| runs[a].elapsed_secs.total_cmp(&runs[b].elapsed_secs))?;
            match verdict(runs, fastest) {
                compared @ Verdict::Compared(_) => Some(compared),
                _ => None,
            }
        })
        .collect()
}

fn compare(runs: &[&RunResult], subject: usize, fast: usize, slow: usize) -> Comparison {
    let (fast_run, slow_run) = (runs[fast], runs[slow]);
    let difference = between(fast_run, slow_run);
    let finding = match difference {
        Difference::WithinNoise { rule, .. } => Finding::WithinNoise { rule },
        Difference::NotYetMeasurable { .. } => Finding::NotYetMeasurable,
        Difference::Measured { .. } => Finding::Faster { reason: reason(fast_run, slow_run) },
    };
    Comparison {
        subject,
        fast,
        slow,
        factor: difference.factor(),
        finding,
        fast_spread: Spread::of(fast_run),
        slow_spread: Spread::of(slow_run),
        fast_parallelism: fast_run.effective_parallelism,
        slow_parallelism: slow_run.effective_parallelism,
    }
}

/// Why `slow` lost, from what was measured. Reasons that need parallelism are skipped where it
/// was not measured.
fn reason(fast: &RunResult, slow: &RunResult) -> Reason {
    let slow_cfg = &slow.config;
    let kind = slow_cfg.workload.kind;
    // First: a run that had to share the cores says nothing about its backend.
    if let Some((machine_pct, own_pct)) = others_on_the_cores(slow)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome, Workload, WorkloadKind};
    use crate::report::sample::run;

    fn with_parallelism(backend: BackendKind, repetitions: &[f64], parallelism: f64, gil: bool) -> RunResult {
        let mut r = run(backend, repetitions);
        r.effective_parallelism = Some(parallelism);
        r.config.gil = gil;
        r
    }

    fn finding(runs: &[&RunResult], subject: usize) -> (usize, usize, Finding) {
        match verdict(runs, subject) {
            Verdict::Compared(c) => (c.fast, c.slow, c.finding),
            other => panic!("not compared: {other:?}"),
        }
    }

    #[test]
    fn gil_threads_lose_to_processes_for_the_measured_reason() {
        let threads = with_parallelism(BackendKind::Threads, &[2.0, 2.01, 2.02], 1.0, true);
        let processes = with_parallelism(BackendKind::Processes, &[1.02, 1.03, 1.04], 1.95, true);
        let runs = [&threads, &processes];
        let expected = (1, 0, Finding::Faster { reason: Reason::GilTurns { parallelism: 1.0 } });
        assert_eq!(finding(&runs, 1), expected);
        assert_eq!(finding(&runs, 0), expected, "seen from the loser, the same comparison");
    }

    #[test]
    fn a_run_that_shared_a_busy_machine_is_not_blamed_on_its_backend() {
        use crate::engine::CpuSample;
        let samples = |busy: f32| {
            (1..=10).map(move |i| CpuSample { t_secs: f64::from(i) * 0.1, per_core: vec![busy, busy], split: None })
        };
        // GIL threads on a quiet machine: one core's worth busy, all of it theirs.
        let mut threads = with_parallelism(BackendKind::Threads, &[2.0, 2.01, 2.02], 1.0, true);
        threads.cpu_samples = samples(52.0).collect();
        let processes = with_parallelism(BackendKind::Processes, &[1.02, 1.03, 1.04], 1.95, true);
        assert_eq!(
            finding(&[&threads, &processes], 0).2,
            Finding::Faster { reason: Reason::GilTurns { parallelism: 1.0 } }
        );
        // The same threads while a build took the cores: both busy, a quarter of it the run's.
        threads.effective_parallelism = Some(0.48);
        threads.cpu_samples = samples(100.0).collect();
        let reason = Reason::BusyMachine { machine_pct: 100.0, own_pct: 24.0 };
        assert_eq!(finding(&[&threads, &processes], 0).2, Finding::Faster { reason });
    }

    #[test]
    fn two_runs_of_one_experiment_are_within_noise_never_overhead() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Threads, &[1.0]);
        let (fast, slow, found) = finding(&[&a, &b], 0);
        assert_eq!((fast, slow, found), (1, 0, Finding::WithinNoise { rule: NoiseRule::SameConfig }));
    }

    #[test]
    fn one_repetition_each_is_not_yet_measurable() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Processes, &[1.0]);
        assert_eq!(finding(&[&a, &b], 0).2, Finding::NotYetMeasurable);
    }

    #[test]
    fn overlapping_repetitions_are_within_noise() {
        let a = run(BackendKind::Threads, &[1.0, 1.1, 1.3]);
        let b = run(BackendKind::Processes, &[1.2, 1.25, 1.4]);
        assert_eq!(finding(&[&a, &b], 1).2, Finding::WithinNoise { rule: NoiseRule::RangesOverlap });
    }

    #[test]
    fn a_blocked_loop_is_the_reason_when_it_was_measured() {
        let mut blocked = with_parallelism(BackendKind::EventLoop, &[1.0, 1.0], 0.01, false);
        blocked.config.workload = Workload::new(WorkloadKind::BlockingSleep, 100);
        blocked.loop_blocked = Some(true);
        blocked.loop_lag_max_secs = Some(0.9);
        let mut offloaded = with_parallelism(BackendKind::EventLoopThreads, &[0.1, 0.1], 0.01, false);
        offloaded.config.workload = blocked.config.workload.clone();
        let reason = Reason::LoopBlocked { cpu_work: false, lag_secs: Some(0.9) };
        assert_eq!(finding(&[&offloaded, &blocked], 0).2, Finding::Faster { reason });
    }

    #[test]
    fn cpu_work_on_one_loop_thread_is_named() {
        let looped = with_parallelism(BackendKind::EventLoop, &[2.0, 2.0], 1.0, false);
        let threads = with_parallelism(BackendKind::Threads, &[1.0, 1.0], 2.0, false);
        let reason = Reason::LoopRunsCpuWork { lag_secs: None };
        assert_eq!(finding(&[&looped, &threads], 0).2, Finding::Faster { reason });
    }

    #[test]
    fn start_up_is_named_when_it_dominates() {
        let mut processes = with_parallelism(BackendKind::Processes, &[0.010, 0.010], 0.5, false);
        processes.setup_secs = 0.006;
        let threads = with_parallelism(BackendKind::Threads, &[0.002, 0.002], 1.0, false);
        let got = finding(&[&threads, &processes], 0).2;
        assert!(matches!(got, Finding::Faster { reason: Reason::StartUp { share } } if (share - 0.6).abs() < 1e-9));
    }

    #[test]
    fn fewer_waits_in_flight_and_more_cores_are_named() {
        let mut few = with_parallelism(BackendKind::Processes, &[1.0, 1.0], 0.01, false);
        few.config.workload = Workload::new(WorkloadKind::Sleep, 100);
        few.config.tasks = 100;
        few.config.workers = 8;
        let mut many = with_parallelism(BackendKind::EventLoop, &[0.1, 0.1], 0.01, false);
        many.config.workload = few.config.workload.clone();
        many.config.tasks = 100;
        many.config.workers = 100;
        let reason = Reason::FewerInFlight { slow: 8, fast: 100 };
        assert_eq!(finding(&[&few, &many], 0).2, Finding::Faster { reason });

        let one = with_parallelism(BackendKind::Rayon, &[2.0, 2.0], 1.0, false);
        let two = with_parallelism(BackendKind::Threads, &[1.0, 1.0], 1.9, false);
        let reason = Reason::MoreCores { fast: 1.9, slow: 1.0 };
        assert_eq!(finding(&[&one, &two], 0).2, Finding::Faster { reason });
        let same = with_parallelism(BackendKind::Rayon, &[1.5, 1.5], 1.9, false);
        assert_eq!(finding(&[&same, &two], 0).2, Finding::Faster { reason: Reason::Overhead });
    }

    #[test]
    fn failed_stopped_and_lone_runs_are_not_compared() {
        let mut failed = run(BackendKind::Processes, &[1.0]);
        failed.outcome = Outcome::Failed;
        let alone = with_parallelism(BackendKind::Threads, &[1.0], 1.97, false);
        let mut sleep = run(BackendKind::Threads, &[0.5]);
        sleep.config.workload = Workload::new(WorkloadKind::Sleep, 5);
        let runs = [&failed, &alone, &sleep];
        assert_eq!(verdict(&runs, 0), Verdict::NotCompared { subject: 0, why: Excluded::Failed });
        assert_eq!(verdict(&runs, 1), Verdict::Alone { subject: 1, parallelism: Some(1.97) });
        assert_eq!(group_verdicts(&runs), vec![], "no group has two clean runs");
    }

    #[test]
    fn each_group_gets_its_fastest_against_its_slowest() {
        let slow = run(BackendKind::EventLoop, &[3.0, 3.0]);
        let middle = run(BackendKind::Threads, &[2.0, 2.0]);
        let fast = run(BackendKind::Processes, &[1.0, 1.0]);
        let verdicts = group_verdicts(&[&slow, &middle, &fast]);
        let pairs: Vec<(usize, usize)> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::Compared(c) => Some((c.fast, c.slow)),
                _ => None,
            })
            .collect();
        assert_eq!(pairs, vec![(2, 0)]);
    }
}
