//! The experiment panel in Sweep mode: the mode switch (one run, or a sweep), the parameter
//! to vary, its values (the command line's syntax, checked as typed: the message names the
//! value or the point and its bound), the backends to include, how many runs that makes, and
//! Run sweep / Stop with the progress and the time left. A sweep over the command line's
//! `--yes` limit asks in a modal dialog first ([`confirm_ui`]).

use eframe::egui::{self, RichText};

use crate::engine::{BackendKind, ExperimentConfig, Vary};
use crate::shared::MAX_UNCONFIRMED_RUNS;

use super::super::command::UiCommand;
use super::super::plots::palette;
use super::super::python_probe::PythonProbe;
use super::super::run_controller::LiveRun;
use super::super::sweeps::{Mode, Plan, Sweep, SweepForm};
use super::controls::progress_ui;
use super::python::unavailable_reason;
use super::widgets::segmented;

pub const VALUES_TOOLTIP: &str = "The values to sweep through, as on the command line: a list (1,2,4,8), \
every whole number of a range (1..16), or a doubling range (1..1024:x2; :x3 triples). At least 2 values, \
increasing, at most 64.";

/// "One run" or "Sweep", at the top of the experiment panel.
/// Returns true when the mode changed.
pub fn mode_ui(ui: &mut egui::Ui, mode: &mut Mode) -> bool {
    let options = [
        (Mode::Run, "One run", "Run the experiment once on the selected backend (or on all of them)."),
        (
            Mode::Sweep,
            "Sweep",
            "Run it again for each value of one parameter, on each chosen backend, and fit the scaling laws.",
        ),
    ];
    segmented(ui, mode, &options)
}

/// What the status bar says before anything happened, in each mode.
pub fn hint(mode: Mode) -> &'static str {
    match mode {
        Mode::Run => "Pick a workload and a backend, then press Run (Ctrl+Enter).",
        Mode::Sweep => "Pick the parameter to vary, its values and the backends, then press Run sweep (Ctrl+Enter).",
    }
}

pub struct SweepControlsView<'a> {
    /// The backends offered (with the Python ones when an interpreter answered).
    pub backends: &'a [BackendKind],
    pub python: Option<&'a PythonProbe>,
    pub live: Option<&'a LiveRun>,
    /// The sweep in progress, for the time left.
    pub running: Option<&'a Sweep>,
}

/// The sweep's own controls, under the experiment's (which set everything but the varied
/// parameter and the backends).
pub fn sweep_controls_ui(
    ui: &mut egui::Ui,
    form: &mut SweepForm,
    base: &ExperimentConfig,
    view: &SweepControlsView<'_>,
) -> Option<UiCommand> {
    ui.separator();
    ui.label("Vary").on_hover_text("The parameter that takes each value in turn; the rest is the experiment above.");
    let options: Vec<(Vary, &str, &str)> = vec![
        (Vary::Workers, "workers", "How many workers (threads, processes, tasks in flight)."),
        (Vary::Tasks, "tasks", "How many tasks: the cost per task shows how the backend's overhead grows."),
        (Vary::Size, "size", "The size of each task's work."),
    ];
    segmented(ui, &mut form.vary, &options);
    ui.horizontal(|ui| {
        let label = ui.label("Values").on_hover_text(VALUES_TOOLTIP);
        let edit = egui::TextEdit::singleline(&mut form.values).hint_text("1,2,4,8 or 1..64:x2").desired_width(150.0);
        ui.add(edit).labelled_by(label.id).on_hover_text(VALUES_TOOLTIP);
    });
    ui.label("Backends").on_hover_text("Each value runs on each of these, one after another.");
    if !form.backends_picked {
        form.backends = vec![base.backend];
    }
    form.backends.retain(|b| view.backends.contains(b));
    ui.horizontal_wrapped(|ui| {
        for &backend in view.backends {
            let mut on = form.backends.contains(&backend);
            let text = RichText::new(backend.name()).color(palette::backend(backend));
            if ui.checkbox(&mut on, text).on_hover_text(backend.summary()).changed() {
                form.backends_picked = true;
                if on {
                    form.backends.push(backend);
                    // Keep the table's order, so the points go backend by backend as listed.
                    form.backends.sort_by_key(|b| view.backends.iter().position(|o| o == b));
                } else {
                    form.backends.retain(|b| *b != backend);
                }
            }
        }
    });
    let python_off = form
        .backends
        .iter()
        .find(|b| b.is_python())
        .and_then(|b| view.python.and_then(unavailable_reason).map(|why| format!("{b}: {why}")));
    let plan = match python_off {
        Some(why) => Err(why),
        None => Plan::from_form(form, base),
    };
    let dark = ui.visuals().dark_mode;
    let (text, color) = match &plan {
        Err(error) => (error.clone(), palette::error_text(dark)),
        Ok(plan) if plan.needs_confirmation() => (
            format!("{}: more than {MAX_UNCONFIRMED_RUNS}, you will be asked to confirm", plan.describe()),
            ui.visuals().warn_fg_color,
        ),
        Ok(plan) => (plan.describe(), ui.visuals().weak_text_color()),
    };
    ui.label(RichText::new(text).color(color));
    let running = view.live.is_some() || view.running.is_some();
    let mut command = None;
    ui.horizontal(|ui| {
        let run = ui.add_enabled(plan.is_ok() && !running, egui::Button::new(RichText::new("Run sweep").strong()));
        if run.on_hover_text("Run every point, one after another (Ctrl+Enter).").clicked() {
            command = Some(UiCommand::RunSweep);
        }
        let stop = ui.add_enabled(running, egui::Button::new("Stop"));
        if stop.on_hover_text("Stop the sweep (Esc); the points that finished are kept.").clicked() {
            command = Some(UiCommand::Stop);
        }
    });
    if let Some(live) = view.live {
        progress_ui(ui, live);
    }
    if let Some(sweep) = view.running {
        let left = match sweep.remaining_secs() {
            Some(secs) => crate::gui::sweeps::about_left(secs),
            None => "the time left shows once the first point is in".to_owned(),
        };
        ui.weak(format!("{} of {} points done · {left}", sweep.done(), sweep.planned));
    }
    command
}

/// Asks before a sweep over the limit runs: Run it, or Cancel (also Esc or a click outside).
pub fn confirm_ui(ctx: &egui::Context, plan: &Plan) -> Option<UiCommand> {
    let mut command = None;
    let modal = egui::Modal::new(egui::Id::unique("confirm_sweep")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading("Run this sweep?");
        ui.label(format!(
            "{}: more than {MAX_UNCONFIRMED_RUNS} runs, which may take a while. Stop keeps the points that finished.",
            plan.describe()
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button(format!("Run all {} runs", plan.runs)).clicked() {
                command = Some(UiCommand::ConfirmSweep);
            }
            if ui.button("Cancel").clicked() {
                command = Some(UiCommand::CancelSweep);
            }
        });
    });
    if command.is_none() && modal.should_close() {
        command = Some(UiCommand::CancelSweep);
    }
    command
}
