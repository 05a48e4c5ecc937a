//! The plots (and the sweep charts) drawn from fixed data and compared, pixel by pixel, with the images in
//! `tests/snapshots/` (egui_kittest's snapshot test; rendered with wgpu on Mesa's lavapipe, so
//! run with `WGPU_BACKEND=vulkan` as `.ci/run` does). A change in how a plot looks fails here
//! with a diff image beside the snapshot; after looking at the new image, `UPDATE_SNAPSHOTS=1`
//! accepts it.
#![cfg(feature = "gui")]

use concurrency_lab::engine::{
    BackendKind, CoreSplit, CpuSample, ExperimentConfig, Machine, Outcome, Repetition, ResultFile, RunResult, Span,
    Stats, SweepSpec, Vary, Workload, WorkloadKind,
};
use concurrency_lab::gui::lanes::Lanes;
use concurrency_lab::gui::plots::cores::{CoresView, cores_plot};
use concurrency_lab::gui::plots::elapsed::{ElapsedView, RunBar, elapsed_plot};
use concurrency_lab::gui::plots::sweep::{SweepChartsView, sweep_charts_ui};
use concurrency_lab::gui::plots::timeline::timeline_ui;
use concurrency_lab::gui::result_charts::result_charts_ui;
use concurrency_lab::report::sweep_report;
use eframe::egui;
use egui_kittest::Harness;

/// A completed run of two primes tasks with these repetition times.
fn run(backend: BackendKind, workers: u64, repetitions: &[f64]) -> RunResult {
    let config = ExperimentConfig { backend, workers, gil: true, ..ExperimentConfig::default() };
    let stats = Stats::of(repetitions);
    RunResult {
        elapsed_secs: stats.median_secs,
        tasks_ok: 2,
        repetitions: repetitions
            .iter()
            .map(|&elapsed_secs| Repetition {
                elapsed_secs,
                cpu_secs: None,
                setup_secs: 0.0,
                interpreter_startup_secs: None,
                lab_cpu_secs: None,
                other_cpu_secs: None,
            })
            .collect(),
        stats,
        ..RunResult::unmeasured(config, Outcome::Completed)
    }
}

fn render(name: &str, size: [f32; 2], mut draw: impl FnMut(&mut egui::Ui) + 'static) {
    let mut harness = Harness::builder().with_size(size).wgpu().build_ui(move |ui| draw(ui));
    harness.run_steps(2);
    harness.snapshot(name);
}

#[test]
fn elapsed_time_bars_whiskers_and_a_group_gap() {
    let mut sleep = run(BackendKind::EventLoop, 100, &[0.21]);
    sleep.config.workload = Workload::new(WorkloadKind::Sleep, 200);
    let mut stopped = run(BackendKind::Processes, 2, &[]);
    stopped.outcome = Outcome::Cancelled;
    stopped.elapsed_secs = 0.4;
    let results = [
        run(BackendKind::EventLoop, 2, &[1.48, 1.5, 1.55]),
        run(BackendKind::Threads, 2, &[1.5, 1.52, 1.6]),
        run(BackendKind::Processes, 2, &[0.78, 0.8, 0.86]),
        stopped,
        sleep,
    ];
    render("elapsed", [640.0, 320.0], move |ui| {
        let bars: Vec<RunBar<'_>> = (results.iter().enumerate())
            .map(|(i, result)| RunBar {
                id: i as u64 + 1,
                label: format!("#{} {}", i + 1, result.config.backend),
                short_label: format!("#{}", i + 1),
                result,
                new_group: i == 4,
                machine: None,
            })
            .collect();
        let view = ElapsedView { bars: &bars, selected: Some(3), live: None, interactive: false };
        elapsed_plot(ui, &view, 620.0, 300.0);
    });
}

/// Forty runs in three groups on a 640-point chart: short labels, thinned so that no two touch
/// (the "#13#14"), the first and the last always labelled.
#[test]
fn elapsed_labels_of_forty_runs_never_touch() {
    let results: Vec<RunResult> = (0..40)
        .map(|i| {
            let backend = [BackendKind::EventLoop, BackendKind::Threads, BackendKind::Processes][i % 3];
            run(backend, 2, &[0.5 + (i % 7) as f64 * 0.1])
        })
        .collect();
    render("elapsed_many", [640.0, 260.0], move |ui| {
        let bars: Vec<RunBar<'_>> = (results.iter().enumerate())
            .map(|(i, result)| RunBar {
                id: i as u64 + 1,
                label: format!("#{} {}", i + 1, result.config.backend),
                short_label: format!("#{}", i + 1),
                result,
                new_group: i == 13 || i == 27,
                machine: None,
            })
            .collect();
        let view = ElapsedView { bars: &bars, selected: Some(40), live: None, interactive: false };
        elapsed_plot(ui, &view, 620.0, 240.0);
    });
}

#[test]
fn core_utilization_two_cores_their_mean_and_the_end_of_setup() {
    // Two cores over 2 s: core 0 busy throughout, core 1 busy only in the second half.
    let samples: Vec<CpuSample> = (1..=20)
        .map(|i| {
            let t_secs = f64::from(i) * 0.1;
            CpuSample { t_secs, per_core: vec![95.0, if i > 10 { 90.0 } else { 5.0 }], split: None }
        })
        .collect();
    render("cores", [640.0, 320.0], move |ui| {
        let view = CoresView {
            samples: &samples,
            backend: Some(BackendKind::Threads),
            empty_note: None,
            t_end_secs: 2.0,
            setup_secs: Some(0.15),
            interactive: false,
        };
        cores_plot(ui, &view, 620.0, 300.0);
    });
}

