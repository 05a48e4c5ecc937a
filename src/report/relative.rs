//! Relative speeds: each run measured against the slowest comparable run that finished cleanly,
//! with the noise rules of [`super::noise`]. This is the "relative" column of the CLI table and
//! the exports.

use serde::Serialize;

use super::noise::{Difference, between};
use super::{Excluded, comparable, excluded};
use crate::engine::RunResult;

/// Where a run stands among the runs that did the same work. `than` indexes the runs given.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relative {
    /// The slowest of its group: the others are measured against it.
    Slowest,
    /// No other run did the same work and finished cleanly.
    Alone,
    /// Faster than run `than` by more than the noise (`measurable`), or by a factor whose
    /// noise is unknown (one repetition on a side: not `measurable` yet).
    Faster { factor: f64, than: usize, measurable: bool },
    /// As fast as run `than`, within noise.
    WithinNoise { factor: f64, than: usize },
    /// The same experiment as run `than`, faster by more than noise: the machine changed
    /// between them (`repeated`: both had repetitions, whose ranges do not overlap).
    MachineChanged { factor: f64, than: usize, repeated: bool },
    /// Not compared at all.
    NotCompared { why: Excluded },
}

/// One [`Relative`] per run, in order.
pub fn relative_speeds(runs: &[&RunResult]) -> Vec<Relative> {
    runs.iter()
        .enumerate()
        .map(|(index, run)| {
            if let Some(why) = excluded(run) {
                return Relative::NotCompared { why };
            }
            let slowest = runs
                .iter()
                .enumerate()
                .filter(|(other, r)| *other != index && excluded(r).is_none() && comparable(run, r))
                .max_by(|(_, a), (_, b)| a.elapsed_secs.total_cmp(&b.elapsed_secs));
            match slowest {
                None => Relative::Alone,
                Some((_, slow)) if slow.elapsed_secs <= run.elapsed_secs => Relative::Slowest,
                Some((than, slow)) => match between(run, slow) {
                    Difference::WithinNoise { factor, .. } => Relative::WithinNoise { factor, than },
                    Difference::Unrepeated { factor } => Relative::Faster { factor, than, measurable: false },
                    Difference::Measured { factor } => Relative::Faster { factor, than, measurable: true },
                    Difference::MachineChanged { factor, repeated } => {
                        Relative::MachineChanged { factor, than, repeated }
                    }
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome, Workload, WorkloadKind};
    use crate::report::sample::run;

    #[test]
    fn runs_are_measured_against_the_slowest_of_the_same_work() {
        let slow = run(BackendKind::EventLoop, &[2.0, 2.02, 2.04]);
        let fast = run(BackendKind::Processes, &[1.0, 1.01, 1.02]);
        let close = run(BackendKind::Threads, &[1.9, 2.01, 2.05]);
        let mut other_work = run(BackendKind::Rayon, &[0.1, 0.1, 0.1]);
        other_work.config.workload = Workload::new(WorkloadKind::Sleep, 100);
        let got = relative_speeds(&[&slow, &fast, &close, &other_work]);
        assert_eq!(got[0], Relative::Slowest);
        assert_eq!(got[1], Relative::Faster { factor: 2.02 / 1.01, than: 0, measurable: true });
        assert!(matches!(got[2], Relative::WithinNoise { than: 0, .. }), "{:?}", got[2]);
        assert_eq!(got[3], Relative::Alone, "a sleep run is never compared with a primes run");
    }

    #[test]
    fn single_repetitions_give_factors_that_are_not_confirmed_yet() {
        let slow = run(BackendKind::EventLoop, &[2.0]);
        let fast = run(BackendKind::Threads, &[1.0]);
        let got = relative_speeds(&[&slow, &fast]);
        assert_eq!(got[1], Relative::Faster { factor: 2.0, than: 0, measurable: false });
    }

    #[test]
    fn the_same_experiment_is_never_faster_than_itself() {
        let slow = run(BackendKind::Threads, &[2.95, 3.0, 3.02]);
        let fast = run(BackendKind::Threads, &[1.28, 1.3, 1.31]);
        let got = relative_speeds(&[&slow, &fast]);
        assert_eq!(got[1], Relative::MachineChanged { factor: 3.0 / 1.3, than: 0, repeated: true });
    }

    #[test]
    fn unfinished_runs_are_neither_compared_nor_a_baseline() {
        let mut failed = run(BackendKind::Processes, &[9.0]);
        failed.outcome = Outcome::Failed;
        let mut panicked = run(BackendKind::EventLoop, &[5.0]);
        panicked.tasks_failed = 1;
        let ok = run(BackendKind::Threads, &[1.0]);
        let got = relative_speeds(&[&failed, &panicked, &ok]);
        assert_eq!(got[0], Relative::NotCompared { why: Excluded::Failed });
        assert_eq!(got[1], Relative::NotCompared { why: Excluded::TasksFailed });
        assert_eq!(got[2], Relative::Alone);
    }
}
