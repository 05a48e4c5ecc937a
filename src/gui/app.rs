//! The lab's `eframe::App`: owns the settings, the history and the run controller; draws the
//! panels around the plots and applies the commands they return, once per frame.

use std::path::PathBuf;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

use crate::engine::{BackendKind, ExperimentConfig, Machine};
use crate::presets::{self, Preset, PresetError};

use super::background::Background;
use super::command::UiCommand;
use super::frame_limit::FrameLimit;
use super::history::History;
use super::lanes::Lanes;
use super::open_results::OpenResults;
use super::panels::controls::{ControlsView, controls_ui};
use super::panels::preset_note::preset_note_ui;
use super::panels::status_bar::{Status, status_bar_ui};
use super::panels::sweep_controls::{SweepControlsView, confirm_ui, hint, mode_ui, sweep_controls_ui};
use super::panels::top_bar::{TopBarView, top_bar_ui};
use super::python_probe::PythonProbe;
use super::run_controller::RunController;
use super::save_dialog::{DialogKind, DialogOutcome, SaveDialog};
use super::settings::Settings;
use super::sweeps::{Mode, Sweeps};

mod central;
mod commands;
mod estimates;
mod open;
mod save;
mod script;
mod sweep;
mod undo;

const RUN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
const RUN_ALL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Enter);
const STOP: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Escape);
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
const QUIT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);
const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);

/// How the window was launched (flags for scripted use).
#[derive(Debug, Default)]
pub struct Launch {
    /// `--preset`: loaded into the controls at start-up.
    pub preset: Option<Preset>,
    /// `--png-path`: Save PNG writes here without asking.
    pub png_path: Option<PathBuf>,
    /// `--export-path`: Export data writes here without asking (the format by its extension).
    pub export_path: Option<PathBuf>,
    /// `--run`: run the preset (or the controls' experiment) at start, without asking.
    pub run: bool,
    /// `--exit-when-done`: when the runs end, save to the paths given and exit.
    pub exit_when_done: bool,
}

pub struct LabApp {
    settings: Settings,
    backends: Vec<BackendKind>,
    /// The interpreter of the Python backends; `None` when they are not offered (tests).
    python: Option<PythonProbe>,
    presets: Vec<Result<Preset, PresetError>>,
    /// The preset last loaded, shown above the controls until they change.
    loaded_preset: Option<Preset>,
    history: History,
    runs: RunController,
    /// Lanes to draw before any run (and between runs, when nothing is selected).
    no_lanes: Lanes,
    png_path: Option<PathBuf>,
    export_path: Option<PathBuf>,
    dialog: Option<SaveDialog>,
    /// Figures being drawn and written (Save PNG).
    pngs: Background,
    /// Data files being written (Export data).
    writes: Background,
    /// Result files being read (Open results…, dropped files).
    open: OpenResults,
    /// The files that failed to open, each with its reason, until the list is dismissed.
    open_failures: Vec<String>,
    /// What Clear all removed, until Undo puts it back.
    undo: Option<undo::UndoClear>,
    /// `--run` and `--exit-when-done`.
    script: script::Script,
    status: Status,
    machine: String,
    /// This machine, as a result file names it (Save PNG's figure of the runs made here).
    this_machine: Machine,
    /// The Sweep mode's form and the sweeps run (their points are runs in the history).
    sweeps: Sweeps,
    /// At most 5 frames a second while a run measures (none in tests).
    frame_limit: FrameLimit,
}

impl LabApp {
    pub fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> Self {
        let settings = Settings::load(cc.storage);
        let mut app = Self::with_settings(settings);
        app.frame_limit = FrameLimit::during_runs();
        app.png_path = launch.png_path;
        app.export_path = launch.export_path;
        (app.script.run, app.script.exit_when_done) = (launch.run, launch.exit_when_done);
        if let Some(preset) = launch.preset {
            app.load_preset(preset);
        }
        app
    }

