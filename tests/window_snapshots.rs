//! The whole window, drawn from fixed results and compared pixel by pixel with
//! `tests/snapshots/window_*.png` (egui_kittest's snapshots through wgpu on Mesa's lavapipe, as
//! `tests/plot_snapshots.rs`; `UPDATE_SNAPSHOTS=1` accepts a change after looking at it). Each
//! mode (Run, Sweep) at 1024×700 and 1920×1080, with a history of several runs: one comparison
//! of four backends (CPU samples split into the run's, the lab's and other programs' cores),
//! an event loop blocked by sleeps, and a run whose description is a very long line. They
//! guard the layout: the history column stays in the window, the elapsed bars' labels don't
//! touch, the compared runs' core strips sit under the bars.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test's helpers fail the test loudly")]

use std::time::{Duration, Instant};

use concurrency_lab::engine::{
    BackendKind, CoreSplit, CpuSample, ExperimentConfig, Machine, Outcome, Repetition, ResultFile, RunResult, Sizes,
    Span, Stats, Workload, WorkloadKind,
};
use concurrency_lab::gui::LabApp;
use concurrency_lab::gui::settings::Settings;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// A completed run: `elapsed_secs` long, the run's own cores `run_cores` throughout (after
/// 50 ms of setup), a little of the lab and other programs on top; one span per task, the
/// tasks spread over the workers.
fn run(config: ExperimentConfig, elapsed_secs: f64, run_cores: f32) -> RunResult {
    let setup_secs = 0.05;
    let samples: Vec<CpuSample> = (1..=(elapsed_secs / 0.1).round() as u32)
        .map(|i| {
            let t_secs = f64::from(i) * 0.1;
            let run = if t_secs < setup_secs { 0.1 } else { run_cores };
            let (lab, other) = (0.06, 0.12 + 0.04 * f32::from(i % 3 == 0));
            let busy = (run + lab + other).min(2.0) * 50.0;
            CpuSample {
                t_secs,
                per_core: vec![(busy * 1.2).min(100.0), busy * 0.8],
                split: Some(CoreSplit { run_cores: run, lab_cores: lab, other_cores: other }),
            }
        })
        .collect();
    let workers = config.workers.max(1);
    let per_lane = config.tasks.div_ceil(workers);
    let task_secs = (elapsed_secs - setup_secs) / per_lane as f64;
    let spans = (0..config.tasks)
        .map(|task| {
            let start_secs = setup_secs + (task / workers) as f64 * task_secs;
            let worker = u32::try_from(task % workers).unwrap();
            Span { task, worker, start_secs, end_secs: start_secs + task_secs * 0.97, ok: true }
        })
        .collect();
    RunResult {
        elapsed_secs,
        setup_secs,
        cpu_secs: Some(f64::from(run_cores) * elapsed_secs),
        effective_parallelism: Some(f64::from(run_cores)),
        tasks_ok: config.tasks,
        repetitions: vec![Repetition {
            elapsed_secs,
            cpu_secs: Some(f64::from(run_cores) * elapsed_secs),
            setup_secs,
            interpreter_startup_secs: None,
            lab_cpu_secs: Some(0.06 * elapsed_secs),
            other_cpu_secs: Some(0.13 * elapsed_secs),
        }],
        stats: Stats::of(&[elapsed_secs]),
        cpu_samples: samples,
        spans,
        ..RunResult::unmeasured(config, Outcome::Completed)
    }
}

fn config(backend: BackendKind, workload: Workload, tasks: u64, workers: u64) -> ExperimentConfig {
    ExperimentConfig { backend, workload, tasks, workers, gil: true, ..ExperimentConfig::default() }
}

/// Nine runs: an event loop blocked by sleeps beside the same sleeps offloaded and on threads,
/// a run of its own, then one comparison of five backends on primes whose sizes (a list of
/// forty) make a very long description; the last is selected.
fn history() -> ResultFile {
    let sizes: Vec<u64> = (0..40).map(|i| 10_000 + i * 7_919).collect();
    let primes = Workload { kind: WorkloadKind::Primes, size: Sizes::list(sizes) };
    let sleep = Workload::new(WorkloadKind::BlockingSleep, 100);
    let mut blocked = run(config(BackendKind::EventLoop, sleep.clone(), 10, 10), 1.02, 0.02);
    blocked.loop_lag_max_secs = Some(0.92);
    blocked.loop_lag_p99_secs = Some(0.92);
    blocked.loop_blocked = Some(true);
    let mut offloaded = run(config(BackendKind::EventLoopThreads, sleep.clone(), 10, 10), 0.11, 0.02);
    offloaded.loop_lag_max_secs = Some(0.0012);
    offloaded.loop_lag_p99_secs = Some(0.0011);
    offloaded.loop_blocked = Some(false);
    let runs = vec![
        blocked,
        offloaded,
        run(config(BackendKind::Threads, sleep, 10, 10), 0.12, 0.03),
        run(config(BackendKind::Processes, Workload::new(WorkloadKind::Fib, 30), 4, 2), 0.6, 1.9),
        run(config(BackendKind::EventLoop, primes.clone(), 2, 2), 2.05, 0.99),
        run(config(BackendKind::Threads, primes.clone(), 2, 2), 2.1, 1.0),
        run(config(BackendKind::Processes, primes.clone(), 2, 2), 1.08, 1.93),
        run(config(BackendKind::EventLoopProcesses, primes.clone(), 2, 2), 1.15, 1.85),
        run(config(BackendKind::Rayon, primes, 2, 2), 1.9, 1.02),
    ];
    ResultFile::new(Machine::detect(), runs)
}

