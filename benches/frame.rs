//! One frame of the lab's plots for a 100,000-span run with the GIL on (20,000 GIL holds, the
//! most a run keeps, shaded on the timeline): the side-by-side plots (elapsed time, core
//! utilization) and the timeline, laid out and tessellated as the window would, at 1280×800.
//! Then one frame of a sweep view: 10 worker counts × 3 backends (the report made from the 30
//! points, the sweep charts, the selected point's core plot and timeline). Prints the median
//! CPU time per frame over many frames for each (target: under 16 ms). Then a result file of
//! 1,000,000 spans opened as the window opens one (`frame/loaded.rs`): the time to read it and
//! sort it into lanes (on the loading thread), and a frame with it selected.
//! Run with `cargo bench --bench frame`.

use concurrency_lab::engine::{
    BackendKind, CpuSample, ExperimentConfig, GilHold, MAX_GIL_HOLDS, Outcome, Repetition, RunResult, Span, Stats,
    SweepSpec, Vary, Workload, WorkloadKind, thread_cpu_secs,
};
use concurrency_lab::gui::history::History;
use concurrency_lab::gui::plots::cores::{CoresView, cores_plot};
use concurrency_lab::gui::plots::elapsed::{ElapsedView, RunBar};
use concurrency_lab::gui::plots::sweep::{SweepChartsView, sweep_charts_ui};
use concurrency_lab::gui::plots::timeline::timeline_ui;
use concurrency_lab::gui::plots::{SideBySide, side_by_side};
use concurrency_lab::report::sweep_report;
use eframe::egui;

#[path = "frame/loaded.rs"]
mod loaded;

const SPANS: u64 = 100_000;
const FRAMES: usize = 60;

/// A threads run of 100,000 short tasks on 8 lanes over 10 s, sampled every 100 ms on 2 cores,
/// with the GIL passed round the lanes 20,000 times.
fn big_run() -> RunResult {
    let lanes = 8;
    let per_lane = SPANS / lanes;
    let task_secs = 10.0 / per_lane as f64;
    let spans = (0..SPANS)
        .map(|task| {
            let (lane, slot) = (task % lanes, task / lanes);
            let start = slot as f64 * task_secs;
            Span {
                task,
                worker: lane as u32,
                start_secs: start,
                end_secs: start + task_secs * 0.9,
                ok: task % 997 != 0,
            }
        })
        .collect();
    let cpu_samples = (1..=100)
        .map(|i| CpuSample {
            t_secs: f64::from(i) * 0.1,
            per_core: vec![90.0 + (i % 7) as f32, 80.0 + (i % 5) as f32],
            split: None,
        })
        .collect();
    let turn_secs = 10.0 / MAX_GIL_HOLDS as f64;
    let gil_holds = (0..MAX_GIL_HOLDS)
        .map(|i| GilHold {
            worker: (i as u64 % lanes) as u32,
            start_secs: i as f64 * turn_secs,
            end_secs: (i + 1) as f64 * turn_secs,
        })
        .collect();
    let config = ExperimentConfig {
        backend: BackendKind::Threads,
        workload: Workload::new(WorkloadKind::Sleep, 1),
        tasks: SPANS,
        workers: lanes,
        gil: true,
        ..ExperimentConfig::default()
    };
    RunResult {
        elapsed_secs: 10.0,
        setup_secs: 0.001,
        cpu_secs: Some(18.0),
        effective_parallelism: Some(1.8),
        peak_rss_bytes: Some(40 << 20),
        tasks_ok: SPANS,
        repetitions: vec![Repetition {
            elapsed_secs: 10.0,
            cpu_secs: Some(18.0),
            setup_secs: 0.001,
            interpreter_startup_secs: None,
            lab_cpu_secs: None,
            other_cpu_secs: None,
        }],
        stats: Stats::of(&[10.0]),
        spans,
        cpu_samples,
        gil_holds,
        ..RunResult::unmeasured(config, Outcome::Completed)
    }
}

/// A point of a synthetic workers sweep: 8 × `workers` tasks of primes (a CPU part, so the
/// fit stops at the cores), three repetitions around `secs`, its spans on `workers` lanes and a
/// CPU sample every 100 ms.
fn sweep_point(backend: BackendKind, workers: u64, secs: f64) -> RunResult {
    let tasks = 200;
    let spans = (0..tasks)
        .map(|task| {
            let lane = task % workers;
            let per_lane = tasks.div_ceil(workers);
            let slot = (task / workers) as f64 * secs / per_lane as f64;
            Span {
                task,
                worker: lane as u32,
                start_secs: slot,
                end_secs: slot + secs / per_lane as f64 * 0.9,
                ok: true,
            }
        })
        .collect();
    let cpu_samples = (1..=(secs * 10.0).ceil() as u32)
        .map(|i| CpuSample { t_secs: f64::from(i) * 0.1, per_core: vec![90.0, 60.0 + (i % 5) as f32], split: None })
        .collect();
    let repetitions: Vec<f64> = vec![secs * 0.97, secs, secs * 1.04];
    let config = ExperimentConfig {
        backend,
        workload: Workload::new(WorkloadKind::Primes, 50_000),
        tasks,
        workers,
        repeat: 3,
        ..ExperimentConfig::default()
    };
    RunResult {
        elapsed_secs: secs,
        tasks_ok: tasks,
        repetitions: repetitions
            .iter()
            .map(|&elapsed_secs| Repetition {
                elapsed_secs,
                cpu_secs: None,
                setup_secs: 0.001,
                interpreter_startup_secs: None,
                lab_cpu_secs: None,
                other_cpu_secs: None,
            })
            .collect(),
        stats: Stats::of(&repetitions),
        spans,
        cpu_samples,
        ..RunResult::unmeasured(config, Outcome::Completed)
    }
}

