//! The scripted window (`--run`, `--exit-when-done`), for screenshots, demos and tests: at
//! start it runs the loaded preset as Run this preset does (a sweep preset as a sweep), or the
//! controls' experiment (the sweep, in Sweep mode), without asking for any confirmation; when
//! the runs end it saves the figure to `--png-path` and the data to `--export-path` where
//! given, waits for both files, and closes the window. The exit code is the command line's: 0
//! done, 1 a run failed or a file could not be written, 2 the run was refused (its message on
//! stderr). A Python preset waits for the interpreter probe before it starts.

use eframe::egui;

use crate::engine::Outcome;
use crate::shared::say;

use super::super::background::Report;
use super::super::panels::status_bar::Status;
use super::super::python_probe::Detection;
use super::super::sweeps::{Mode, Plan};
use super::LabApp;

#[derive(Debug, Default)]
pub(super) struct Script {
    pub run: bool,
    pub exit_when_done: bool,
    phase: Phase,
    failed_runs: usize,
    failed_files: usize,
    /// The exit code once decided (the window is then closing).
    pub exit_code: Option<u8>,
}

#[derive(Debug, Default, PartialEq)]
enum Phase {
    /// `--run` given, not started yet.
    #[default]
    Start,
    Running,
    Saving,
    Done,
}

impl Script {
    /// A run ended (scripted or not).
    pub fn finished(&mut self, outcome: Outcome) {
        // A stopped run did not do what the script asked either.
        if outcome != Outcome::Completed {
            self.failed_runs += 1;
        }
    }

    /// The window closes: a scripted run that had not decided its exit code (closed by hand
    /// mid-run, its files unwritten) did not do what it was asked.
    pub fn closing(&mut self) {
        if self.exit_when_done && self.exit_code.is_none() {
            self.exit_code = Some(1);
            super::super::set_exit_code(1);
        }
    }

    /// A PNG refused before its thread started (nothing to draw yet).
    pub fn png_refused(&mut self, why: &str) {
        if self.phase == Phase::Saving {
            self.failed_files += 1;
            say(format_args!("Error: PNG not saved: {why}"));
        }
    }

    /// A file write reported.
    pub fn wrote(&mut self, report: &Report) {
        if self.phase == Phase::Saving {
            match report {
                Ok(text) => say(format_args!("{text}")),
                Err(text) => {
                    self.failed_files += 1;
                    say(format_args!("Error: {text}"));
                }
            }
        }
    }
}

impl LabApp {
    /// The exit code `--exit-when-done` decided, once the window is closing for it.
    pub fn script_exit_code(&self) -> Option<u8> {
        self.script.exit_code
    }

    /// Advances the scripted run, once per frame.
    pub(super) fn drive_script(&mut self, ctx: &egui::Context) {
        match self.script.phase {
            Phase::Start if !self.script.run => self.script.phase = Phase::Done,
            Phase::Start => {
                // The Sweep mode's backends as its panel defaults them, which has not drawn yet.
                if !self.sweeps.form.backends_picked {
                    self.sweeps.form.backends = vec![self.settings.config.backend];
                }
                if self.waits_for_python() {
                    return ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
                self.start_scripted(ctx);
                if self.runs.is_running() {
                    self.script.phase = Phase::Running;
                } else if self.script.exit_when_done {
                    say(format_args!("Error: --run: {}", self.status.text));
                    self.close_with(2, ctx);
                } else {
                    self.script.phase = Phase::Done;
                }
            }
            Phase::Running if self.runs.is_running() => {}
            Phase::Running if self.script.exit_when_done => {
                self.script.phase = Phase::Saving;
                if self.png_path.is_some() {
                    self.save_png(ctx);
                }
                if self.export_path.is_some() {
                    self.export_data(ctx);
                }
            }
            Phase::Running => self.script.phase = Phase::Done,
            Phase::Saving if self.pngs.is_busy() || self.writes.is_busy() => {}
            Phase::Saving => {
                let failed = self.script.failed_runs > 0 || self.script.failed_files > 0;
                self.close_with(u8::from(failed), ctx);
            }
            Phase::Done => {}
        }
    }

    fn close_with(&mut self, code: u8, ctx: &egui::Context) {
        self.script.phase = Phase::Done;
        self.script.exit_code = Some(code);
        super::super::set_exit_code(code);
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Whether what `--run` runs needs the Python interpreter the probe is still looking for.
    fn waits_for_python(&self) -> bool {
        let backends = match &self.loaded_preset {
            Some(preset) => preset.backends.clone(),
            None if self.sweeps.form.mode == Mode::Sweep => self.sweeps.form.backends.clone(),
            None => vec![self.settings.config.backend],
        };
        let looking = self.python.as_ref().is_some_and(|p| matches!(p.detection(), Detection::Looking));
        looking && backends.iter().any(|b| b.is_python())
    }

    /// What `--run` runs: the preset as Run this preset does, else the controls' experiment
    /// (the sweep in Sweep mode), never asking.
    fn start_scripted(&mut self, ctx: &egui::Context) {
        if self.loaded_preset.is_some() {
            return self.run_preset(ctx, false);
        }
        if self.sweeps.form.mode == Mode::Sweep {
            let plan = Plan::from_form(&self.sweeps.form, &self.settings.config);
            return self.offer_sweep(plan, ctx, false);
        }
        match self.python_refusal(&[self.settings.config.backend]) {
            Some(why) => self.status = Status::error(format!("Not run: {why}")),
            None => match self.settings.config.validate() {
                Ok(config) => self.start(vec![config], ctx),
                Err(e) => self.status = Status::error(format!("Not run: {e}")),
            },
        }
    }
}
