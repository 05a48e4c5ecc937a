//! The report on a sweep: per backend, each point's median and spread and, when the sweep varied
//! `workers`, its speedup, efficiency and Karp–Flatt metric, with Amdahl's law and the USL fitted
//! (`scaling`). For CPU work the fit uses only the points up to the machine's cores; the points
//! past them are oversubscribed and reported apart. When the sweep varied `tasks` or `size`, the
//! cost per task (or per unit of size) is what scales.

use serde::Serialize;

use super::excluded;
use super::scaling::{self, Fit, Measured, Shape};
use crate::engine::{BackendKind, RunResult, SweepSpec, Vary};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    pub vary: Vary,
    pub values: Vec<u64>,
    pub backends: Vec<BackendSweep>,
}

/// One backend's curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackendSweep {
    pub backend: BackendKind,
    pub points: Vec<SweepPoint>,
    /// The time with one worker the speedups are measured against: the 1-worker point's, or
    /// else the fit's (`workers` sweeps).
    pub t1_secs: Option<f64>,
    /// No 1-worker point: `t1_secs` is the fit's, and each law needed one point more (with
    /// T(1) free, two points always fit Amdahl's law exactly, three the USL).
    pub t1_fitted: bool,
    pub amdahl: Option<Fit>,
    pub usl: Option<Fit>,
    pub shape: Option<Shape>,
    /// Values past the physical cores, left out of the fit (CPU work, `workers` sweeps).
    pub oversubscribed: Vec<u64>,
    /// The curve in words.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    pub value: u64,
    /// Its run, an index into the result file's runs.
    pub run: usize,
    pub median_secs: f64,
    pub stddev_secs: f64,
    pub min_secs: f64,
    pub max_secs: f64,
    pub speedup: Option<f64>,
    pub efficiency: Option<f64>,
    pub karp_flatt: Option<f64>,
    /// `tasks` and `size` sweeps: the median divided by the value.
    pub per_unit_secs: Option<f64>,
}

/// The report on the sweep `spec` whose points are `runs`, on a machine of `cores` physical
/// (or else logical) cores. Failed, stopped and panicked points are left out.
pub fn sweep_report(runs: &[&RunResult], spec: &SweepSpec, cores: u64) -> SweepReport {
    let mut backends: Vec<BackendKind> = Vec::new();
    for run in runs {
        if !backends.contains(&run.config.backend) {
            backends.push(run.config.backend);
        }
    }
    let backends = backends.into_iter().map(|backend| backend_sweep(runs, spec, backend, cores)).collect();
    SweepReport { vary: spec.vary, values: spec.values.clone(), backends }
}

fn backend_sweep(runs: &[&RunResult], spec: &SweepSpec, backend: BackendKind, cores: u64) -> BackendSweep {
    let mut points: Vec<SweepPoint> = (0..runs.len())
        .filter(|&i| runs[i].config.backend == backend && excluded(runs[i]).is_none())
        .map(|i| {
            let run = runs[i];
            let value = spec.vary.value_in(&run.config);
            let per_unit = (spec.vary != Vary::Workers && value > 0).then(|| run.elapsed_secs / value as f64);
            SweepPoint {
                value,
                run: i,
                median_secs: run.elapsed_secs,
                stddev_secs: run.stats.stddev_secs,
                min_secs: run.stats.min_secs,
                max_secs: run.stats.max_secs,
                speedup: None,
                efficiency: None,
                karp_flatt: None,
                per_unit_secs: per_unit,
            }
        })
        .collect();
    points.sort_by_key(|p| p.value);
    let mut sweep = BackendSweep {
        backend,
        points,
        t1_secs: None,
        t1_fitted: false,
        amdahl: None,
        usl: None,
        shape: None,
        oversubscribed: Vec::new(),
        text: String::new(),
    };
    if spec.vary == Vary::Workers {
        scale_by_workers(&mut sweep, runs, cores);
    }
    sweep.text = words(&sweep, spec.vary);
    sweep
}

