//! One frame of the lab's plots for a 100,000-span run with the GIL on (20,000 GIL holds, the
//! most a run keeps, shaded on the timeline): the side-by-side plots (elapsed time, core
//! utilization) and the timeline, laid out and tessellated as the window would, at 1280×800.
//! Prints the median CPU time per frame over many frames (target: under 16 ms).
//! Then a result file of 1,000,000 spans opened as the window opens one ([`loaded_file`]): the
//! time to read it and sort it into lanes (on the loading thread), and a frame with it selected.
//! Run with `cargo bench --bench frame`.

use concurrency_lab::engine::{
    BackendKind, CpuSample, ExperimentConfig, GilHold, MAX_GIL_HOLDS, Outcome, Repetition, RunResult, Span, Stats,
    Workload, WorkloadKind, thread_cpu_secs,
};
use concurrency_lab::gui::history::History;
use concurrency_lab::gui::plots::cores::CoresView;
use concurrency_lab::gui::plots::elapsed::{ElapsedView, RunBar};
use concurrency_lab::gui::plots::timeline::timeline_ui;
use concurrency_lab::gui::plots::{SideBySide, side_by_side};
use eframe::egui;

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
        .map(|i| CpuSample { t_secs: f64::from(i) * 0.1, per_core: vec![90.0 + (i % 7) as f32, 80.0 + (i % 5) as f32] })
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
        }],
        stats: Stats::of(&[10.0]),
        spans,
        cpu_samples,
        gil_holds,
        ..RunResult::unmeasured(config, Outcome::Completed)
    }
}

fn main() {
    hundred_thousand_spans();
    if let Err(e) = loaded_file() {
        println!("the opened-file case did not run: {e}");
        std::process::exit(1);
    }
}

fn hundred_thousand_spans() {
    let mut history = History::default();
    for _ in 0..5 {
        history.push(big_run());
    }
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0))),
        ..Default::default()
    };
    let mut frame_secs = Vec::with_capacity(FRAMES);
    for frame in 0..FRAMES + 5 {
        let before = thread_cpu_secs().unwrap_or(0.0);
        let output = ctx.run_ui(input(), |ui| {
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
                    t_end_secs: entry.result.elapsed_secs,
                    setup_secs: Some(entry.result.setup_secs),
                    interactive: true,
                },
                cores_title: entry.label(),
            };
            side_by_side(ui, &view, 370.0);
            timeline_ui(ui, &entry.lanes, entry.result.elapsed_secs, "thread", 190.0, "");
        });
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        let after = thread_cpu_secs().unwrap_or(0.0);
        if frame >= 5 {
            frame_secs.push(after - before); // the first frames warm font atlases and caches
        }
    }
    frame_secs.sort_by(f64::total_cmp);
    let median = frame_secs[frame_secs.len() / 2];
    let worst = frame_secs[frame_secs.len() - 1];
    println!(
        "one frame of the plots, {SPANS} spans and {MAX_GIL_HOLDS} GIL holds in the selected run, 5 runs in the history, 1280×800: \
         median {:.2} ms CPU, worst {:.2} ms over {FRAMES} frames (target < 16 ms)",
        median * 1e3,
        worst * 1e3
    );
}

/// Spans in the opened file's run.
const LOADED_SPANS: u64 = 1_000_000;

/// A result file from a 64-core machine holding one threads run of 1,000,000 spans on 64
/// lanes, written as `run --json` writes it, opened as the window opens one (read, parsed and
/// sorted into lanes on the loading thread), then drawn beside a local run: the load's wall
/// and CPU time, and the median CPU time of a frame with it selected.
fn loaded_file() -> Result<(), String> {
    use concurrency_lab::engine::{Machine, ResultFile};
    use concurrency_lab::export::{Exporter, Json};
    use concurrency_lab::gui::history::Source;
    use concurrency_lab::gui::open_results;

    let lanes = 64;
    let task_secs = 10.0 / (LOADED_SPANS / lanes) as f64;
    let mut run = big_run();
    run.config.tasks = LOADED_SPANS;
    run.config.workers = lanes;
    run.tasks_ok = LOADED_SPANS;
    run.gil_holds.clear();
    run.spans = (0..LOADED_SPANS)
        .map(|task| {
            let (lane, slot) = (task % lanes, task / lanes);
            let start = slot as f64 * task_secs;
            Span { task, worker: lane as u32, start_secs: start, end_secs: start + task_secs * 0.9, ok: true }
        })
        .collect();
    let machine = Machine {
        cpu_brand: "AMD EPYC 7763 64-Core Processor".into(),
        logical_cores: 128,
        physical_cores: Some(64),
        os: "Linux".into(),
        total_memory_bytes: 512 << 30,
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("server.json");
    let bytes = Json.render(&ResultFile::new(machine, vec![run])).map_err(|e| e.to_string())?;
    std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;

    let here = Machine::detect();
    let (wall, cpu) = (std::time::Instant::now(), thread_cpu_secs().unwrap_or(0.0));
    let loaded = open_results::read(&path, &here)?;
    let (load_wall, load_cpu) = (wall.elapsed().as_secs_f64(), thread_cpu_secs().unwrap_or(0.0) - cpu);

    let mut history = History::default();
    history.push(big_run());
    for (result, lanes) in loaded.runs {
        history.push_from(result, lanes, Source::File(loaded.origin.clone()));
    }
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0))),
        ..Default::default()
    };
    let mut frame_secs = Vec::with_capacity(FRAMES);
    for frame in 0..FRAMES + 5 {
        let before = thread_cpu_secs().unwrap_or(0.0);
        let output = ctx.run_ui(input(), |ui| {
            let Some(entry) = history.selected() else { return };
            let machines = history.machines();
            let bars: Vec<RunBar<'_>> = (history.entries().iter().enumerate())
                .map(|(i, e)| RunBar {
                    id: e.id,
                    label: e.label(),
                    short_label: format!("#{}", e.id),
                    result: &e.result,
                    new_group: i > 0 && machines.of_entry[i] != machines.of_entry[i - 1],
                    machine: (machines.of_entry[i] != 0).then(|| machines.labels[machines.of_entry[i]].clone()),
                })
                .collect();
            let view = SideBySide {
                elapsed: ElapsedView { bars: &bars, selected: Some(entry.id), live: None, interactive: true },
                cores: CoresView {
                    empty_note: None,
                    samples: &entry.result.cpu_samples,
                    t_end_secs: entry.result.elapsed_secs,
                    setup_secs: Some(entry.result.setup_secs),
                    interactive: true,
                },
                cores_title: entry.label(),
            };
            side_by_side(ui, &view, 370.0);
            timeline_ui(ui, &entry.lanes, entry.result.elapsed_secs, "thread", 190.0, "");
        });
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        let after = thread_cpu_secs().unwrap_or(0.0);
        if frame >= 5 {
            frame_secs.push(after - before);
        }
    }
    frame_secs.sort_by(f64::total_cmp);
    let median = frame_secs[frame_secs.len() / 2];
    let worst = frame_secs[frame_secs.len() - 1];
    println!(
        "a result file of {LOADED_SPANS} spans ({:.0} MiB of JSON) opened: read and sorted into lanes in {:.2} s \
         ({:.2} s CPU, on the loading thread); one frame with it selected beside a local run: median {:.2} ms CPU, \
         worst {:.2} ms over {FRAMES} frames (target < 16 ms)",
        bytes.len() as f64 / f64::from(1 << 20),
        load_wall,
        load_cpu,
        median * 1e3,
        worst * 1e3
    );
    Ok(())
}
