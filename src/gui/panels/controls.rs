//! The "Experiment" panel on the left: workload and size, tasks, backend, workers, GIL,
//! repetitions; Run, Run all backends and Stop (in Sweep mode, `sweep_controls` has the backends
//! and the buttons); the progress of the run in progress. Every
//! control has a tooltip; a config the engine refuses shows the engine's message and
//! disables Run instead of failing later.

use eframe::egui::{self, ProgressBar, RichText};

use crate::engine::{
    BackendKind, ExperimentConfig, IO_WAIT_BOUNDS_MILLIS, MAX_REPEAT, MAX_TASKS, MAX_WARMUP, STEPS_BOUNDS, ValidConfig,
    Vary, WorkloadKind, logical_cores, thousands,
};
use crate::report::format;

use super::super::command::UiCommand;
use super::super::plots::palette;
use super::super::python_probe::PythonProbe;
use super::super::run_controller::LiveRun;
use super::super::settings::Settings;
use super::python::{interpreter_ui, python_backends_ui, unavailable_reason};
use super::widgets::{count_slider, segmented};

pub const GIL_TOOLTIP: &str = "Emulate CPython's Global Interpreter Lock: CPU work must hold one lock per \
process, handed over every 5 ms as in CPython. With it on, threads take turns on one core (as in Python); \
processes each have their own lock and still run in parallel. Waiting (sleep, I/O) releases it. \
Off shows how Rust differs: threads run CPU work in parallel.";

pub struct ControlsView<'a> {
    /// The backends offered (the user-facing ones; tests add the mock), with the Python ones
    /// when an interpreter answered.
    pub backends: &'a [BackendKind],
    /// The Python interpreter, when the Python backends are offered at all.
    pub python: Option<&'a PythonProbe>,
    pub live: Option<&'a LiveRun>,
    /// Sweep mode, and the parameter it varies: the sweep's controls follow, with its own
    /// backends and buttons, and the varied parameter's slider is greyed.
    pub sweep: Option<Vary>,
    /// How long Run all backends would take, in words (shown under the buttons).
    pub run_all_estimate: Option<String>,
}

/// The configs "Run all backends" would run: the same workload on each backend.
pub fn all_backend_configs(config: &ExperimentConfig, backends: &[BackendKind]) -> Result<Vec<ValidConfig>, String> {
    backends
        .iter()
        .map(|&backend| {
            ExperimentConfig { backend, ..config.clone() }.validate().map_err(|e| format!("{backend}: {e}"))
        })
        .collect()
}

pub fn controls_ui(ui: &mut egui::Ui, settings: &mut Settings, view: &ControlsView<'_>) -> Option<UiCommand> {
    ui.spacing_mut().slider_width = 150.0;
    ui.heading("Experiment");
    ui.add_space(4.0);
    workload_ui(ui, settings, view.sweep);
    ui.separator();
    let config = &mut settings.config;
    swept(ui, view.sweep, Vary::Tasks, |ui| {
        count_slider(
            ui,
            "Tasks",
            &mut config.tasks,
            (1, MAX_TASKS),
            true,
            None,
            "How many tasks to run. Each does the workload once.",
        )
    });
    ui.add_space(2.0);
    if view.sweep.is_none() {
        ui.label("Backend").on_hover_text("How the tasks run.");
        let options: Vec<(BackendKind, &str, &str)> =
            view.backends.iter().filter(|b| !b.is_python()).map(|&b| (b, b.name(), b.summary())).collect();
        segmented(ui, &mut config.backend, &options);
    }
    if let Some(probe) = view.python {
        if view.sweep.is_none() {
            python_backends_ui(ui, &mut config.backend, probe);
        }
        egui::CollapsingHeader::new("Python interpreter")
            .default_open(config.backend.is_python())
            .show(ui, |ui| interpreter_ui(ui, config, probe));
    }
    let cores = logical_cores();
    let (max_workers, _) = config.max_workers();
    let cores_mark = format!("this machine's {cores} cores");
    swept(ui, view.sweep, Vary::Workers, |ui| {
        count_slider(
            ui,
            &format!("Workers ({})", config.backend.workers_meaning()),
            &mut config.workers,
            (1, max_workers.max(2)),
            true,
            Some((cores, &cores_mark)),
            &format!("How many {} (at most {max_workers}).", config.backend.workers_meaning()),
        )
    });
    let steps_tip = "Each task does its work in this many steps, yielding between them. Above 1 the \
        order of steps is recorded, and repetitions count how many different orders occurred: one \
        event loop always gives the same order, threads rarely do.";
    let mut steps = u64::from(config.steps);
    if count_slider(ui, "Steps per task", &mut steps, STEPS_BOUNDS, true, None, steps_tip) {
        config.steps = u32::try_from(steps).unwrap_or(u32::MAX);
    }
    let python = config.backend.is_python();
    ui.add_enabled(!python, egui::Checkbox::new(&mut config.gil, "Emulate the GIL"))
        .on_hover_text(GIL_TOOLTIP)
        .on_disabled_hover_text(
            "The Python backends run under your interpreter's own GIL (or none, on a free-threaded build); \
             the emulated one is for the lab's Rust backends.",
        );
    let mut repeat = u64::from(config.repeat);
    let repeat_tip = "Measured repetitions: the median is reported, with min–max whiskers on the chart.";
    if count_slider(ui, "Repetitions", &mut repeat, (1, MAX_REPEAT), true, None, repeat_tip) {
        config.repeat = u32::try_from(repeat).unwrap_or(u32::MAX);
    }
    let mut warmup = u64::from(config.warmup);
    let warmup_tip = "Unmeasured runs first (warm caches, page in the binary).";
    if count_slider(ui, "Warm-ups", &mut warmup, (0, MAX_WARMUP), false, None, warmup_tip) {
        config.warmup = u32::try_from(warmup).unwrap_or(u32::MAX);
    }
    if view.sweep.is_some() {
        return None;
    }
    ui.separator();
    run_buttons_ui(ui, config, view)
}