fn scale_by_workers(sweep: &mut BackendSweep, runs: &[&RunResult], cores: u64) {
    let cpu = sweep.points.first().is_some_and(|p| runs[p.run].config.workload.kind.has_cpu_part());
    let measured = |p: &SweepPoint| Measured { n: p.value, secs: p.median_secs };
    let (fitted, past): (Vec<&SweepPoint>, Vec<&SweepPoint>) =
        sweep.points.iter().partition(|p| !cpu || p.value <= cores.max(1));
    sweep.oversubscribed = past.iter().map(|p| p.value).collect();
    let fitted: Vec<Measured> = fitted.into_iter().map(measured).collect();
    let one = sweep.points.iter().find(|p| p.value == 1).map(|p| p.median_secs);
    // Without a measured T(1) the fit has one unknown more: one point more for each law.
    let extra = usize::from(one.is_none());
    sweep.amdahl = scaling::fit_amdahl(&fitted).filter(|_| fitted.len() >= 2 + extra);
    sweep.usl = scaling::fit_usl(&fitted).filter(|_| fitted.len() >= 3 + extra);
    sweep.t1_fitted = one.is_none();
    sweep.t1_secs = one.or(sweep.usl.or(sweep.amdahl).map(|f| f.t1_secs));
    let Some(t1) = sweep.t1_secs else { return };
    let all: Vec<Measured> = sweep.points.iter().map(measured).collect();
    let scaled = scaling::scaled(&all, t1);
    for (point, s) in sweep.points.iter_mut().zip(&scaled) {
        (point.speedup, point.efficiency, point.karp_flatt) = (Some(s.speedup), Some(s.efficiency), s.karp_flatt);
    }
    sweep.shape = scaling::shape(&scaled);
}