/// The median and worst CPU time of one frame drawn by `draw` at 1280×800, laid out and
/// tessellated, over [`FRAMES`] frames after 5 to warm font atlases and caches.
fn frame_times(mut draw: impl FnMut(&mut egui::Ui)) -> (f64, f64) {
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0))),
        ..Default::default()
    };
    let mut frame_secs = Vec::with_capacity(FRAMES);
    for frame in 0..FRAMES + 5 {
        let before = thread_cpu_secs().unwrap_or(0.0);
        let output = ctx.run_ui(input(), &mut draw);
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        let after = thread_cpu_secs().unwrap_or(0.0);
        if frame >= 5 {
            frame_secs.push(after - before);
        }
    }
    frame_secs.sort_by(f64::total_cmp);
    (frame_secs[frame_secs.len() / 2], frame_secs[frame_secs.len() - 1])
}

fn main() {
    let mut history = History::default();
    for _ in 0..5 {
        history.push(big_run());
    }
    let (median, worst) = frame_times(|ui| {
        let Some(entry) = history.selected() else { return };
        // The same work throughout: one group, as the app would make the bars.
        let bars: Vec<RunBar<'_>> = (history.entries().iter())
            .map(|e| RunBar {
                id: e.id,
                label: e.label(),
                short_label: format!("#{}", e.id),
                result: &e.result,
                new_group: false,
                machine: None,
            })
            .collect();
        let view = SideBySide {
            elapsed: ElapsedView { bars: &bars, selected: Some(entry.id), live: None, interactive: true },
            cores: CoresView {
                empty_note: None,
                samples: &entry.result.cpu_samples,
                backend: Some(entry.result.config.backend),
                t_end_secs: entry.result.elapsed_secs,
                setup_secs: Some(entry.result.setup_secs),
                interactive: true,
            },
            cores_title: entry.label(),
        };
        side_by_side(ui, &view, 370.0);
        timeline_ui(ui, &entry.lanes, entry.result.elapsed_secs, "thread", 190.0, "");
    });
    println!(
        "one frame of the plots, {SPANS} spans and {MAX_GIL_HOLDS} GIL holds in the selected run, 5 runs in the history, 1280×800: \
         median {:.2} ms CPU, worst {:.2} ms over {FRAMES} frames (target < 16 ms)",
        median * 1e3,
        worst * 1e3
    );

    // A sweep of 10 worker counts × 3 backends, drawn as the window draws it: the report made
    // from the 30 points every frame, the sweep charts, and the selected point's core plot and
    // timeline.
    let values: Vec<u64> = (1..=10).collect();
    let mut sweep = History::default();
    for &n in &values {
        let nf = n as f64;
        let usl = 2.0 * (1.0 + 0.03 * (nf - 1.0) + 0.01 * nf * (nf - 1.0)) / nf;
        let amdahl = 2.1 * (1.0 + 0.08 * (nf.min(2.0) - 1.0)) / nf.min(2.0);
        for (backend, secs) in
            [(BackendKind::EventLoop, 2.05), (BackendKind::Threads, usl), (BackendKind::Processes, amdahl)]
        {
            sweep.push(sweep_point(backend, n, secs));
        }
    }
    let spec = SweepSpec { vary: Vary::Workers, values };
    let (median, worst) = frame_times(|ui| {
        let Some(entry) = sweep.selected() else { return };
        let runs: Vec<&RunResult> = sweep.entries().iter().map(|e| &e.result).collect();
        let report = sweep_report(&runs, &spec, 2);
        let view = SweepChartsView {
            report: &report,
            cores: 2,
            selected: Some(runs.len() - 1),
            interactive: true,
            height: 340.0,
            caption: "workers = 1..10 · 30 of 30 points".to_owned(),
        };
        sweep_charts_ui(ui, &view);
        let cores = CoresView {
            empty_note: None,
            samples: &entry.result.cpu_samples,
            backend: Some(entry.result.config.backend),
            t_end_secs: entry.result.elapsed_secs,
            setup_secs: Some(entry.result.setup_secs),
            interactive: true,
        };
        cores_plot(ui, &cores, ui.available_width(), 170.0);
        timeline_ui(ui, &entry.lanes, entry.result.elapsed_secs, "thread", 120.0, "");
    });
    println!(
        "one frame of a sweep view, 10 points × 3 backends with the selected point's core plot and timeline, 1280×800: \
         median {:.2} ms CPU, worst {:.2} ms over {FRAMES} frames (target < 16 ms)",
        median * 1e3,
        worst * 1e3
    );
    if let Err(e) = loaded::loaded_file() {
        println!("the opened-file case did not run: {e}");
        std::process::exit(1);
    }
}
