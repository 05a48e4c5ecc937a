//! Noise: whether two runs' times differ by more than their repetitions vary. Two runs are
//! *within noise* when their min–max ranges overlap, when their medians differ by less than
//! the larger of their standard deviations, or by less than 2%. Beyond that, two runs of the
//! same experiment (work, backend, workers) did not meet noise but a changed machine: nothing
//! else differed between them. Two different experiments with a single repetition on a side
//! differ by a factor whose spread is unknown: *unrepeated*, never "not measurable".

use serde::Serialize;

use crate::engine::RunResult;

/// What a run's repetitions say about its time: the measurements a comparison rests on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub median_secs: f64,
    pub min_secs: f64,
    pub max_secs: f64,
    pub stddev_secs: f64,
    pub repetitions: usize,
}

impl Spread {
    pub fn of(run: &RunResult) -> Self {
        let median_secs = run.elapsed_secs;
        if run.repetitions.len() < 2 {
            return Self {
                median_secs,
                min_secs: median_secs,
                max_secs: median_secs,
                stddev_secs: 0.0,
                repetitions: run.repetitions.len().max(1),
            };
        }
        let stats = &run.stats;
        Self {
            median_secs,
            min_secs: stats.min_secs.min(median_secs),
            max_secs: stats.max_secs.max(median_secs),
            stddev_secs: stats.stddev_secs,
            repetitions: run.repetitions.len(),
        }
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.min_secs <= other.max_secs && other.min_secs <= self.max_secs
    }
}

/// Below this factor a difference is within noise however tight the repetitions: a machine
/// drifts by a percent or two between runs a few seconds apart.
pub const NEGLIGIBLE_FACTOR: f64 = 1.02;

/// Which rule put a difference within noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseRule {
    /// One repetition of each run fell inside the other's min–max range.
    RangesOverlap,
    /// The medians differ by less than the larger standard deviation.
    WithinSpread,
    /// The medians differ by less than 2%: less than a machine's run-to-run drift.
    Negligible,
}

/// How two runs' times relate. `factor` is always the slower median over the faster (≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    WithinNoise {
        factor: f64,
        rule: NoiseRule,
    },
    /// Not within noise, but one side has a single repetition: the factor was measured once,
    /// and how much it varies between repetitions is unknown.
    Unrepeated {
        factor: f64,
    },
    /// The faster run is faster by more than the noise.
    Measured {
        factor: f64,
    },
    /// Two runs of the same experiment beyond noise: the machine changed between them (its
    /// load, its clock), since the experiment did not. `repeated`: both had 2 or more
    /// repetitions, whose ranges do not overlap.
    MachineChanged {
        factor: f64,
        repeated: bool,
    },
}

impl Difference {
    pub fn factor(&self) -> f64 {
        match *self {
            Self::WithinNoise { factor, .. }
            | Self::Unrepeated { factor }
            | Self::Measured { factor }
            | Self::MachineChanged { factor, .. } => factor,
        }
    }
}

/// How two runs' times differ (`fast` has the smaller median). Two runs of the same
/// experiment that differ beyond noise say the machine changed, not that one was faster.
pub fn between(fast: &RunResult, slow: &RunResult) -> Difference {
    let (fast_spread, slow_spread) = (Spread::of(fast), Spread::of(slow));
    match difference(&fast_spread, &slow_spread) {
        Difference::Unrepeated { factor } | Difference::Measured { factor }
            if super::same_config(&fast.config, &slow.config) =>
        {
            let repeated = fast_spread.repetitions > 1 && slow_spread.repetitions > 1;
            Difference::MachineChanged { factor, repeated }
        }
        other => other,
    }
}

