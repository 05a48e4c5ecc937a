//! How long Run all backends or Run this preset will take, said before it starts. Each
//! config's time comes from an earlier run of the same work on the same backend and workers
//! in the history when there is one (its elapsed time per repetition), else from the settings:
//! the tasks, how many run at once on that backend, what one task costs (primes and fib by
//! their growth, waits by their length), repetitions and warm-ups. Always said as an estimate:
//! the machine, and for a new config the model, can be far off.

use crate::engine::{BackendKind, CpuWork, ExperimentConfig, InFlight, Outcome, RunResult, WorkerKind, WorkloadKind};

/// Primes below 100,000 the articles' way: about 0.75 s of one core (the workload's summary).
const PRIMES_100K_SECS: f64 = 0.75;
/// fib(30), naive: about 2.7 million calls (fib(32) measured 6 ms of CPU here).
const FIB_30_SECS: f64 = 0.0023;
/// CPython does the same CPU work about this many times slower than Rust (measured here:
/// about 20× for the primes, 40× for fib).
const PYTHON_SLOWDOWN: f64 = 30.0;
/// Starting one worker process (spawn, handshake), and a Python interpreter.
const PROCESS_START_SECS: f64 = 0.02;
const PYTHON_START_SECS: f64 = 0.15;

/// The time of several configs run one after another.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub secs: f64,
    /// How many of the configs were timed from earlier runs of the same work.
    pub measured: usize,
    pub configs: usize,
}

impl Estimate {
    /// `configs` run one after another, timed from `earlier` runs of this machine where one
    /// did the same work on the same backend and workers, on a machine of `cores` cores.
    pub fn new(configs: &[ExperimentConfig], earlier: &[&RunResult], cores: u64) -> Self {
        let mut estimate = Self { secs: 0.0, measured: 0, configs: configs.len() };
        for config in configs {
            let runs = (config.warmup + config.repeat).max(1) as f64;
            let same: Vec<f64> = earlier
                .iter()
                .filter(|r| r.outcome == Outcome::Completed && same_experiment(&r.config, config))
                .map(|r| r.elapsed_secs)
                .collect();
            if same.is_empty() {
                estimate.secs += runs * modelled_secs(config, cores);
            } else {
                estimate.measured += 1;
                estimate.secs += runs * same.iter().sum::<f64>() / same.len() as f64;
            }
        }
        estimate
    }

    /// "about 4 min (an estimate: from earlier runs of this work)".
    pub fn words(&self) -> String {
        let from = if self.measured == self.configs {
            "from earlier runs of this work".to_owned()
        } else if self.measured > 0 {
            format!(
                "{} of {} timed from earlier runs of this work, the rest from the settings",
                self.measured, self.configs
            )
        } else {
            "from the settings: tasks, repetitions, backends".to_owned()
        };
        format!("{} (an estimate: {from})", about(self.secs))
    }
}

/// "about 5 s", "about 40 s", "about 3 min", rounded as an estimate is.
pub fn about(secs: f64) -> String {
    if secs < 1.0 {
        "under a second".to_owned()
    } else if secs < 60.0 {
        format!("about {} s", ((secs / 5.0).ceil() * 5.0).max(5.0))
    } else {
        format!("about {} min", (secs / 60.0).round().max(1.0))
    }
}

/// The same experiment: its time per repetition carries over.
fn same_experiment(a: &ExperimentConfig, b: &ExperimentConfig) -> bool {
    a.backend == b.backend
        && a.workers == b.workers
        && a.workload == b.workload
        && a.tasks == b.tasks
        && a.steps == b.steps
        && a.io_wait_millis == b.io_wait_millis
        && a.gil == b.gil
        && a.python == b.python
}

