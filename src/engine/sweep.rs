//! A sweep: one experiment run again with one parameter (`workers`, `tasks` or `size`) taking
//! each of a list of values, on each backend. Every point is a full run (its own
//! [`RunResult`](super::RunResult): spans, samples, repetitions), and points run one after
//! another, never two at once, or they would measure each other. Points are ordered value by
//! value, each value on every backend in turn, so a drift of the machine touches every backend
//! alike. Front ends run the points with `run_experiment` and the same cancel token, so a
//! stopped sweep keeps the points it finished.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::config::{ConfigError, ExperimentConfig, Sizes, ValidConfig};

/// The parameter a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vary {
    Workers,
    Tasks,
    /// The workload's size (one size for every task of a point).
    Size,
}

impl Vary {
    pub const ALL: [Vary; 3] = [Self::Workers, Self::Tasks, Self::Size];

    pub fn name(self) -> &'static str {
        match self {
            Self::Workers => "workers",
            Self::Tasks => "tasks",
            Self::Size => "size",
        }
    }

    /// This parameter's value in `config` (the largest size of a size list).
    pub fn value_in(self, config: &ExperimentConfig) -> u64 {
        match self {
            Self::Workers => config.workers,
            Self::Tasks => config.tasks,
            Self::Size => config.workload.size.values().iter().copied().max().unwrap_or(0),
        }
    }

    /// `config` with this parameter set to `value`.
    pub fn apply(self, config: &ExperimentConfig, value: u64) -> ExperimentConfig {
        let mut point = config.clone();
        match self {
            Self::Workers => point.workers = value,
            Self::Tasks => point.tasks = value,
            Self::Size => point.workload.size = Sizes::one(value),
        }
        point
    }
}

impl fmt::Display for Vary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Vary {
    type Err = SweepError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| SweepError::UnknownParameter(s.to_owned()))
    }
}

/// What a sweep varies, and through which values (strictly increasing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub vary: Vary,
    pub values: Vec<u64>,
}

/// At most this many values in one sweep.
pub const MAX_SWEEP_VALUES: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SweepError {
    #[error("sweep: unknown parameter '{0}' (expected one of: workers, tasks, size)")]
    UnknownParameter(String),
    #[error("sweep: {vary} needs at least 2 values to sweep, got {count}")]
    TooFew { vary: Vary, count: usize },
    #[error("sweep: {vary} takes at most {MAX_SWEEP_VALUES} values, got {count}")]
    TooMany { vary: Vary, count: usize },
    #[error("sweep: {vary} values must increase, but {next} comes after {previous}")]
    NotIncreasing { vary: Vary, previous: u64, next: u64 },
    #[error("sweep: {workload} tasks have no size (they do nothing); vary workers or tasks instead")]
    NoSize { workload: &'static str },
    #[error("sweep point {vary} = {value} on {backend}: {error}")]
    Point { vary: Vary, value: u64, backend: String, error: Box<ConfigError> },
}

impl SweepSpec {
    /// Checks the value list: 2 to [`MAX_SWEEP_VALUES`] values, strictly increasing.
    pub fn check(&self) -> Result<(), SweepError> {
        let (vary, count) = (self.vary, self.values.len());
        if count < 2 {
            return Err(SweepError::TooFew { vary, count });
        }
        if count > MAX_SWEEP_VALUES {
            return Err(SweepError::TooMany { vary, count });
        }
        if let Some(pair) = self.values.windows(2).find(|pair| pair[1] <= pair[0]) {
            return Err(SweepError::NotIncreasing { vary, previous: pair[0], next: pair[1] });
        }
        Ok(())
    }

    /// Every point, validated: value by value, each on every one of `configs` (one per
    /// backend). The first point the engine refuses is named with the engine's message.
    pub fn points(&self, configs: &[ExperimentConfig]) -> Result<Vec<ValidConfig>, SweepError> {
        self.check()?;
        if let Some(config) =
            configs.iter().find(|c| self.vary == Vary::Size && c.workload.kind.info().size_unit.is_empty())
        {
            return Err(SweepError::NoSize { workload: config.workload.kind.info().name });
        }
        let mut points = Vec::with_capacity(self.values.len() * configs.len());
        for &value in &self.values {
            for config in configs {
                let point = self.vary.apply(config, value);
                let valid = point.validate().map_err(|error| SweepError::Point {
                    vary: self.vary,
                    value,
                    backend: config.backend.to_string(),
                    error: Box::new(error),
                })?;
                points.push(valid);
            }
        }
        Ok(points)
    }
}

fn number(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("'{text}' is not a whole number"))
}

