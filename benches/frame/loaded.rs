//! A result file of 1,000,000 spans from another machine, opened as the window opens one, and
//! a frame with it selected beside a local run.

use concurrency_lab::engine::{Span, thread_cpu_secs};
use concurrency_lab::gui::history::History;
use concurrency_lab::gui::plots::cores::CoresView;
use concurrency_lab::gui::plots::elapsed::{ElapsedView, RunBar};
use concurrency_lab::gui::plots::timeline::timeline_ui;
use concurrency_lab::gui::plots::{SideBySide, side_by_side};

use super::{FRAMES, big_run, frame_times};

/// Spans in the opened file's run.
const LOADED_SPANS: u64 = 1_000_000;

/// A result file from a 64-core machine holding one threads run of 1,000,000 spans on 64
/// lanes, written as `run --json` writes it, opened as the window opens one (read, parsed and
/// sorted into lanes on the loading thread), then drawn beside a local run: the load's wall
/// and CPU time, and the median CPU time of a frame with it selected.
pub fn loaded_file() -> Result<(), String> {
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
    let (median, worst) = frame_times(|ui| {
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
