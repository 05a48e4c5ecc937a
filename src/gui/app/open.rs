//! Open results, as the app applies it: files chosen in the dialog or dropped onto the window
//! are read on a background thread (`gui/open_results.rs`); what they hold joins the history,
//! labelled with its file and machine, and an error goes to the status bar, naming the file,
//! with the history untouched.

use std::path::PathBuf;

use eframe::egui;

use super::super::history::Source;
use super::super::open_results::{drop_overlay, dropped_paths};
use super::super::panels::status_bar::Status;
use super::LabApp;

impl LabApp {
    /// Starts reading these result files; their runs join the history when read.
    pub fn open_results(&mut self, paths: Vec<PathBuf>, ctx: &egui::Context) {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        if !names.is_empty() {
            self.status = Status::info(format!("Opening {}…", names.join(", ")));
        }
        self.open.open(paths, ctx);
    }

    /// True while result files are being read (or the file dialog is open).
    pub fn is_opening(&self) -> bool {
        self.open.is_busy()
    }

    /// Asks the system's file dialog for result files.
    pub(super) fn browse_results(&mut self, ctx: &egui::Context) {
        let dir = self.settings.save_dir.clone();
        self.open.browse(dir, ctx);
    }

    /// Adds the files read since the last frame to the history.
    pub(super) fn poll_open(&mut self, ctx: &egui::Context) {
        for opened in self.open.poll(ctx) {
            match opened {
                Ok(loaded) => {
                    self.status = Status::info(loaded.status());
                    for (run, lanes) in loaded.runs {
                        self.history.push_from(run, lanes, Source::File(loaded.origin.clone()));
                    }
                }
                Err(e) => self.status = Status::error(e),
            }
        }
    }

    /// Files dropped onto the window open as results; while they hover, an overlay says so.
    pub(super) fn drop_ui(&mut self, ctx: &egui::Context) {
        drop_overlay(ctx);
        let dropped = dropped_paths(ctx);
        if !dropped.is_empty() {
            self.open_results(dropped, ctx);
        }
    }
}
