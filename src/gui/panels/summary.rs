//! The summary under the timeline: elapsed, setup, CPU time, effective parallelism, peak
//! memory and tasks for the selected run, then the one-line verdict.

use eframe::egui::{self, RichText};

use crate::engine::RunResult;
use crate::export::{format, loop_note, orders_note, python_note};

use super::super::plots::palette;
use super::super::verdict::{cores_used, verdict};

pub fn summary_ui(ui: &mut egui::Ui, label: &str, run: &RunResult, others: &[&RunResult]) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(label).strong().color(palette::backend(run.config.backend)));
        ui.label(RichText::new(run.config.describe()).weak());
    });
    egui::Grid::new("summary").num_columns(4).spacing([16.0, 2.0]).show(ui, |ui| {
        let reps = run.repetitions.len();
        let elapsed = if run.outcome != crate::engine::Outcome::Completed {
            let of = run.config.repeat;
            format!("{} ({} after {reps} of {of} repetitions)", format::duration(run.elapsed_secs), run.outcome.name())
        } else if reps > 1 {
            format!(
                "{} (median of {reps}, {}–{})",
                format::duration(run.elapsed_secs),
                format::duration(run.stats.min_secs),
                format::duration(run.stats.max_secs)
            )
        } else {
            format::duration(run.elapsed_secs)
        };
        row(ui, "Elapsed", elapsed, "Start of setup to the last task's end.");
        row(ui, "Setup", format::duration(run.setup_secs), "Starting the runtime, threads or processes.");
        ui.end_row();
        row(
            ui,
            "CPU time",
            format::or_na(run.cpu_secs, format::duration),
            "User + system time of the workers themselves.",
        );
        row(ui, "Parallelism", cores_used(run), "CPU time ÷ elapsed: how many cores the run really used.");
        ui.end_row();
        row(
            ui,
            "Peak memory",
            format::or_na(run.peak_rss_bytes, format::bytes),
            "Peak resident memory of the app plus its workers, as sampled.",
        );
        let tasks = if run.tasks_failed > 0 {
            format!("{} ok, {} failed", run.tasks_ok, run.tasks_failed)
        } else {
            format!("{} ok", run.tasks_ok)
        };
        row(ui, "Tasks", tasks, "Tasks that finished, and tasks that panicked.");
        ui.end_row();
    });
    let notes = [
        run.config.workload.kind.note_on(run.config.backend).map(str::to_owned),
        loop_note(run).map(|n| format!("Event loop: {n}")),
        orders_note(run).map(|n| format!("Interleaving: {n}")),
        python_note(run).map(|n| format!("Python: {n}")),
    ];
    for note in notes.into_iter().flatten() {
        let blocked = note.contains("BLOCKED");
        let text = RichText::new(note).small();
        let text = if blocked { text.color(palette::error_text(ui.visuals().dark_mode)) } else { text.weak() };
        ui.add(egui::Label::new(text).wrap());
    }
    let text = verdict(run, others);
    let color = if run.error.is_some() {
        palette::error_text(ui.visuals().dark_mode)
    } else {
        ui.visuals().strong_text_color()
    };
    ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
}

fn row(ui: &mut egui::Ui, name: &str, value: String, tooltip: &str) {
    ui.label(RichText::new(name).weak()).on_hover_text(tooltip);
    ui.label(value).on_hover_text(tooltip);
}
