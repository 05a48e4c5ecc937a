//! The centre of the window: the side-by-side plots, the timeline,
//! and under them the summary of the selected run beside the history list. Draws the live run
//! while one is going on, else the selected run. When a sweep is shown (`app/sweep.rs`), its
//! charts and the core plot take the side-by-side plots' place, and the centre scrolls.

use eframe::egui::{self, RichText};

use crate::engine::RunResult;
use crate::report;

use super::super::command::UiCommand;
use super::super::history::{History, Machines};
use super::super::panels::columns::summary_beside_history;
use super::super::panels::history_list::history_ui;
use super::super::panels::summary::{SummaryView, summary_ui};
use super::super::plots::cores::CoresView;
use super::super::plots::elapsed::{ElapsedView, LiveBar, RunBar};
use super::super::plots::palette;
use super::super::plots::timeline::timeline_ui;
use super::super::plots::{SideBySide, side_by_side};
use super::super::sweeps::Sweep;
use super::LabApp;

impl LabApp {
    pub(super) fn central_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<UiCommand>) {
        match self.sweeps.shown(self.history.selected().map(|e| e.id)).cloned() {
            Some(sweep) => {
                egui::ScrollArea::vertical().show(ui, |ui| self.central_body(ui, commands, Some(&sweep)));
            }
            None => self.central_body(ui, commands, None),
        }
    }

    fn central_body(&mut self, ui: &mut egui::Ui, commands: &mut Vec<UiCommand>, sweep: Option<&Sweep>) {
        let height = ui.available_height();
        let live = self.runs.live();
        let selected = self.history.selected();
        let (samples, t_end, setup, title, lanes, backend, note) = match (live, selected) {
            (Some(live), _) => (
                &live.cpu_samples[..],
                live.elapsed_secs().max(live.lanes.end_secs()),
                None,
                format!("running {}", live.config.backend),
                &live.lanes,
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
                &self.no_lanes,
                self.settings.config.backend,
                "Press Run to watch the cores.".to_owned(),
            ),
        };
        let entries = self.history.entries();
        let machines = self.history.machines();
        let machine = |i: usize| machines.of_entry.get(i).copied().unwrap_or(0);
        // A gap where the work changes, or the machine: bars side by side compare.
        let bars: Vec<RunBar<'_>> = (entries.iter().enumerate())
            .map(|(i, entry)| RunBar {
                id: entry.id,
                label: entry.label(),
                short_label: format!("#{}", entry.id),
                result: &entry.result,
                new_group: i > 0
                    && !report::comparable_on(&entries[i - 1].result, machine(i - 1), &entry.result, machine(i)),
                machine: (machine(i) != 0).then(|| machines.labels.get(machine(i)).cloned()).flatten(),
            })
            .collect();
        let cores = CoresView {
            samples,
            backend: Some(backend),
            empty_note: Some(note),
            t_end_secs: t_end,
            setup_secs: setup,
            interactive: true,
        };
        if let Some(sweep) = sweep {
            self.sweeps.points_on_screen = self.sweep_ui(ui, sweep, &cores, &title, commands);
        } else {
            let view = SideBySide {
                elapsed: ElapsedView {
                    bars: &bars,
                    selected: selected.map(|e| e.id),
                    live: live.map(|l| LiveBar { backend: l.config.backend, elapsed_secs: l.elapsed_secs() }),
                    interactive: true,
                },
                cores,
                cores_title: title,
            };
            let plots = side_by_side(ui, &view, (height * 0.46).max(240.0));
            commands.extend(plots.clicked.map(UiCommand::Select));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.strong("Timeline");
            ui.weak(format!("one lane per {}, a bar per task; hover for details", backend.info().lane_word));
            if !lanes.holds().is_empty() {
                ui.weak("·");
                ui.label(
                    RichText::new("solid: holding the GIL").small().color(palette::task_ok(ui.visuals().dark_mode)),
                )
                .on_hover_text(GIL_LEGEND);
                ui.label(RichText::new("pale: waiting for it (or for I/O)").small().weak()).on_hover_text(GIL_LEGEND);
            }
        });
        // A lane needs ~30 points to read; never more than a quarter of the window.
        let timeline_height = (lanes.lane_count().max(1) as f32 * 30.0 + 26.0).clamp(70.0, (height * 0.26).max(120.0));
        let empty = if live.is_some() { "No task has finished yet." } else { "No tasks yet: press Run." };
        timeline_ui(ui, lanes, t_end, backend.info().lane_word, timeline_height, empty);
        ui.add_space(6.0);
        let history = &self.history;
        let summary = |ui: &mut egui::Ui| match history.selected() {
            Some(entry) => summary_of(ui, history, entry.id, &machines),
            None => {
                ui.weak("The summary of the selected run shows here.");
            }
        };
        commands.extend(summary_beside_history(ui, summary, |ui| history_ui(ui, history)));
    }
}

