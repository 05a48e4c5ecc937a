//! Save PNG and Export data: where the save dialog opens (the last folder used, else the
//! pictures folder), and what a chosen path starts on a background thread: the figure of the
//! runs the plots show (`png_export.rs`), or the history's runs as data (`data_export.rs`).
//! `--png-path` and `--export-path` skip the dialog.

use std::path::PathBuf;

use eframe::egui;

use crate::engine::RunResult;
use crate::report;

use super::super::data_export;
use super::super::panels::status_bar::Status;
use super::super::png_export::Figure;
use super::super::save_dialog::{DialogKind, SaveDialog};
use super::super::utc_stamp;
use super::LabApp;

impl LabApp {
    pub(super) fn open_dialog(&mut self, kind: DialogKind) {
        let dir = self.settings.save_dir.clone().filter(|d| d.is_dir()).unwrap_or_else(default_save_dir);
        self.dialog = Some(SaveDialog::new(kind, &dir, &utc_stamp(std::time::SystemTime::now())));
    }

    /// Save PNG: to `--png-path` when given, else where the dialog says.
    pub(super) fn save_png(&mut self, ctx: &egui::Context) {
        match self.png_path.clone() {
            Some(path) => self.save_to(DialogKind::Png, path, ctx),
            None => self.open_dialog(DialogKind::Png),
        }
    }

    /// Export data: to `--export-path` when given, else where the dialog says.
    pub(super) fn export_data(&mut self, ctx: &egui::Context) {
        match self.export_path.clone() {
            Some(path) => self.save_to(DialogKind::Data, path, ctx),
            None => self.open_dialog(DialogKind::Data),
        }
    }

    pub(super) fn save_to(&mut self, kind: DialogKind, path: PathBuf, ctx: &egui::Context) {
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            self.settings.save_dir = Some(dir.to_owned());
        }
        match kind {
            DialogKind::Png => match self.figure(ctx) {
                Ok(figure) => {
                    self.status = Status::info(format!("Drawing the figure for {}…", path.display()));
                    self.pngs.spawn("lab-ui-png", ctx, move || figure.write(&path));
                }
                Err(why) => {
                    self.script.png_refused(&why);
                    self.status = Status::error(format!("PNG not saved: {why}"));
                }
            },
            DialogKind::Data => {
                let (runs, sweep) = self.export_runs();
                self.writes.spawn("lab-ui-export", ctx, move || data_export::write(&path, runs, sweep));
            }
            DialogKind::Open => self.open_results(vec![path], ctx),
        }
    }

    /// The figure of what the plots show: the sweep in the centre, else the runs the selected
    /// run (or the latest) is compared with: the same work on the same machine.
    fn figure(&self, ctx: &egui::Context) -> Result<Figure, String> {
        let preset = self.loaded_preset.as_ref().map(|p| (p.id.clone(), p.configs()));
        let preset = preset.as_ref().map(|(id, configs)| (id.as_str(), configs.as_slice()));
        let theme = ctx.theme();
        if let Some(sweep) = self.sweeps.shown(self.history.selected().map(|e| e.id)) {
            let (_, runs) = sweep.runs(&self.history);
            if runs.is_empty() {
                return Err("the sweep has no finished point yet".to_owned());
            }
            let runs: Vec<RunResult> = runs.into_iter().cloned().collect();
            return Ok(Figure::new(self.this_machine.clone(), runs, Some(sweep.spec.clone()), preset, theme));
        }
        let entries = self.history.entries();
        let at = (self.history.selected().and_then(|s| entries.iter().position(|e| e.id == s.id)))
            .or_else(|| entries.len().checked_sub(1))
            .ok_or_else(|| "no run to draw yet: press Run first".to_owned())?;
        let machines = self.history.machines();
        let machine_of = |i: usize| machines.of_entry.get(i).copied().unwrap_or(0);
        let subject = &entries[at].result;
        let runs: Vec<RunResult> = (0..entries.len())
            .filter(|&i| machine_of(i) == machine_of(at) && report::comparable(&entries[i].result, subject))
            .map(|i| entries[i].result.clone())
            .collect();
        let machine = match entries[at].source.file().filter(|o| !o.this_machine) {
            Some(origin) => origin.machine.clone(),
            None => self.this_machine.clone(),
        };
        Ok(Figure::new(machine, runs, None, preset, theme))
    }

    /// What Export data writes: this machine's runs, marked as a sweep's points when the
    /// history is exactly the sweep shown (as `sweep --json` writes them).
    fn export_runs(&self) -> (Vec<RunResult>, Option<crate::engine::SweepSpec>) {
        let runs = self.history.runs_here();
        let entries = self.history.entries();
        let sweep = (self.sweeps.shown(self.history.selected().map(|e| e.id)))
            .filter(|sweep| !entries.is_empty() && entries.iter().all(|e| sweep.owns(e.id)));
        (runs, sweep.map(|s| s.spec.clone()))
    }
}

fn default_save_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|d| d.picture_dir().or_else(|| d.document_dir()).map(ToOwned::to_owned))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}