    /// An app with the given settings and no storage (tests, benchmarks).
    pub fn with_settings(settings: Settings) -> Self {
        let machine = Machine::detect();
        let mut sweeps = Sweeps::new(machine.physical_cores.unwrap_or(machine.logical_cores));
        sweeps.form = settings.sweep.clone();
        let status = Status::info(hint(settings.sweep.mode));
        Self {
            settings,
            backends: BackendKind::USER_FACING.to_vec(),
            python: Some(PythonProbe::default()),
            presets: presets::all(),
            loaded_preset: None,
            history: History::default(),
            runs: RunController::default(),
            no_lanes: Lanes::default(),
            png_path: None,
            export_path: None,
            dialog: None,
            pngs: Background::default(),
            writes: Background::default(),
            open: OpenResults::default(),
            open_failures: Vec::new(),
            undo: None,
            script: script::Script::default(),
            status,
            machine: format!("{} · {} logical cores", machine.cpu_brand, machine.logical_cores),
            this_machine: machine,
            sweeps,
            frame_limit: FrameLimit::none(),
        }
    }

    /// Offers exactly these backends instead of the user-facing ones (tests offer the mock):
    /// no Python ones, unless [`Self::with_python`] adds them.
    pub fn with_backends(mut self, backends: Vec<BackendKind>) -> Self {
        self.backends = backends;
        self.python = None;
        self
    }

    /// Offers the Python backends with this interpreter state (tests).
    pub fn with_python(mut self, probe: PythonProbe) -> Self {
        self.python = Some(probe);
        self
    }

    /// What "Run all backends" runs: the offered backends, and the Python ones when an
    /// interpreter answered.
    pub fn all_backends(&self) -> Vec<BackendKind> {
        let python = self.python.as_ref().and_then(PythonProbe::interpreter).map(|_| BackendKind::PYTHON);
        let mut all = self.backends.clone();
        all.extend(python.into_iter().flatten().filter(|b| !self.backends.contains(b)));
        all
    }

    /// Why a Python backend can't run now (no interpreter, or still looking for it).
    fn python_refusal(&self, backends: &[BackendKind]) -> Option<String> {
        let python = backends.iter().find(|b| b.is_python())?;
        let reason = match &self.python {
            None => Some("the Python backends are not offered here".to_owned()),
            Some(probe) => super::panels::python::unavailable_reason(probe),
        };
        reason.map(|why| format!("{python}: {why}"))
    }

    /// Save PNG writes here without asking (the `--png-path` flag; tests).
    pub fn with_png_path(mut self, path: PathBuf) -> Self {
        self.png_path = Some(path);
        self
    }

    /// Export data writes here without asking (the `--export-path` flag; tests).
    pub fn with_export_path(mut self, path: PathBuf) -> Self {
        self.export_path = Some(path);
        self
    }

    /// Runs at start without asking, and with `exit_when_done` saves and closes when the runs
    /// end (the `--run` and `--exit-when-done` flags; tests).
    pub fn with_script(mut self, run: bool, exit_when_done: bool) -> Self {
        (self.script.run, self.script.exit_when_done) = (run, exit_when_done);
        self
    }

    /// The settings, to change them as the controls would (tests, scripted use).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    pub fn is_running(&self) -> bool {
        self.runs.is_running()
    }

    /// True while a figure is being drawn or a PNG or data file written.
    pub fn is_saving(&self) -> bool {
        self.pngs.is_busy() || self.writes.is_busy()
    }

    pub fn load_preset(&mut self, preset: Preset) {
        if let Some(config) = preset.configs().into_iter().next() {
            // The interpreter is the user's setting, not the preset's.
            let (python, start_method) = (self.settings.config.python.take(), self.settings.config.start_method);
            self.settings.config =
                ExperimentConfig { python, start_method: config.start_method.or(start_method), ..config };
        }
        if let Some(spec) = &preset.sweep {
            self.sweeps.fill_form(spec, &preset.backends);
        }
        self.status = Status::info(format!("Loaded preset “{}”: {}", preset.name, preset.description));
        self.loaded_preset = Some(preset);
    }
}