/// How two spreads differ (`fast` has the smaller median).
pub fn difference(fast: &Spread, slow: &Spread) -> Difference {
    let factor = if fast.median_secs > 0.0 { slow.median_secs / fast.median_secs } else { f64::INFINITY };
    if fast.overlaps(slow) {
        return Difference::WithinNoise { factor, rule: NoiseRule::RangesOverlap };
    }
    if factor < NEGLIGIBLE_FACTOR {
        return Difference::WithinNoise { factor, rule: NoiseRule::Negligible };
    }
    if fast.repetitions < 2 || slow.repetitions < 2 {
        return Difference::Unrepeated { factor };
    }
    if (slow.median_secs - fast.median_secs).abs() < fast.stddev_secs.max(slow.stddev_secs) {
        return Difference::WithinNoise { factor, rule: NoiseRule::WithinSpread };
    }
    Difference::Measured { factor }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BackendKind;
    use crate::report::sample::run;

    fn spread(repetitions: &[f64]) -> Spread {
        Spread::of(&run(BackendKind::Threads, repetitions))
    }

    #[test]
    fn overlapping_ranges_are_within_noise() {
        let got = difference(&spread(&[1.0, 1.2, 1.4]), &spread(&[1.3, 1.5, 1.6]));
        assert!(matches!(got, Difference::WithinNoise { rule: NoiseRule::RangesOverlap, .. }), "{got:?}");
        // Equal single repetitions overlap too.
        let got = difference(&spread(&[1.0]), &spread(&[1.0]));
        assert!(matches!(got, Difference::WithinNoise { rule: NoiseRule::RangesOverlap, .. }), "{got:?}");
    }

    #[test]
    fn medians_closer_than_the_spread_are_within_noise() {
        // Disjoint ranges, but one run has an outlier: its medians sit 0.1 s apart with a
        // standard deviation of 1.8 s.
        let fast = spread(&[1.0, 5.0, 5.0, 5.0, 5.0]);
        let slow = spread(&[5.1, 5.1]);
        let got = difference(&fast, &slow);
        assert!(matches!(got, Difference::WithinNoise { rule: NoiseRule::WithinSpread, .. }), "{got:?}");
    }

    #[test]
    fn separate_ranges_beyond_the_spread_are_measured() {
        let got = difference(&spread(&[1.0, 1.01, 1.02]), &spread(&[2.0, 2.02, 2.04]));
        assert_eq!(got, Difference::Measured { factor: 2.02 / 1.01 });
    }

    #[test]
    fn one_experiment_beyond_noise_means_the_machine_changed() {
        // The case: the same settings, repetitions that do not even overlap.
        let a = run(BackendKind::Threads, &[1.28, 1.30, 1.31]);
        let b = run(BackendKind::Threads, &[2.95, 3.00, 3.02]);
        assert_eq!(between(&a, &b), Difference::MachineChanged { factor: 3.0 / 1.3, repeated: true });
        // One repetition each: the machine differed too, but its usual spread is unknown.
        let c = run(BackendKind::Threads, &[1.0]);
        let d = run(BackendKind::Threads, &[1.36]);
        assert_eq!(between(&c, &d), Difference::MachineChanged { factor: 1.36, repeated: false });
        let mut e = b.clone();
        e.config.workers = 3;
        assert!(matches!(between(&a, &e), Difference::Measured { .. }), "other workers: another experiment");
    }

    #[test]
    fn one_experiment_within_noise_stays_within_noise() {
        let a = run(BackendKind::Threads, &[1.0, 1.2, 1.4]);
        let b = run(BackendKind::Threads, &[1.3, 1.5, 1.6]);
        assert!(matches!(between(&a, &b), Difference::WithinNoise { rule: NoiseRule::RangesOverlap, .. }));
        let c = run(BackendKind::Threads, &[1.0]);
        let d = run(BackendKind::Threads, &[1.01]);
        assert!(matches!(between(&c, &d), Difference::WithinNoise { rule: NoiseRule::Negligible, .. }));
    }

    #[test]
    fn one_repetition_each_is_unrepeated() {
        let got = difference(&spread(&[1.0]), &spread(&[1.9]));
        assert_eq!(got, Difference::Unrepeated { factor: 1.9 });
        // One side repeated is not enough: the other's spread is still unknown.
        let got = difference(&spread(&[1.0, 1.01, 1.02]), &spread(&[2.0]));
        assert!(matches!(got, Difference::Unrepeated { .. }), "{got:?}");
    }
}
