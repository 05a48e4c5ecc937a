//! The verdict on a run: how it compares with the other runs of the same work, and why, with
//! the reason read off the measurements (start-up share, a stalled loop, cores used, waits in
//! flight) rather than assumed from a backend's name. A difference within noise is called so;
//! one measured in a single repetition gives its factor and the mechanism the measurements
//! show; two runs of one experiment that differ beyond noise say the machine changed, never
//! give a backend reason; and a comparison that includes a run the lab or other programs
//! disturbed ([`Load::busy`]) carries both runs' loads so its words say so.

use serde::Serialize;

use super::noise::{Difference, NoiseRule, Spread, between};
use super::{Excluded, Load, comparable, excluded, groups};
use crate::engine::RunResult;

mod reason;

pub use reason::Reason;
use reason::reason;

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
    Compared(Box<Comparison>),
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
    /// What the lab and other programs took during each run (absent where not measured).
    pub fast_load: Option<Load>,
    pub slow_load: Option<Load>,
    /// Either run's load was above a quarter of a core: the comparison is disturbed.
    pub disturbed: bool,
}

/// What a comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The same time, within noise.
    WithinNoise { rule: NoiseRule },
    /// A difference measured with a single repetition on a side, and the mechanism the
    /// measurements show (`None` when they show none: the same work on as many cores); how
    /// much it varies between repetitions is not known yet.
    Unrepeated { reason: Option<Reason> },
    /// A measured difference, and why.
    Faster { reason: Reason },
    /// Two runs of the same experiment differ beyond noise: the machine changed between them.
    /// `repeated`: both had repetitions, and their ranges do not overlap.
    MachineChanged { repeated: bool },
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
    Verdict::Compared(Box::new(compare(runs, subject, fast, slow)))
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
        Difference::Unrepeated { .. } => {
            Finding::Unrepeated { reason: Some(reason(fast_run, slow_run)).filter(|r| *r != Reason::Overhead) }
        }
        Difference::Measured { .. } => Finding::Faster { reason: reason(fast_run, slow_run) },
        Difference::MachineChanged { repeated, .. } => Finding::MachineChanged { repeated },
    };
    let (fast_load, slow_load) = (Load::of(fast_run), Load::of(slow_run));
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
        fast_load,
        slow_load,
        disturbed: fast_load.into_iter().chain(slow_load).any(|load| load.busy()),
    }
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
    fn two_runs_of_one_experiment_beyond_noise_mean_the_machine_changed_never_overhead() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Threads, &[1.0]);
        let (fast, slow, found) = finding(&[&a, &b], 0);
        assert_eq!((fast, slow, found), (1, 0, Finding::MachineChanged { repeated: false }));
        let c = run(BackendKind::Threads, &[2.95, 3.0, 3.02]);
        let d = run(BackendKind::Threads, &[1.28, 1.3, 1.31]);
        assert_eq!(finding(&[&c, &d], 0).2, Finding::MachineChanged { repeated: true });
    }

    #[test]
    fn one_repetition_each_names_the_mechanism_it_measured() {
        let cpython = crate::report::sample::cpython();
        let mut threads = with_parallelism(BackendKind::PythonThreads, &[1.88], 1.0, false);
        threads.python = Some(cpython.clone());
        let mut processes = with_parallelism(BackendKind::PythonProcesses, &[1.0], 1.95, false);
        processes.python = Some(cpython);
        let reason = Some(Reason::CpythonGil { parallelism: 1.0 });
        assert_eq!(finding(&[&threads, &processes], 0).2, Finding::Unrepeated { reason });
        // The same cores busy: the measurements show no mechanism, and none is made up.
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Processes, &[1.0]);
        assert_eq!(finding(&[&a, &b], 0).2, Finding::Unrepeated { reason: None });
    }

    #[test]
    fn a_comparison_with_a_busy_run_is_disturbed() {
        use crate::report::sample::with_load;
        let threads = with_load(with_parallelism(BackendKind::Threads, &[1.99, 2.0, 2.01], 1.0, true), 0.02, 1.2);
        let processes = with_load(with_parallelism(BackendKind::Processes, &[1.02, 1.03, 1.04], 1.95, true), 0.0, 0.01);
        let Verdict::Compared(c) = verdict(&[&threads, &processes], 1) else { panic!("compared") };
        assert!(c.disturbed);
        assert_eq!(c.slow_load, Some(Load { lab_cores: 0.01, other_cores: 0.6 }));
        assert!(c.fast_load.is_some_and(|l| !l.busy()));
        // A quarter of a core exactly is not yet disturbed; unmeasured loads never are.
        let quiet = with_load(threads.clone(), 0.5, 0.5);
        let Verdict::Compared(c) = verdict(&[&quiet, &processes], 1) else { panic!("compared") };
        assert!(!c.disturbed);
        let unmeasured = with_parallelism(BackendKind::Threads, &[2.0, 2.01, 2.02], 1.0, true);
        let Verdict::Compared(c) = verdict(&[&unmeasured, &processes], 1) else { panic!("compared") };
        assert_eq!((c.disturbed, c.slow_load), (false, None));
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
