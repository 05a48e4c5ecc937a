//! Open results, as the app applies it: files typed or chosen in the Open results window, or
//! dropped onto the window, are read on a background thread (`gui/open_results.rs`); what they
//! hold joins the history, labelled with its file and machine. Every file that fails is listed
//! with its reason (a window until dismissed, and a count in the status bar), the history
//! untouched by it.

use std::path::PathBuf;

use eframe::egui;

use super::super::history::Source;
use super::super::open_results::{drop_overlay, dropped_paths, failures_ui};
use super::super::panels::status_bar::Status;
use super::super::save_dialog::DialogKind;
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

    /// True while result files are being read.
    pub fn is_opening(&self) -> bool {
        self.open.is_busy()
    }

    /// The files that failed to open, each with its reason, until the list is dismissed.
    pub fn open_failures(&self) -> &[String] {
        &self.open_failures
    }

    /// Open results…: a window for typed paths, with Browse… for the system's dialog.
    pub(super) fn browse_results(&mut self) {
        self.open_dialog(DialogKind::Open);
    }

    /// Adds the files read since the last frame to the history; lists the ones that failed.
    pub(super) fn poll_open(&mut self) {
        let mut opened_now = Vec::new();
        let mut failed_now = 0;
        for opened in self.open.poll() {
            match opened {
                Ok(loaded) => {
                    opened_now.push(loaded.status());
                    for (run, lanes) in loaded.runs {
                        self.history.push_from(run, lanes, Source::File(loaded.origin.clone()));
                    }
                }
                Err(e) => {
                    failed_now += 1;
                    self.open_failures.push(e);
                }
            }
        }
        if failed_now == 0 {
            if let Some(last) = opened_now.last() {
                let more = opened_now.len() - 1;
                let also = if more > 0 { format!(" (and {more} more files)") } else { String::new() };
                self.status = Status::info(format!("{last}{also}"));
            }
        } else if failed_now == 1 && opened_now.is_empty() && self.open_failures.len() == 1 {
            self.status = Status::error(self.open_failures[0].clone());
        } else {
            let failed = self.open_failures.len();
            let opened = match opened_now.len() {
                0 => String::new(),
                1 => "1 file opened; ".to_owned(),
                n => format!("{n} files opened; "),
            };
            let files = if failed == 1 { "file" } else { "files" };
            self.status = Status::error(format!("{opened}{failed} {files} not opened, each listed with its reason"));
        }
    }

    /// Files dropped onto the window open as results; while they hover, an overlay says so.
    /// The files that failed are listed until dismissed.
    pub(super) fn drop_ui(&mut self, ctx: &egui::Context) {
        drop_overlay(ctx);
        let dropped = dropped_paths(ctx);
        if !dropped.is_empty() {
            self.open_results(dropped, ctx);
        }
        if !self.open_failures.is_empty() && failures_ui(ctx, &self.open_failures) {
            self.open_failures.clear();
        }
    }
}