/// One repetition from the settings alone.
fn modelled_secs(config: &ExperimentConfig, cores: u64) -> f64 {
    let info = config.backend.info();
    let python = config.backend.is_python();
    let sizes = config.workload.size.values();
    let mean = |f: &dyn Fn(u64) -> f64| sizes.iter().map(|&s| f(s)).sum::<f64>() / sizes.len().max(1) as f64;
    let kind = config.workload.kind;
    let cpu_secs = match kind.info().cpu {
        Some(CpuWork::Primes) => mean(&primes_secs),
        Some(CpuWork::Fib) => mean(&|n| FIB_30_SECS * 1.618_f64.powi(n as i32 - 30)),
        None => 0.0,
    } * if python { PYTHON_SLOWDOWN } else { 1.0 };
    let wait_secs = match kind {
        WorkloadKind::Sleep | WorkloadKind::Http => mean(&|ms| ms as f64 / 1000.0),
        WorkloadKind::File => mean(&|kib| 0.005 + kib as f64 * 2e-6),
        WorkloadKind::Noop => 2e-6,
        _ if kind.info().io_wait => config.io_wait_millis as f64 / 1000.0,
        _ => 0.0,
    };
    let steps = f64::from(config.steps.max(1));
    let tasks = config.tasks.max(1);
    let in_flight = match info.in_flight {
        InFlight::AllTasks => tasks,
        InFlight::Workers => config.workers.clamp(1, tasks),
    };
    // Lanes that run CPU work at once: one loop thread, or threads taking turns under a GIL.
    let cpu_lanes = match info.workers {
        _ if info.blocking_on_loop => 1,
        WorkerKind::Thread if config.gil || python => 1,
        WorkerKind::Thread | WorkerKind::Process => config.workers.clamp(1, cores.max(1)).min(tasks),
        WorkerKind::InFlight | WorkerKind::Virtual => 1,
    };
    let waves = |lanes: u64| tasks.div_ceil(lanes.max(1)) as f64;
    let setup = match info.workers {
        WorkerKind::Process => PROCESS_START_SECS * config.workers as f64,
        _ => 0.0,
    } + if python { PYTHON_START_SECS } else { 0.0 };
    if config.backend == BackendKind::Mock {
        return 0.0;
    }
    setup + steps * (waves(cpu_lanes) * cpu_secs + waves(in_flight) * wait_secs)
}

/// Primes below `n`: the divisions grow as the sum of the primes below it, n² / (2 ln n).
fn primes_secs(n: u64) -> f64 {
    let work = |n: f64| n * n / n.max(3.0).ln();
    PRIMES_100K_SECS * work(n as f64) / work(100_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Outcome, Workload};
    use crate::export::sample;

    fn config(backend: BackendKind, workload: Workload, tasks: u64, workers: u64) -> ExperimentConfig {
        ExperimentConfig { backend, workload, tasks, workers, ..ExperimentConfig::default() }
    }

    #[test]
    fn the_settings_give_the_shape_of_the_time() {
        let sleep = |backend, workers| config(backend, Workload::new(WorkloadKind::Sleep, 100), 8, workers);
        let threads = Estimate::new(&[sleep(BackendKind::Threads, 2)], &[], 2);
        let more = Estimate::new(&[sleep(BackendKind::Threads, 8)], &[], 2);
        assert!((threads.secs - 0.4).abs() < 1e-9, "4 waves of 100 ms: {}", threads.secs);
        assert!(more.secs < threads.secs, "more threads wait at once");
        let repeated = ExperimentConfig { repeat: 3, warmup: 1, ..sleep(BackendKind::Threads, 2) };
        assert!((Estimate::new(&[repeated], &[], 2).secs - 1.6).abs() < 1e-9, "4 runs of the same");
        let primes = |gil| ExperimentConfig {
            gil,
            ..config(BackendKind::Threads, Workload::new(WorkloadKind::Primes, 100_000), 2, 2)
        };
        let (on, off) = (Estimate::new(&[primes(true)], &[], 2), Estimate::new(&[primes(false)], &[], 2));
        assert!((on.secs / off.secs - 2.0).abs() < 1e-9, "under the GIL threads take turns: {on:?} {off:?}");
        let both = Estimate::new(&[primes(true), primes(false)], &[], 2);
        assert!((both.secs - on.secs - off.secs).abs() < 1e-9, "configs add up");
        assert_eq!((both.measured, both.configs), (0, 2));
        assert!(both.words().contains("an estimate: from the settings"), "{}", both.words());
    }

    #[test]
    fn earlier_runs_of_the_same_work_time_it_instead() {
        let mut earlier = sample::run(BackendKind::Threads, 12.0, Outcome::Completed);
        let same = ExperimentConfig { repeat: 2, ..earlier.config.clone() };
        let other = ExperimentConfig { backend: BackendKind::Processes, ..same.clone() };
        earlier.config.repeat = 5; // its elapsed time is per repetition whatever its repeat
        let estimate = Estimate::new(&[same.clone(), other], &[&earlier], 2);
        assert_eq!((estimate.measured, estimate.configs), (1, 2));
        assert!(estimate.secs >= 24.0, "two repetitions of 12 s, and the other backend: {estimate:?}");
        assert!(estimate.words().contains("1 of 2 timed from earlier runs"), "{}", estimate.words());
        let alone = Estimate::new(&[same], &[&earlier], 2);
        assert_eq!(alone.words(), "about 25 s (an estimate: from earlier runs of this work)");
    }

    #[test]
    fn times_are_rounded_as_estimates() {
        assert_eq!(about(0.2), "under a second");
        assert_eq!(about(3.0), "about 5 s");
        assert_eq!(about(41.0), "about 45 s");
        assert_eq!(about(270.0), "about 5 min");
    }
}
