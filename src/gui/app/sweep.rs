//! The app's side of sweeps: planning one from the Sweep mode's controls or a sweep preset,
//! refusing it (the engine's message) or asking first (over the command line's `--yes` limit),
//! starting its points on the run controller, and drawing it in the centre: the sweep charts
//! and under them the core plot of the selected or running point.

use eframe::egui::{self, RichText};

use crate::engine::{BackendKind, ExperimentConfig};

use super::super::command::UiCommand;
use super::super::history::RunId;
use super::super::panels::status_bar::Status;
use super::super::plots::cores::{CoresView, cores_plot};
use super::super::plots::sweep::{SweepChartsView, sweep_charts_ui};
use super::super::sweeps::{Mode, Plan, Sweep, Sweeps, about_left};
use super::LabApp;

impl LabApp {
    /// The sweeps run so far and the Sweep mode's form (tests, scripted use).
    pub fn sweeps(&self) -> &Sweeps {
        &self.sweeps
    }

    pub fn sweeps_mut(&mut self) -> &mut Sweeps {
        &mut self.sweeps
    }

    /// Where each point of the shown sweep was drawn last frame, by run (tests click them).
    pub fn sweep_points_on_screen(&self) -> &[(RunId, egui::Pos2)] {
        &self.sweeps.points_on_screen
    }

    /// Run sweep: the form's sweep on the experiment the controls show.
    pub(super) fn request_sweep(&mut self, ctx: &egui::Context) {
        let plan = Plan::from_form(&self.sweeps.form, &self.settings.config);
        self.offer_sweep(plan, ctx, true);
    }

    /// Refuses a bad sweep with its message, asks about a long one (when `ask`), starts the
    /// rest.
    pub(super) fn offer_sweep(&mut self, plan: Result<Plan, String>, ctx: &egui::Context, ask: bool) {
        let plan = plan.and_then(|plan| {
            let backends: Vec<BackendKind> = plan.configs.iter().map(|c| c.backend).collect();
            self.python_refusal(&backends).map_or(Ok(plan), Err)
        });
        match plan {
            Err(e) => self.status = Status::error(format!("Not run: {e}")),
            Ok(plan) if ask && plan.needs_confirmation() => self.sweeps.ask(plan),
            Ok(plan) => self.start_sweep(plan, ctx),
        }
    }

    /// The sweep the dialog asked about, confirmed.
    pub(super) fn confirm_sweep(&mut self, ctx: &egui::Context) {
        if let Some(plan) = self.sweeps.take_pending() {
            self.start_sweep(plan, ctx);
        }
    }

    fn start_sweep(&mut self, plan: Plan, ctx: &egui::Context) {
        if self.runs.is_running() {
            return;
        }
        let (points, what) = (plan.configs.len(), plan.describe());
        let spec = plan.spec;
        self.start(plan.configs, ctx);
        if self.runs.is_running() {
            self.status = Status::info(format!("Sweeping {}: {what}…", spec.vary));
            self.sweeps.begin(spec, points);
            self.sweeps.form.mode = Mode::Sweep;
        }
    }

    /// Run this preset: its backends with its worker counts, and a sweep preset as a sweep
    /// (asking first over the limit, when `ask`).
    pub(super) fn run_preset(&mut self, ctx: &egui::Context, ask: bool) {
        // The controls show the preset's experiment again: what runs is what they show.
        if let Some(preset) = self.loaded_preset.clone() {
            self.load_preset(preset);
        }
        let Some(preset) = &self.loaded_preset else { return };
        if let Some(why) = self.python_refusal(&preset.backends) {
            self.status = Status::error(format!("Not run: {why}"));
            return;
        }
        let configs = self.preset_configs(preset);
        if let Some(spec) = preset.sweep.clone() {
            self.sweeps.fill_form(&spec, &preset.backends);
            let plan = Plan::new(spec, &configs);
            return self.offer_sweep(plan, ctx, ask);
        }
        let configs: Result<Vec<_>, String> =
            (configs.into_iter()).map(|c| c.validate().map_err(|e| format!("{}: {e}", c.backend))).collect();
        match configs {
            Ok(configs) => self.start(configs, ctx),
            Err(e) => self.status = Status::error(format!("Not run: {e}")),
        }
    }

    /// What Run this preset runs: the preset's configs with the user's interpreter (a sweep
    /// preset's base configs, one per backend).
    pub(super) fn preset_configs(&self, preset: &crate::presets::Preset) -> Vec<ExperimentConfig> {
        let user = &self.settings.config;
        let as_run = |c: ExperimentConfig| ExperimentConfig {
            python: user.python.clone(),
            start_method: c.start_method.or(user.start_method),
            ..c
        };
        preset.configs().into_iter().map(as_run).collect()
    }

    /// The sweep in the centre: its charts, then the core plot of the running or selected
    /// point. Returns where each point was drawn, by run.
    pub(super) fn sweep_ui(
        &self,
        ui: &mut egui::Ui,
        sweep: &Sweep,
        cores: &CoresView<'_>,
        cores_title: &str,
        commands: &mut Vec<UiCommand>,
    ) -> Vec<(RunId, egui::Pos2)> {
        let height = ui.available_height();
        let (report, ids) = sweep.report(&self.history, self.sweeps.cores);
        let selected = self.history.selected().and_then(|e| ids.iter().position(|&id| id == e.id));
        let mut caption = sweep.caption();
        if let Some(secs) = sweep.remaining_secs() {
            caption += &format!(" · {}", about_left(secs));
        }
        caption += " · click a point to open its run";
        let view = SweepChartsView {
            report: &report,
            cores: self.sweeps.cores,
            selected,
            interactive: true,
            height: (height * 0.42).max(260.0),
            caption,
        };
        let response = sweep_charts_ui(ui, &view);
        commands.extend(response.clicked.and_then(|i| ids.get(i)).map(|&id| UiCommand::Select(id)));
        let points = response.points_on_screen.iter().filter_map(|&(i, pos)| Some((*ids.get(i)?, pos))).collect();
        ui.add_space(6.0);
        ui.label(RichText::new(format!("Core utilization — {cores_title}")).heading());
        cores_plot(ui, cores, ui.available_width(), 240.0);
        points
    }
}
