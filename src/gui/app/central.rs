//! The centre of the window: the side-by-side plots (what Save PNG captures), the timeline,
//! and under them the summary of the selected run beside the history list. Draws the live run
//! while one is going on, else the selected run.

use eframe::egui;

use crate::engine::{BackendKind, RunResult};

use super::super::command::UiCommand;
use super::super::panels::history_list::history_ui;
use super::super::panels::status_bar::Status;
use super::super::panels::summary::summary_ui;
use super::super::plots::cores::CoresView;
use super::super::plots::elapsed::{ElapsedView, LiveBar};
use super::super::plots::timeline::timeline_ui;
use super::super::plots::{SideBySide, side_by_side};
use super::LabApp;

impl LabApp {
    pub(super) fn central_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<UiCommand>) {
        let height = ui.available_height();
        let live = self.runs.live();
        let selected = self.history.selected();
        let (samples, t_end, setup, title, lanes, backend, note) = match (live, selected) {
            (Some(live), _) => (
                &live.cpu_samples[..],
                live.elapsed_secs().max(self.live_lanes.end_secs()),
                None,
                format!("running {}", live.config.backend),
                &self.live_lanes,
                live.config.backend,
                "Waiting for the first CPU sample…".to_owned(),
            ),
            (None, Some(entry)) => (
                &entry.result.cpu_samples[..],
                entry.result.elapsed_secs.max(entry.lanes.end_secs()),
                Some(entry.result.setup_secs),
                format!("run {}", entry.label()),
                &entry.lanes,
                entry.result.config.backend,
                no_samples_note(&entry.result),
            ),
            (None, None) => (
                &[][..],
                1.0,
                None,
                "no run yet".to_owned(),
                &self.live_lanes,
                self.settings.config.backend,
                "Press Run to watch the cores.".to_owned(),
            ),
        };
        let view = SideBySide {
            elapsed: ElapsedView {
                entries: self.history.entries(),
                selected: selected.map(|e| e.id),
                live: live.map(|l| LiveBar { backend: l.config.backend, elapsed_secs: l.elapsed_secs() }),
                interactive: !self.png.is_capturing(),
            },
            cores: CoresView {
                samples,
                empty_note: Some(note),
                t_end_secs: t_end,
                setup_secs: setup,
                interactive: !self.png.is_capturing(),
            },
            cores_title: title,
        };
        let plots = side_by_side(ui, &view, (height * 0.46).max(240.0));
        commands.extend(plots.clicked.map(UiCommand::Select));
        self.plots_rect = Some(plots.rect);
        if let Some(report) = self.png.after_plots(ui.ctx(), plots.rect, &mut self.writes) {
            self.status = Status::error(report.unwrap_or_else(|e| e));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.strong("Timeline");
            ui.weak(format!("one lane per {}, a bar per task; hover for details", lane_word(backend)));
        });
        // A lane needs ~30 points to read; never more than a quarter of the window.
        let timeline_height = (lanes.lane_count().max(1) as f32 * 30.0 + 26.0).clamp(70.0, (height * 0.26).max(120.0));
        let empty = if live.is_some() { "No task has finished yet." } else { "No tasks yet: press Run." };
        timeline_ui(ui, lanes, t_end, lane_word(backend), timeline_height, empty);
        ui.add_space(6.0);
        let summary_width = (ui.available_width() * 0.64).floor();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(summary_width);
                if let Some(entry) = self.history.selected() {
                    let others: Vec<&RunResult> = self.history.same_workload(entry).map(|e| &e.result).collect();
                    summary_ui(ui, &entry.label(), &entry.result, &others);
                } else {
                    ui.weak("The summary of the selected run shows here.");
                }
            });
            ui.separator();
            ui.vertical(|ui| commands.extend(history_ui(ui, &self.history)));
        });
    }
}

/// Why the core plot of a finished run is empty, if it is.
fn no_samples_note(result: &RunResult) -> String {
    let interval = result.sampler.interval_millis;
    if let Some(note) = &result.sampler.note {
        return format!("No CPU samples: {note}");
    }
    if result.outcome == crate::engine::Outcome::Completed && result.elapsed_secs * 1000.0 < interval as f64 {
        return format!(
            "No CPU samples: the run took {}, less than one\nsampling interval ({interval} ms). Raise the size or the tasks.",
            crate::export::format::duration(result.elapsed_secs)
        );
    }
    format!("No CPU samples were recorded (the run {}).", result.outcome.name())
}

/// What a timeline lane is, for this backend.
fn lane_word(backend: BackendKind) -> &'static str {
    match backend {
        BackendKind::EventLoop | BackendKind::PythonAsyncio => "loop",
        BackendKind::Threads | BackendKind::Rayon | BackendKind::EventLoopMt | BackendKind::PythonThreads => "thread",
        BackendKind::Processes | BackendKind::ProcessesEventLoop | BackendKind::PythonProcesses => "process",
        BackendKind::EventLoopThreads | BackendKind::EventLoopProcesses | BackendKind::Mock => "worker",
    }
}