fn words(sweep: &BackendSweep, vary: Vary) -> String {
    let name = sweep.backend;
    if sweep.points.len() < 2 {
        return format!("{name}: fewer than 2 points finished, nothing to fit");
    }
    if vary != Vary::Workers {
        let costs: Vec<f64> = sweep.points.iter().filter_map(|p| p.per_unit_secs).collect();
        let (low, high) = costs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &c| (lo.min(c), hi.max(c)));
        let unit = if vary == Vary::Tasks { "per task" } else { "per unit of size" };
        return format!(
            "{name}: {} {unit} at the smallest {vary}, {} at the largest ({:.2}× across the range)",
            super::format::duration(costs.first().copied().unwrap_or(0.0)),
            super::format::duration(costs.last().copied().unwrap_or(0.0)),
            if low > 0.0 { high / low } else { f64::NAN }
        );
    }
    let mut text = match (sweep.usl, sweep.amdahl) {
        (Some(usl), _) if usl.kappa > 0.0 => format!("{name}, USL: {}", scaling::describe(&usl)),
        (_, Some(amdahl)) => format!("{name}, Amdahl's law: {}", scaling::describe(&amdahl)),
        _ => format!("{name}: not enough points within the cores to fit a law"),
    };
    match sweep.shape {
        Some(Shape::Flat) => text.push_str("; flat: more workers were no faster (a GIL, or one thread doing the work)"),
        Some(Shape::Superlinear) => text.push_str("; superlinear: faster per worker than one alone"),
        None => {}
    }
    if sweep.t1_fitted && sweep.t1_secs.is_some() {
        text.push_str("; no 1-worker point: speedups are against the fitted T(1)");
    }
    if !sweep.oversubscribed.is_empty() {
        let values: Vec<String> = sweep.oversubscribed.iter().map(u64::to_string).collect();
        text.push_str(&format!("; {} workers are past the cores, left out of the fit", values.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::run;

    fn point(backend: BackendKind, workers: u64, secs: f64) -> RunResult {
        let mut r = run(backend, &[secs * 0.99, secs, secs * 1.01]);
        r.config.workers = workers;
        r
    }

    #[test]
    fn without_a_one_worker_point_each_law_needs_a_point_more() {
        let spec = SweepSpec { vary: Vary::Workers, values: vec![8, 16, 32] };
        // I/O work: points past the cores are fitted too.
        let point = |n: u64, secs: f64| {
            let mut r = point(BackendKind::EventLoop, n, secs);
            r.config.workload = crate::engine::Workload::new(crate::engine::WorkloadKind::Sleep, 100);
            r
        };
        let runs: Vec<RunResult> = [8, 16].iter().map(|&n| point(n, 1.0 / n as f64)).collect();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let sweep = &sweep_report(&refs, &spec, 2).backends[0];
        assert!(sweep.amdahl.is_none() && sweep.usl.is_none() && sweep.t1_fitted, "two points fit T(1) and σ exactly");
        let runs: Vec<RunResult> = [8, 16, 32].iter().map(|&n| point(n, 1.0 / n as f64)).collect();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let sweep = &sweep_report(&refs, &spec, 2).backends[0];
        assert!(sweep.amdahl.is_some() && sweep.usl.is_none(), "{sweep:?}");
        assert!(sweep.text.contains("speedups are against the fitted T(1)"), "{}", sweep.text);
    }

    #[test]
    fn a_workers_sweep_gives_speedups_fits_and_words() {
        let runs = [
            point(BackendKind::Threads, 1, 1.40),
            point(BackendKind::Processes, 1, 1.42),
            point(BackendKind::Threads, 2, 1.41),
            point(BackendKind::Processes, 2, 0.72),
            point(BackendKind::Threads, 4, 1.42),
            point(BackendKind::Processes, 4, 0.73),
        ];
        let refs: Vec<&RunResult> = runs.iter().collect();
        let spec = SweepSpec { vary: Vary::Workers, values: vec![1, 2, 4] };
        let report = sweep_report(&refs, &spec, 2);
        let [threads, processes] = report.backends.as_slice() else { panic!("two backends") };
        assert_eq!(threads.points.iter().map(|p| p.run).collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(threads.shape, Some(Shape::Flat), "{}", threads.text);
        assert!(threads.text.contains("flat: more workers were no faster"), "{}", threads.text);
        assert_eq!(processes.oversubscribed, [4], "primes on 2 cores: 4 workers oversubscribe");
        let speedup = processes.points[1].speedup.expect("measured against the 1-worker point");
        assert!((speedup - 1.42 / 0.72).abs() < 1e-9);
        let amdahl = processes.amdahl.expect("two points within the cores");
        assert!(amdahl.sigma < 0.05, "{amdahl:?}");
        assert!(processes.usl.is_none(), "the USL needs 3 points within the cores");
        assert!(processes.text.starts_with("processes, Amdahl's law: σ = 0.0"), "{}", processes.text);
        assert!(processes.text.ends_with("4 workers are past the cores, left out of the fit"), "{}", processes.text);
    }

    #[test]
    fn a_tasks_sweep_reports_the_cost_per_task() {
        let runs: Vec<RunResult> = [(1000, 0.01), (10_000, 0.1), (100_000, 1.2)]
            .iter()
            .map(|&(tasks, secs)| {
                let mut r = point(BackendKind::EventLoop, 2, secs);
                r.config.tasks = tasks;
                r
            })
            .collect();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let spec = SweepSpec { vary: Vary::Tasks, values: vec![1000, 10_000, 100_000] };
        let report = sweep_report(&refs, &spec, 2);
        let sweep = &report.backends[0];
        assert_eq!(sweep.points.len(), 3);
        assert!(sweep.points.iter().all(|p| p.speedup.is_none() && p.per_unit_secs.is_some()));
        assert!(
            sweep.text.contains("per task at the smallest tasks") && sweep.text.contains("1.20×"),
            "{}",
            sweep.text
        );
    }
}
