//! Where to save, or what to open: a small window with the path as text (for saving,
//! pre-filled with a sensible name in the last-used folder; for opening, one path a line), a
//! Browse… button that opens the system's file dialog (rfd) on a background thread, and Save
//! or Open. When no system dialog is available (no portal, no zenity) the typed path still
//! works, and the window says so.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

use eframe::egui::{self, RichText};

use super::plots::palette;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Png,
    Data,
    /// Open results: result files to read into the history.
    Open,
}

impl DialogKind {
    fn title(self) -> &'static str {
        match self {
            Self::Png => "Save plots as PNG",
            Self::Data => "Export data",
            Self::Open => "Open results",
        }
    }

    /// A default file name that sorts by time: "concurrency-lab-2026-11-21-1430.png".
    pub fn default_name(self, stamp: &str) -> String {
        match self {
            Self::Png => format!("concurrency-lab-{stamp}.png"),
            Self::Data => format!("concurrency-lab-{stamp}.json"),
            Self::Open => String::new(),
        }
    }
}

/// `dir/name`, or `dir/stem-2.ext`, `-3`… when a file of that name is there already (the
/// default name changes once a minute: a second save in the same minute must not replace the
/// first without the user typing it).
fn unused_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    (2..1000)
        .map(|n| dir.join(if ext.is_empty() { format!("{stem}-{n}") } else { format!("{stem}-{n}.{ext}") }))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

pub enum DialogOutcome {
    Open,
    Cancelled,
    /// Where to save, or the files to open (one or more).
    Chosen(Vec<PathBuf>),
}

pub struct SaveDialog {
    pub kind: DialogKind,
    pub path: String,
    browsing: Option<Receiver<Option<Vec<PathBuf>>>>,
    note: Option<String>,
    /// Where Browse… starts when no path is typed.
    dir: PathBuf,
}

impl SaveDialog {
    pub fn new(kind: DialogKind, dir: &Path, stamp: &str) -> Self {
        let path = match kind {
            DialogKind::Open => String::new(),
            _ => unused_path(dir, &kind.default_name(stamp)).display().to_string(),
        };
        Self { kind, path, browsing: None, note: None, dir: dir.to_owned() }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> DialogOutcome {
        self.poll_browse();
        let mut outcome = DialogOutcome::Open;
        egui::Window::new(self.kind.title())
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                let edit = if self.kind == DialogKind::Open {
                    ui.label("Result files (--json or Export data), one path a line:");
                    let edit = egui::TextEdit::multiline(&mut self.path).desired_width(420.0).desired_rows(3);
                    ui.add(edit.hint_text("/path/to/results.json"))
                } else {
                    ui.label("File:");
                    ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0))
                };
                if self.kind == DialogKind::Data {
                    ui.weak("The extension picks the format: .json (everything), .csv (a row per run), .md, .trace.json (Perfetto).");
                }
                if let Some(note) = &self.note {
                    ui.label(RichText::new(note).color(palette::error_text(ui.visuals().dark_mode)));
                }
                // In the list of files to open, Enter starts a new line.
                let enter = self.kind != DialogKind::Open
                    && edit.lost_focus()
                    && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.horizontal(|ui| {
                    let browse = ui.add_enabled(self.browsing.is_none(), egui::Button::new("Browse…"));
                    if browse.on_hover_text("Choose with the system's file dialog.").clicked() {
                        self.browse(ctx);
                    }
                    let action = if self.kind == DialogKind::Open { "Open" } else { "Save" };
                    if ui.button(action).clicked() || enter {
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
        let paths = self.paths();
        if paths.is_empty() {
            self.note = Some("Type a file path, or Browse….".to_owned());
            return DialogOutcome::Open;
        }
        DialogOutcome::Chosen(paths)
    }

    /// The typed paths: the one path to save to, or each non-empty line to open.
    pub fn paths(&self) -> Vec<PathBuf> {
        let lines: Vec<&str> = match self.kind {
            DialogKind::Open => self.path.lines().collect(),
            _ => vec![self.path.as_str()],
        };
        lines.into_iter().map(str::trim).filter(|l| !l.is_empty()).map(PathBuf::from).collect()
    }

    fn browse(&mut self, ctx: &egui::Context) {
        let current = self.paths().into_iter().next().unwrap_or_else(|| self.dir.join(""));
        let (tx, rx) = mpsc::channel();
        let repaint = ctx.clone();
        let kind = self.kind;
        let spawned = std::thread::Builder::new().name("lab-ui-file-dialog".into()).spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(dir);
            }
            if kind == DialogKind::Open {
                let dialog = dialog.set_title("Open results").add_filter("Result JSON", &["json"]);
                let _ = tx.send(dialog.pick_files());
                return repaint.request_repaint();
            }
            if let Some(name) = current.file_name() {
                dialog = dialog.set_file_name(name.to_string_lossy());
            }
            dialog = match kind {
                DialogKind::Png => dialog.add_filter("PNG image", &["png"]),
                DialogKind::Open => dialog,
                DialogKind::Data => dialog
                    .add_filter("JSON", &["json"])
                    .add_filter("CSV", &["csv"])
                    .add_filter("Markdown", &["md"])
                    .add_filter("Perfetto trace", &["trace.json"]),
            };
            let _ = tx.send(dialog.save_file().map(|path| vec![path]));
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
            Ok(Some(paths)) => {
                self.path = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_name_already_taken_gets_a_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = "concurrency-lab-2026-12-08-0500.png";
        assert_eq!(unused_path(dir.path(), name), dir.path().join(name));
        std::fs::write(dir.path().join(name), b"first").expect("write");
        assert_eq!(unused_path(dir.path(), name), dir.path().join("concurrency-lab-2026-12-08-0500-2.png"));
    }
}
