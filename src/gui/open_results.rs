//! Open results: result files (from this machine or another) read on a background thread
//! and handed to the history with their spans already sorted into lanes, so the window never
//! waits for a file, however large. Files come from the Open results window (typed paths, or
//! the system's file dialog: `save_dialog.rs`) or are dropped onto the window (a hover overlay
//! says what dropping does). Each file reports once: its runs, or an error naming it; a failed
//! file changes nothing, and the app lists every failure ([`failures_ui`]), not only the last.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui::{self, Color32, RichText};

use crate::engine::{Machine, RunResult};
use crate::export::load;
use crate::report;

use super::history::FileOrigin;
use super::lanes::Lanes;

/// One file's runs, ready for the history.
pub struct LoadedRuns {
    pub origin: Arc<FileOrigin>,
    pub runs: Vec<(RunResult, Lanes)>,
    /// What the reader should know (a newer format version).
    pub notes: Vec<String>,
}

impl LoadedRuns {
    /// The status line: "Opened server.json: 3 runs from EPYC 64-core (AMD EPYC 7763 64-Core)".
    pub fn status(&self) -> String {
        let origin = &self.origin;
        let from = if origin.this_machine {
            "this machine".to_owned()
        } else {
            format!("{} ({})", origin.machine_label, crate::presets::clip(&origin.machine.cpu_brand, 80))
        };
        let runs = match self.runs.len() {
            0 => "no runs".to_owned(),
            1 => "1 run".to_owned(),
            n => format!("{n} runs"),
        };
        let mut text = format!("Opened {}: {runs} from {from}", origin.file_name());
        for note in &self.notes {
            text.push_str("; ");
            text.push_str(note);
        }
        text
    }
}

/// What a file gave: its runs, or the error naming it.
pub type Opened = Result<LoadedRuns, String>;

pub struct OpenResults {
    tx: Sender<Opened>,
    rx: Receiver<Opened>,
    in_flight: usize,
}

impl Default for OpenResults {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self { tx, rx, in_flight: 0 }
    }
}

impl OpenResults {
    /// Reads `paths` on a `lab-ui-open` thread, one after another; each reports when read.
    pub fn open(&mut self, paths: Vec<PathBuf>, ctx: &egui::Context) {
        if paths.is_empty() {
            return;
        }
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        self.in_flight += paths.len();
        let count = paths.len();
        let spawned = std::thread::Builder::new().name("lab-ui-open".to_owned()).spawn(move || {
            let here = Machine::detect();
            for path in paths {
                let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&path, &here)))
                    .unwrap_or_else(|_| Err(format!("{}: not opened: the loading thread panicked", path.display())));
                let _ = tx.send(opened);
                ctx.request_repaint();
            }
        });
        if let Err(e) = spawned {
            self.in_flight -= count;
            let _ = self.tx.send(Err(format!("Could not start a thread to open the files: {e}")));
        }
    }

    /// The files read since the last call.
    pub fn poll(&mut self) -> Vec<Opened> {
        let opened: Vec<Opened> = self.rx.try_iter().collect();
        self.in_flight = self.in_flight.saturating_sub(opened.len());
        opened
    }

    /// True while files are being read.
    pub fn is_busy(&self) -> bool {
        self.in_flight > 0
    }
}

/// Reads one file and sorts its runs' spans into lanes (the slow parts, off the UI thread);
/// `here` is this machine, which the file's is compared with.
pub fn read(path: &std::path::Path, here: &Machine) -> Opened {
    let loaded = load::load(path).map_err(|e| format!("Not opened: {e}"))?;
    let file = loaded.file;
    let origin = Arc::new(FileOrigin {
        path: loaded.path,
        machine_label: report::machine_label(&file.machine),
        this_machine: report::same_machine(&file.machine, here),
        machine: file.machine,
        sweep: file.sweep,
    });
    let runs = (file.runs.into_iter())
        .map(|run| {
            let lanes = Lanes::with_holds(&run.spans, &run.gil_holds);
            (run, lanes)
        })
        .collect();
    Ok(LoadedRuns { origin, runs, notes: loaded.notes })
}

/// The files dropped onto the window this frame that have a path.
pub fn dropped_paths(ctx: &egui::Context) -> Vec<PathBuf> {
    ctx.input(|i| {
        i.raw.dropped_files.iter().map(|f| f.path().to_owned()).filter(|p| !p.as_os_str().is_empty()).collect()
    })
}

/// While files are dragged over the window: a veil saying what dropping them does.
pub fn drop_overlay(ctx: &egui::Context) {
    let hovering = ctx.input(|i| i.raw.hovered_files.len());
    if hovering == 0 {
        return;
    }
    let screen = ctx.content_rect();
    let veil = egui::LayerId::new(egui::Order::Foreground, egui::Id::unique("drop_results_veil"));
    ctx.layer_painter(veil).rect_filled(screen, 0.0, Color32::from_black_alpha(170));
    let text = if hovering == 1 { "Drop to open this result file" } else { "Drop to open these result files" };
    egui::Area::new(egui::Id::unique("drop_results"))
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .interactable(false)
        .show(ctx, |ui| ui.label(RichText::new(text).size(26.0).color(Color32::WHITE)));
}

/// The files that could not be opened, each with its reason, in a window until dismissed.
/// Returns true when the user dismissed it.
pub fn failures_ui(ctx: &egui::Context, failures: &[String]) -> bool {
    let mut dismissed = false;
    let title = match failures.len() {
        1 => "1 file not opened".to_owned(),
        n => format!("{n} files not opened"),
    };
    egui::Window::new(title).id(egui::Id::unique("open_failures")).collapsible(false).resizable(true).show(ctx, |ui| {
        egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
            for failure in failures {
                ui.add(
                    egui::Label::new(
                        RichText::new(failure).color(super::plots::palette::error_text(ui.visuals().dark_mode)),
                    )
                    .wrap(),
                );
            }
        });
        ui.weak("Nothing else changed: the history holds what it held, plus the files that opened.");
        dismissed = ui.button("OK").clicked();
    });
    dismissed
}
