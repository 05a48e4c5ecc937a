//! Save PNG: the publishable figure, the same one `run --png` draws. The app picks the runs the
//! plots show (the selected run's comparison, or the shown sweep) and their machine into a
//! [`Figure`]; [`Figure::write`] renders it offscreen (`gui::offscreen` +
//! `gui::result_charts`, as `headless/png.rs` does) in the window's theme at 1600×900 and
//! writes the PNG atomically. It runs on a background thread (`gui/background.rs`): a software
//! renderer takes seconds, and the window keeps drawing meanwhile. Nothing here grabs the
//! window: the figure is the same whatever the window's size or scroll.

use std::path::Path;

use eframe::egui;

use crate::engine::{ExperimentConfig, Machine, ResultFile, RunResult, SweepSpec};
use crate::export::atomic::PendingFile;
use crate::shared::{PngSize, PngTheme};

use super::background::Report;
use super::offscreen::{encode_png, render_png};
use super::result_charts::result_charts_ui;

/// The figure Save PNG writes: a result file of the runs shown, its heading and look.
pub struct Figure {
    pub file: ResultFile,
    pub heading: String,
    pub theme: PngTheme,
    pub size: PngSize,
}

impl Figure {
    /// The runs of one machine (a sweep's points when `sweep` is given) as `run --png` would
    /// draw them, headed by the preset they ran (when `preset` did that work) like the command
    /// line's pictures, in `theme`, at the command line's default size.
    pub fn new(
        machine: Machine,
        runs: Vec<RunResult>,
        sweep: Option<SweepSpec>,
        preset: Option<(&str, &[ExperimentConfig])>,
        theme: egui::Theme,
    ) -> Self {
        let work = runs.first().map(|r| r.config.describe_work());
        let from_preset = preset.filter(|(_, configs)| configs.iter().any(|c| Some(c.describe_work()) == work));
        let heading = match from_preset {
            Some((id, _)) => format!("concurrency-lab, preset {id}"),
            None => "concurrency-lab".to_owned(),
        };
        let theme = match theme {
            egui::Theme::Dark => PngTheme::Dark,
            egui::Theme::Light => PngTheme::Light,
        };
        let file = ResultFile { sweep, ..ResultFile::new(machine, runs) };
        Self { file, heading, theme, size: PngSize::default() }
    }

    /// Renders the figure and writes it to `path` (atomically): the status bar's line.
    pub fn write(&self, path: &Path) -> Report {
        let image = render_png(self.size, self.theme, |ui| result_charts_ui(ui, &self.file, &self.heading))
            .map_err(|e| format!("PNG not saved: {e}"))?;
        let bytes = encode_png(&image).map_err(|e| format!("PNG not saved: {e}"))?;
        let written = PendingFile::create(path)
            .and_then(|file| file.commit(&bytes))
            .map_err(|e| format!("PNG not saved: {e:#}"))?;
        let runs = match self.file.runs.len() {
            1 => "1 run".to_owned(),
            n => format!("{n} runs"),
        };
        Ok(format!("Saved the figure of {runs} to {} ({}×{} px)", written.display(), image.width(), image.height()))
    }
}