/// A sweep's values as written by hand: a list (`1,2,4,8`), every integer of a range (`1..16`),
/// or a geometric range (`1..1024:x2`, each value the previous times 2, up to the end). The
/// message says what is wrong and with which value or bound; [`SweepSpec::check`] then checks the
/// list itself (at least 2 values, increasing).
pub fn parse_sweep_values(text: &str) -> Result<Vec<u64>, String> {
    if text.trim().is_empty() {
        return Err("no values: give at least 2, e.g. 1,2,4,8 or 1..16 or 1..1024:x2".to_owned());
    }
    let Some((start, rest)) = text.split_once("..") else {
        return text.split(',').map(number).collect();
    };
    let (end, factor) = match rest.split_once(":x") {
        Some((end, factor)) => (end, Some(number(factor)?)),
        None => (rest, None),
    };
    let (start, end) = (number(start)?, number(end)?);
    if start > end {
        return Err(format!("the range {start}..{end} is empty"));
    }
    let too_many = || format!("the range gives more than {MAX_SWEEP_VALUES} values");
    match factor {
        None => {
            if end - start >= MAX_SWEEP_VALUES as u64 {
                return Err(too_many());
            }
            Ok((start..=end).collect())
        }
        Some(factor) if factor < 2 => Err(format!("a geometric range needs a factor of 2 or more, got x{factor}")),
        Some(_) if start == 0 => Err("a geometric range can't start at 0".to_owned()),
        Some(factor) => {
            let mut values = vec![start];
            while let Some(next) = values.last().and_then(|v| v.checked_mul(factor)).filter(|v| *v <= end) {
                values.push(next);
                if values.len() > MAX_SWEEP_VALUES {
                    return Err(too_many());
                }
            }
            Ok(values)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Workload, WorkloadKind};

    fn base(backend: BackendKind) -> ExperimentConfig {
        ExperimentConfig { backend, workload: Workload::new(WorkloadKind::Primes, 1000), ..ExperimentConfig::default() }
    }

    #[test]
    fn points_go_value_by_value_across_backends() {
        let spec = SweepSpec { vary: Vary::Workers, values: vec![1, 2, 4] };
        let points = spec.points(&[base(BackendKind::Threads), base(BackendKind::Processes)]).expect("valid");
        let order: Vec<(BackendKind, u64)> = points.iter().map(|p| (p.backend, p.workers)).collect();
        assert_eq!(
            order,
            [
                (BackendKind::Threads, 1),
                (BackendKind::Processes, 1),
                (BackendKind::Threads, 2),
                (BackendKind::Processes, 2),
                (BackendKind::Threads, 4),
                (BackendKind::Processes, 4),
            ]
        );
        let sizes = SweepSpec { vary: Vary::Size, values: vec![100, 200] }.points(&[base(BackendKind::Threads)]);
        let sizes = sizes.expect("valid");
        assert_eq!(sizes[1].workload.size, Sizes::one(200));
        assert_eq!(Vary::Size.value_in(&sizes[1]), 200);
    }

    #[test]
    fn bad_value_lists_and_points_are_refused_with_the_point_named() {
        let spec = |values: Vec<u64>| SweepSpec { vary: Vary::Workers, values };
        let err = |s: SweepSpec| s.points(&[base(BackendKind::Processes)]).err().map(|e| e.to_string());
        assert_eq!(err(spec(vec![4])).as_deref(), Some("sweep: workers needs at least 2 values to sweep, got 1"));
        assert_eq!(err(spec(vec![])).as_deref(), Some("sweep: workers needs at least 2 values to sweep, got 0"));
        assert_eq!(
            err(spec(vec![1, 4, 2])).as_deref(),
            Some("sweep: workers values must increase, but 2 comes after 4")
        );
        let too_many = err(spec(vec![1, 2, 1_000_000])).unwrap_or_default();
        assert!(
            too_many.starts_with("sweep point workers = 1000000 on processes: workers must be between 1 and"),
            "{too_many}"
        );
        assert!("cores".parse::<Vary>().is_err());
        let noop = ExperimentConfig { workload: Workload::new(WorkloadKind::Noop, 0), ..base(BackendKind::Threads) };
        let sizes = SweepSpec { vary: Vary::Size, values: vec![1, 2] }.points(&[noop]).err().map(|e| e.to_string());
        assert_eq!(
            sizes.as_deref(),
            Some("sweep: noop tasks have no size (they do nothing); vary workers or tasks instead")
        );
        assert!(parse_sweep_values(" ").is_err_and(|e| e.starts_with("no values: give at least 2")));
    }
}