/// The window at `size`, the history opened from a file, in `mode` ("One run" or "Sweep").
fn window(size: [f32; 2], mode: &str) -> Harness<'static, LabApp> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    std::fs::write(&path, serde_json::to_vec(&history()).unwrap()).unwrap();
    let app = LabApp::with_settings(Settings::default()).with_backends(BackendKind::ALL.to_vec());
    let mut harness = Harness::builder().with_size(size).wgpu().build_eframe(move |_cc| app);
    let ctx = harness.ctx.clone();
    harness.state_mut().open_results(vec![path], &ctx);
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().is_opening() || harness.state().history().entries().len() < 9 {
        assert!(Instant::now() < deadline, "the history file did not load");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.get_by_label(mode).click();
    harness.run_steps(4);
    harness
}

/// The history list's rows and the summary are inside the window, whatever the summary says.
fn assert_history_in_window(harness: &Harness<'_, LabApp>, width: f32) {
    let heading = harness.get_by_label("History");
    let rect = heading.rect();
    assert!(rect.max.x <= width, "the History heading ends at {} of {width}", rect.max.x);
    let clear = harness.get_by_label("Clear all").rect();
    assert!(clear.max.x <= width, "Clear all ends at {} of {width}", clear.max.x);
}

fn snapshot(size: [f32; 2], mode: &str, name: &str) {
    let mut harness = window(size, mode);
    assert_history_in_window(&harness, size[0]);
    harness.snapshot(name);
}

#[test]
fn run_mode_at_1024_by_700() {
    snapshot([1024.0, 700.0], "One run", "window_run_1024x700");
}

#[test]
fn run_mode_at_1920_by_1080() {
    snapshot([1920.0, 1080.0], "One run", "window_run_1920x1080");
}

#[test]
fn sweep_mode_at_1024_by_700() {
    snapshot([1024.0, 700.0], "Sweep", "window_sweep_1024x700");
}

#[test]
fn sweep_mode_at_1920_by_1080() {
    snapshot([1920.0, 1080.0], "Sweep", "window_sweep_1920x1080");
}

/// The "a short slider drag jumped tasks from 2 to 110": pressing on the rail a little
/// right of the handle and moving a few points changes the count by a few points' worth of
/// the rail (not to where the pointer pressed); a click steps one notch.
#[test]
fn a_short_drag_on_the_tasks_slider_is_a_short_change() {
    use eframe::egui::accesskit::Role;
    use eframe::egui::pos2;
    let mut harness = window([1024.0, 700.0], "One run");
    assert_eq!(harness.state().settings().config.tasks, 2);
    let rail = (harness.query_all_by_role(Role::Slider))
        .find(|n| n.accesskit_node().label().is_some_and(|l| l.starts_with("Tasks")))
        .expect("the Tasks slider")
        .rect();
    // 40 points right of the handle (which sits near the left end at 2 of 1..1,000,000).
    let (x, y) = (rail.min.x + 45.0, rail.center().y);
    harness.hover_at(pos2(x, y));
    harness.run_steps(1);
    harness.drag_at(pos2(x, y));
    harness.run_steps(1);
    for step in 1..=20u8 {
        harness.hover_at(pos2(x + f32::from(step), y));
        harness.run_steps(1);
    }
    harness.drop_at(pos2(x + 20.0, y));
    harness.run_steps(2);
    let tasks = harness.state().settings().config.tasks;
    // 20 points of a rail about 140 wide spanning six decades: under a decade (egui's own slider
    // went to where the pointer pressed, 45 points along: about 100).
    assert!((5..=20).contains(&tasks), "a 20-point drag took tasks from 2 to {tasks}");
    // A click right of the handle: one notch up from 2 (5, on the 1-2-5 ladder).
    harness.state_mut().settings_mut().config.tasks = 2;
    harness.run_steps(1);
    harness.hover_at(pos2(x, y));
    harness.run_steps(1);
    harness.drag_at(pos2(x, y));
    harness.run_steps(1);
    harness.drop_at(pos2(x, y));
    harness.run_steps(2);
    assert_eq!(harness.state().settings().config.tasks, 5);
}