/// The summary of run `id`: its verdict among the runs of its own machine, and the same work
/// on the other machines in the history.
fn summary_of(ui: &mut egui::Ui, history: &History, id: u64, machines: &Machines) {
    let entries = history.entries();
    let Some(at) = entries.iter().position(|e| e.id == id) else { return };
    let machine = machines.of_entry.get(at).copied().unwrap_or(0);
    let on_machine: Vec<usize> =
        (0..entries.len()).filter(|&i| machines.of_entry.get(i).copied().unwrap_or(0) == machine).collect();
    let runs: Vec<&RunResult> = on_machine.iter().map(|&i| &entries[i].result).collect();
    let names: Vec<String> = (on_machine.iter())
        .map(|&i| format!("run #{} ({})", entries[i].id, entries[i].result.config.backend))
        .collect();
    let subject = on_machine.iter().position(|&i| i == at).unwrap_or(0);
    let all: Vec<&RunResult> = entries.iter().map(|e| &e.result).collect();
    let label = |m: usize| machines.labels.get(m).cloned().unwrap_or_default();
    // Seen from here when the run is from here, else from its own machine against here (or,
    // with no run of the work here, against the others).
    let across = report::across_machines(&all, &machines.of_entry, 0);
    let mut sentences: Vec<String> = (across.iter())
        .filter(|c| involves(c, &all, at) && (machine == 0 || c.other == machine))
        .flat_map(|c| report::text::machine_comparison(c, &label(c.other), None))
        .collect();
    if machine != 0 && sentences.is_empty() {
        let others = report::across_machines(&all, &machines.of_entry, machine);
        sentences = (others.iter().filter(|c| involves(c, &all, at)))
            .flat_map(|c| report::text::machine_comparison(c, &label(c.other), Some(&label(machine))))
            .collect();
    }
    let cores = machines.logical_cores.get(machine).copied().flatten().unwrap_or_else(crate::engine::logical_cores);
    let heading = entries[at].label();
    summary_ui(ui, &SummaryView { label: &heading, runs: &runs, names: &names, subject, cores, across: &sentences });
}

/// Whether comparison `c` is about the work run `at` did.
fn involves(c: &report::MachineComparison, runs: &[&RunResult], at: usize) -> bool {
    c.backends
        .first()
        .is_some_and(|b| runs.get(b.reference_run).zip(runs.get(at)).is_some_and(|(r, s)| report::comparable(r, s)))
}

const GIL_LEGEND: &str = "With the GIL on, each task's bar is solid while its lane holds the emulated GIL \
and pale while it waits for it (or for I/O). Threads of one process share one GIL and take turns; \
each worker process has its own.";

/// Why the core plot of a finished run is empty, if it is.
fn no_samples_note(result: &RunResult) -> String {
    let interval = result.sampler.interval_millis;
    if let Some(note) = &result.sampler.note {
        return format!("No CPU samples: {note}");
    }
    if result.outcome == crate::engine::Outcome::Completed && result.elapsed_secs * 1000.0 < interval as f64 {
        return format!(
            "No CPU samples: the run took {}, less than one\nsampling interval ({interval} ms). Raise the size or the tasks.",
            crate::report::format::duration(result.elapsed_secs)
        );
    }
    format!("No CPU samples were recorded (the run {}).", result.outcome.name())
}