/// Two cores over 2 s, the run keeping one busy, the lab a tenth of one, other programs a
/// varying share: `run_cores` of the run's after 0.15 s of setup.
fn split_samples(run_cores: f32, elapsed_secs: f64) -> Vec<CpuSample> {
    (1..=(elapsed_secs * 10.0).round() as u32)
        .map(|i| {
            let t_secs = f64::from(i) * 0.1;
            let run = if t_secs < 0.15 { 0.05 } else { run_cores };
            let other = if i % 5 < 2 { 0.4 } else { 0.1 };
            let busy = (run + 0.1 + other).min(2.0) * 50.0;
            let split = Some(CoreSplit { run_cores: run, lab_cores: 0.1, other_cores: other });
            CpuSample { t_secs, per_core: vec![(busy * 1.3).min(100.0), busy * 0.7], split }
        })
        .collect()
}

#[test]
fn core_utilization_split_into_the_runs_the_labs_and_other_programs_cores() {
    let samples = split_samples(1.0, 2.0);
    render("cores_split", [640.0, 340.0], move |ui| {
        let view = CoresView {
            samples: &samples,
            backend: Some(BackendKind::Threads),
            empty_note: None,
            t_end_secs: 2.0,
            setup_secs: Some(0.15),
            interactive: false,
        };
        cores_plot(ui, &view, 620.0, 320.0);
    });
}

/// The page `--png` and `report` draw: a comparison of three backends, so the elapsed bars
/// have the runs' core strips under them on one time axis (the processes run ends first).
#[test]
fn a_result_page_sets_the_compared_runs_cores_side_by_side() {
    let mut runs = Vec::new();
    for (backend, secs, cores) in
        [(BackendKind::EventLoop, 2.0, 1.0), (BackendKind::Threads, 2.05, 1.0), (BackendKind::Processes, 1.05, 1.95)]
    {
        let mut r = run(backend, 2, &[secs]);
        r.cpu_samples = split_samples(cores, secs);
        r.setup_secs = 0.15;
        runs.push(r);
    }
    let machine = Machine {
        cpu_brand: "Test CPU".into(),
        logical_cores: 2,
        physical_cores: Some(2),
        os: "Linux".into(),
        total_memory_bytes: 8 << 30,
    };
    let file = ResultFile::new(machine, runs);
    render("result_page", [1100.0, 620.0], move |ui| {
        result_charts_ui(ui, &file, "CPU-bound work under a GIL");
    });
}

#[test]
fn timeline_lanes_tasks_and_a_failed_one() {
    // Three lanes: two long tasks each on lanes 0 and 1, forty short ones on lane 2 (merged
    // where they are narrower than a pixel), one failed task in red.
    let mut spans = vec![
        Span { task: 0, worker: 0, start_secs: 0.0, end_secs: 0.9, ok: true },
        Span { task: 1, worker: 1, start_secs: 0.05, end_secs: 0.8, ok: true },
        Span { task: 2, worker: 0, start_secs: 0.95, end_secs: 1.8, ok: true },
        Span { task: 3, worker: 1, start_secs: 0.85, end_secs: 1.2, ok: false },
    ];
    spans.extend((0..40u32).map(|i| {
        let start_secs = 0.5 + f64::from(i) * 0.001;
        Span { task: 4 + u64::from(i), worker: 2, start_secs, end_secs: start_secs + 0.0008, ok: true }
    }));
    let lanes = Lanes::new(&spans);
    render("timeline", [640.0, 140.0], move |ui| {
        timeline_ui(ui, &lanes, 2.0, "thread", 120.0, "no tasks");
    });
}

/// A workers sweep on 4 cores: threads following the USL (σ = 0.03, κ = 0.01), processes
/// Amdahl's law (σ = 0.08) up to the cores and flat past them, the event loop flat (one thread
/// doing the CPU work). Repetitions ±3% make the bands; the 4-worker threads point is selected.
#[test]
fn sweep_charts_scaling_speedup_karp_flatt_and_fits() {
    let values = [1u64, 2, 4, 8, 16];
    let mut results = Vec::new();
    for &n in &values {
        let nf = n as f64;
        let usl = 2.0 * (1.0 + 0.03 * (nf - 1.0) + 0.01 * nf * (nf - 1.0)) / nf;
        let amdahl = 2.1 * (1.0 + 0.08 * (nf.min(4.0) - 1.0)) / nf.min(4.0);
        for (backend, secs) in
            [(BackendKind::EventLoop, 2.05), (BackendKind::Threads, usl), (BackendKind::Processes, amdahl)]
        {
            let mut r = run(backend, n, &[secs * 0.97, secs, secs * 1.03]);
            r.config.gil = false;
            results.push(r);
        }
    }
    let spec = SweepSpec { vary: Vary::Workers, values: values.to_vec() };
    render("sweep", [1100.0, 640.0], move |ui| {
        let runs: Vec<&RunResult> = results.iter().collect();
        let report = sweep_report(&runs, &spec, 4);
        let view = SweepChartsView {
            report: &report,
            cores: 4,
            selected: Some(7),
            interactive: false,
            height: 340.0,
            caption: "workers = 1, 2, 4, 8, 16 · 15 of 15 points".to_owned(),
        };
        sweep_charts_ui(ui, &view);
    });
}