/// `add` greyed when the sweep varies `parameter` (its values come from the sweep's list).
fn swept<R>(ui: &mut egui::Ui, sweep: Option<Vary>, parameter: Vary, add: impl FnOnce(&mut egui::Ui) -> R) {
    let varied = sweep == Some(parameter);
    let response = ui.add_enabled_ui(!varied, add).response;
    if varied {
        response
            .on_disabled_hover_text(format!("The sweep varies {parameter}: its values come from the sweep's list."));
    }
}

fn workload_ui(ui: &mut egui::Ui, settings: &mut Settings, sweep: Option<Vary>) {
    ui.label("Workload").on_hover_text("What each task does.");
    let mut kind = settings.config.workload.kind;
    let options: Vec<(WorkloadKind, &str, &str)> =
        WorkloadKind::ALL.iter().map(|&k| (k, k.name(), k.summary())).collect();
    if segmented(ui, &mut kind, &options) {
        settings.set_workload_kind(kind);
    }
    let workload = &mut settings.config.workload;
    let sizes = workload.size.values().to_vec();
    if kind == WorkloadKind::Noop {
        ui.weak("No size: each task does nothing, so the run measures dispatch overhead.");
        return;
    }
    let mut size = sizes.first().copied().unwrap_or_else(|| kind.default_size());
    let label = format!("Size ({})", kind.size_unit());
    let (lo, hi) = kind.size_bounds();
    let logarithmic = hi > 100 * lo.max(1);
    let tip = "The size of each task's work. Bigger means longer tasks.";
    swept(ui, sweep, Vary::Size, |ui| {
        if count_slider(ui, &label, &mut size, (lo, hi), logarithmic, None, tip) {
            workload.size = crate::engine::Sizes::one(size);
        }
    });
    if kind == WorkloadKind::Mixed {
        let tip = "The I/O wait of each task, after its CPU part.";
        count_slider(ui, "I/O wait (ms)", &mut settings.config.io_wait_millis, IO_WAIT_BOUNDS_MILLIS, true, None, tip);
    }
    let workload = &settings.config.workload;
    let each = if sizes.len() > 1 && workload.size.values().len() > 1 {
        format!("tasks cycle through {} (from the preset; the slider sets one size)", workload.describe())
    } else {
        format!("each task: {}", kind.describe(size))
    };
    ui.label(RichText::new(each).weak());
}

fn run_buttons_ui(ui: &mut egui::Ui, config: &ExperimentConfig, view: &ControlsView<'_>) -> Option<UiCommand> {
    let running = view.live.is_some();
    let python_off = view.python.and_then(unavailable_reason).filter(|_| config.backend.is_python());
    let valid = match python_off {
        Some(why) => Err(format!("{}: {why}", config.backend)),
        None => config.validate().map_err(|e| e.to_string()),
    };
    let all = all_backend_configs(config, view.backends);
    let mut command = None;
    if let Err(error) = &valid {
        ui.label(RichText::new(error).color(palette::error_text(ui.visuals().dark_mode)));
    } else if let Err(error) = &all {
        ui.label(RichText::new(format!("Run all backends is off: {error}")).weak());
    }
    ui.horizontal_wrapped(|ui| {
        let run = ui.add_enabled(valid.is_ok() && !running, egui::Button::new(RichText::new("Run").strong()));
        if run.on_hover_text("Run this experiment (Ctrl+Enter).").clicked() {
            command = Some(UiCommand::Run);
        }
        let all_button = ui.add_enabled(all.is_ok() && !running, egui::Button::new("Run all backends"));
        if all_button
            .on_hover_text("The same workload on every backend, one after another (Ctrl+Shift+Enter).")
            .clicked()
        {
            command = Some(UiCommand::RunAllBackends);
        }
        let stop = ui.add_enabled(running, egui::Button::new("Stop"));
        if stop.on_hover_text("Stop the run (Esc). Worker processes are killed and reaped.").clicked() {
            command = Some(UiCommand::Stop);
        }
    });
    if let Some(live) = view.live {
        progress_ui(ui, live);
    } else if let Some(estimate) = view.run_all_estimate.as_ref().filter(|_| all.is_ok()) {
        ui.add(egui::Label::new(RichText::new(format!("Run all backends takes {estimate}.")).small().weak()).wrap());
    }
    command
}

pub(super) fn progress_ui(ui: &mut egui::Ui, live: &LiveRun) {
    let fraction = if live.tasks_total > 0 { live.tasks_done as f32 / live.tasks_total as f32 } else { 0.0 };
    let text = format!(
        "{} / {} tasks · {}",
        thousands(live.tasks_done),
        thousands(live.tasks_total),
        format::duration(live.elapsed_secs())
    );
    ui.add(ProgressBar::new(fraction).text(text)).on_hover_text("Tasks done in the current repetition.");
    let mut what = format!("running {}", live.config.backend);
    if live.of > 1 {
        what += &format!(" ({} of {})", live.index + 1, live.of);
    }
    match live.repetition {
        None => what += " · starting",
        Some(n) if live.warmup => what += &format!(" · warm-up {n} of {}", live.config.warmup),
        Some(n) if live.config.repeat > 1 => what += &format!(" · repetition {n} of {}", live.config.repeat),
        Some(_) => {}
    }
    ui.label(RichText::new(what).color(palette::backend(live.config.backend)));
}
