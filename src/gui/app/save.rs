//! Save PNG and Export data: where the save dialog opens (the last folder used, else the
//! pictures folder), and what a chosen path starts: arming the PNG capture, or writing the
//! history's runs on a background thread.

use std::path::PathBuf;

use eframe::egui;

use super::super::data_export;
use super::super::save_dialog::{SaveDialog, SaveKind};
use super::super::utc_stamp;
use super::LabApp;

impl LabApp {
    pub(super) fn open_dialog(&mut self, kind: SaveKind) {
        let dir = self.settings.save_dir.clone().filter(|d| d.is_dir()).unwrap_or_else(default_save_dir);
        self.dialog = Some(SaveDialog::new(kind, &dir, &utc_stamp(std::time::SystemTime::now())));
    }

    pub(super) fn save_to(&mut self, kind: SaveKind, path: PathBuf, ctx: &egui::Context) {
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            self.settings.save_dir = Some(dir.to_owned());
        }
        match kind {
            SaveKind::Png => self.png.arm(path),
            SaveKind::Data => {
                let runs = self.history.runs_here();
                self.writes.spawn("lab-export", ctx, move || data_export::write(&path, runs));
            }
        }
    }
}

fn default_save_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|d| d.picture_dir().or_else(|| d.document_dir()).map(ToOwned::to_owned))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}