impl eframe::App for LabApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let urgent = ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::Key { pressed: true, .. } | egui::Event::PointerButton { .. }))
        });
        self.frame_limit.pace(self.runs.is_running(), urgent);
        self.poll_runs();
        self.poll_open();
        self.drive_script(ctx);
        if let Some(probe) = &mut self.python {
            probe.poll(self.settings.config.python.as_deref(), ctx);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut commands: Vec<UiCommand> = self.shortcuts(&ctx).into_iter().collect();
        let top = TopBarView {
            presets: &self.presets,
            can_save_png: !self.pngs.is_busy() && !self.history.is_empty(),
            can_export: !self.history.is_empty(),
        };
        commands.extend(egui::Panel::top("top_bar").show(ui, |ui| top_bar_ui(ui, &top)).inner);
        let undoable = self.undoable_runs();
        let status =
            egui::Panel::bottom("status_bar").show(ui, |ui| status_bar_ui(ui, &self.status, &self.machine, undoable));
        commands.extend(status.inner);
        let controls = egui::Panel::left("experiment").resizable(true).default_size(330.0).show(ui, |ui| {
            egui::ScrollArea::vertical()
                .show(ui, |ui| {
                    let mut command = None;
                    if let Some(preset) = &self.loaded_preset {
                        let estimate = self.preset_estimate();
                        let running = self.runs.is_running();
                        command = preset_note_ui(ui, preset, &self.settings, running, estimate.as_deref());
                    }
                    let mode = &mut self.sweeps.form.mode;
                    if mode_ui(ui, mode) && [Mode::Run, Mode::Sweep].iter().any(|&m| self.status.text == hint(m)) {
                        self.status = Status::info(hint(*mode));
                    }
                    let backends = self.all_backends();
                    let sweep = (self.sweeps.form.mode == Mode::Sweep).then_some(self.sweeps.form.vary);
                    let (python, live) = (self.python.as_ref(), self.runs.live());
                    let run_all_estimate = if sweep.is_none() { self.run_all_estimate() } else { None };
                    let view = ControlsView { backends: &backends, python, live, sweep, run_all_estimate };
                    command = controls_ui(ui, &mut self.settings, &view).or(command);
                    if sweep.is_some() {
                        let running = self.sweeps.running().cloned();
                        let view = SweepControlsView { backends: &backends, python, live, running: running.as_ref() };
                        command =
                            sweep_controls_ui(ui, &mut self.sweeps.form, &self.settings.config, &view).or(command);
                    }
                    command
                })
                .inner
        });
        commands.extend(controls.inner);
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui, &mut commands));
        if let Some(dialog) = &mut self.dialog {
            match dialog.ui(&ctx) {
                DialogOutcome::Open => {}
                DialogOutcome::Cancelled => self.dialog = None,
                DialogOutcome::Chosen(paths) => {
                    let kind = dialog.kind;
                    self.dialog = None;
                    match kind {
                        DialogKind::Open => self.open_results(paths, &ctx),
                        _ => {
                            if let Some(path) = paths.into_iter().next() {
                                self.save_to(kind, path, &ctx);
                            }
                        }
                    }
                }
            }
        }
        commands.extend(self.sweeps.pending().and_then(|plan| confirm_ui(&ctx, plan)));
        self.drop_ui(&ctx);
        for command in commands {
            self.apply(command, &ctx);
        }
        if self.runs.is_running() {
            // Keep the elapsed counter and the live bar moving between engine events.
            ctx.request_repaint_after(super::run_controller::REPAINT_AFTER);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.sweep = self.sweeps.form.clone();
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }

    fn on_exit(&mut self) {
        self.script.closing();
        // Closing the window stops the run the way Stop does; dropping the controller then
        // joins the run thread, which kills and reaps any worker processes.
        self.runs.stop();
        // A PNG or export still being written is finished, not lost (bounded: a stuck disk
        // must not keep the window from closing; a software renderer takes seconds).
        let timeout = std::time::Duration::from_secs(5);
        for report in self.writes.wait(timeout).into_iter().chain(self.pngs.wait(timeout * 4)) {
            if let Err(e) = report {
                crate::shared::say(format_args!("{e}"));
            }
        }
    }
}
