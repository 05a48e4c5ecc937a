//! Where to save: a small window with the path as text (pre-filled with a sensible name in the
//! last-used folder), a Browse… button that opens the system's file dialog (rfd) on a
//! background thread, and Save. When no system dialog is available the typed path still works.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

use eframe::egui::{self, RichText};

use super::plots::palette;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveKind {
    Png,
    Data,
}

impl SaveKind {
    fn title(self) -> &'static str {
        match self {
            Self::Png => "Save plots as PNG",
            Self::Data => "Export data",
        }
    }

    /// A default file name that sorts by time: "concurrency-lab-2026-11-21-1430.png".
    pub fn default_name(self, stamp: &str) -> String {
        match self {
            Self::Png => format!("concurrency-lab-{stamp}.png"),
            Self::Data => format!("concurrency-lab-{stamp}.json"),
        }
    }
}

pub enum DialogOutcome {
    Open,
    Cancelled,
    Chosen(PathBuf),
}

pub struct SaveDialog {
    pub kind: SaveKind,
    pub path: String,
    browsing: Option<Receiver<Option<PathBuf>>>,
    note: Option<String>,
}

impl SaveDialog {
    pub fn new(kind: SaveKind, dir: &Path, stamp: &str) -> Self {
        let path = dir.join(kind.default_name(stamp)).display().to_string();
        Self { kind, path, browsing: None, note: None }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> DialogOutcome {
        self.poll_browse();
        let mut outcome = DialogOutcome::Open;
        egui::Window::new(self.kind.title())
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("File:");
                let edit = ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0));
                if self.kind == SaveKind::Data {
                    ui.weak("The extension picks the format: .json (everything), .csv (a row per run), .md, .trace.json (Perfetto).");
                }
                if let Some(note) = &self.note {
                    ui.label(RichText::new(note).color(palette::error_text(ui.visuals().dark_mode)));
                }
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.horizontal(|ui| {
                    let browse = ui.add_enabled(self.browsing.is_none(), egui::Button::new("Browse…"));
                    if browse.on_hover_text("Choose with the system's file dialog.").clicked() {
                        self.browse(ctx);
                    }
                    if ui.button("Save").clicked() || enter {
                        outcome = self.chosen();
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        outcome = DialogOutcome::Cancelled;
                    }
                });
            });
        outcome
    }

    fn chosen(&mut self) -> DialogOutcome {
        let path = PathBuf::from(self.path.trim());
        if path.as_os_str().is_empty() {
            self.note = Some("Type a file path, or Browse….".to_owned());
            return DialogOutcome::Open;
        }
        DialogOutcome::Chosen(path)
    }

    fn browse(&mut self, ctx: &egui::Context) {
        let current = PathBuf::from(self.path.trim());
        let (tx, rx) = mpsc::channel();
        let repaint = ctx.clone();
        let kind = self.kind;
        let spawned = std::thread::Builder::new().name("lab-file-dialog".into()).spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(dir);
            }
            if let Some(name) = current.file_name() {
                dialog = dialog.set_file_name(name.to_string_lossy());
            }
            dialog = match kind {
                SaveKind::Png => dialog.add_filter("PNG image", &["png"]),
                SaveKind::Data => dialog
                    .add_filter("JSON", &["json"])
                    .add_filter("CSV", &["csv"])
                    .add_filter("Markdown", &["md"])
                    .add_filter("Perfetto trace", &["trace.json"]),
            };
            let _ = tx.send(dialog.save_file());
            repaint.request_repaint();
        });
        match spawned {
            Ok(_) => self.browsing = Some(rx),
            Err(e) => self.note = Some(format!("Could not open the file dialog: {e}")),
        }
    }

    fn poll_browse(&mut self) {
        let Some(rx) = &self.browsing else { return };
        match rx.try_recv() {
            Ok(Some(path)) => {
                self.path = path.display().to_string();
                self.browsing = None;
            }
            Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                self.note = Some("No file chosen (or no system file dialog here): type the path instead.".to_owned());
                self.browsing = None;
            }
            Err(mpsc::TryRecvError::Empty) => {}
        }
    }
}
