//! The commands the panels return, applied once per frame (`apply`), the keyboard shortcuts
//! that make the same commands, starting runs, and draining what the run thread and the file
//! writers report since the last frame.

use eframe::egui;

use super::super::command::UiCommand;
use super::super::panels::controls::all_backend_configs;
use super::super::panels::status_bar::Status;
use super::super::sweeps::Mode;
use super::{LabApp, QUIT, RUN, RUN_ALL, SAVE, STOP, UNDO};

impl LabApp {
    pub(super) fn apply(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::Run => match self.python_refusal(&[self.settings.config.backend]) {
                Some(why) => self.status = Status::error(format!("Not run: {why}")),
                None => match self.settings.config.validate() {
                    Ok(config) => self.start(vec![config], ctx),
                    Err(e) => self.status = Status::error(format!("Not run: {e}")),
                },
            },
            UiCommand::RunAllBackends => match all_backend_configs(&self.settings.config, &self.all_backends()) {
                Ok(configs) => {
                    let estimate = self.run_all_estimate();
                    self.start(configs, ctx);
                    self.say_estimate(estimate);
                }
                Err(e) => self.status = Status::error(format!("Not run: {e}")),
            },
            UiCommand::Stop => {
                if self.runs.is_running() {
                    self.runs.stop();
                    self.status = Status::info("Stopping…");
                }
            }
            UiCommand::LoadPreset(preset) => self.load_preset(*preset),
            UiCommand::RunPreset => {
                let estimate = self.preset_estimate();
                self.run_preset(ctx, true);
                self.say_estimate(estimate);
            }
            UiCommand::RunSweep => self.request_sweep(ctx),
            UiCommand::ConfirmSweep => self.confirm_sweep(ctx),
            UiCommand::CancelSweep => drop(self.sweeps.take_pending()),
            UiCommand::Select(id) => self.history.select(id),
            UiCommand::Delete(id) => self.history.delete(id),
            UiCommand::ClearHistory => self.clear_history(),
            UiCommand::UndoClear => self.undo_clear(),
            UiCommand::SavePng => self.save_png(ctx),
            UiCommand::ExportData => self.export_data(ctx),
            UiCommand::OpenResults => self.browse_results(),
            // The run stops in `on_exit`, as when the window's close button is used.
            UiCommand::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    pub(super) fn start(&mut self, configs: Vec<crate::engine::ValidConfig>, ctx: &egui::Context) {
        if self.runs.is_running() {
            return;
        }
        let what = configs.iter().map(|c| c.backend.name()).collect::<Vec<_>>().join(", ");
        match self.runs.start(configs, ctx) {
            Ok(()) => self.status = Status::info(format!("Running on {what}…")),
            Err(e) => self.status = Status::error(format!("Could not start the run thread: {e}")),
        }
    }

    /// Adds the estimate to the status line of a run that started.
    fn say_estimate(&mut self, estimate: Option<String>) {
        if let Some(estimate) = estimate.filter(|_| self.runs.is_running() && !self.status.error) {
            self.status.text = format!("{} {estimate}", self.status.text);
        }
    }

    /// Drains the run's events and finished results.
    pub(super) fn poll_runs(&mut self) {
        for result in self.runs.poll() {
            self.status = Status::info(format!(
                "{} finished: {} in {}",
                result.config.backend,
                result.outcome.name(),
                crate::report::format::duration(result.elapsed_secs)
            ));
            let outcome = result.outcome;
            self.script.finished(outcome);
            let id = self.history.push(result);
            self.sweeps.finished(id, outcome);
        }
        if !self.runs.is_running() {
            self.sweeps.end();
        }
        for report in self.writes.poll().into_iter().chain(self.pngs.poll()) {
            self.script.wrote(&report);
            self.status = match report {
                Ok(text) => Status::info(text),
                Err(text) => Status::error(text),
            };
        }
    }

    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) -> Option<UiCommand> {
        if self.dialog.is_some() || self.sweeps.pending().is_some() {
            return None;
        }
        let run = if self.sweeps.form.mode == Mode::Sweep { UiCommand::RunSweep } else { UiCommand::Run };
        // Esc stops a run; otherwise it is left to close menus and cancel edits.
        let running = self.runs.is_running();
        // Ctrl+Z in a text field is the field's own undo.
        let undo = self.undo.is_some() && !ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            // The longer shortcut first: Ctrl+Enter would also match Ctrl+Shift+Enter.
            if i.consume_shortcut(&RUN_ALL) {
                Some(UiCommand::RunAllBackends)
            } else if i.consume_shortcut(&RUN) {
                Some(run)
            } else if i.consume_shortcut(&SAVE) {
                Some(UiCommand::SavePng)
            } else if running && i.consume_shortcut(&STOP) {
                Some(UiCommand::Stop)
            } else if i.consume_shortcut(&QUIT) {
                Some(UiCommand::Quit)
            } else if undo && i.consume_shortcut(&UNDO) {
                Some(UiCommand::UndoClear)
            } else {
                None
            }
        })
    }
}
