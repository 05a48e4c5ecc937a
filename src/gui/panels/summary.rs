//! The summary under the timeline: elapsed, setup, CPU time, effective parallelism, peak
//! memory and tasks for the selected run, then the report's notes (warnings in red) and its
//! verdict on the run, in the report's words (with real CPython's threads and processes among the
//! runs, the GIL check under it).

use eframe::egui::{self, RichText};

use crate::engine::{Outcome, RunResult};
use crate::report::{self, Excluded, Severity, Verdict, format, text};

use super::super::plots::palette;

/// What the summary shows: the selected run among every run of its machine in the history.
pub struct SummaryView<'a> {
    /// The heading: "#3 threads".
    pub label: &'a str,
    /// Every run in the history, and how the verdict names each ("run #3 (threads)").
    pub runs: &'a [&'a RunResult],
    pub names: &'a [String],
    /// The selected run, an index into `runs`.
    pub subject: usize,
    /// Logical cores of the machine the runs ran on.
    pub cores: u64,
    /// The same work on other machines, in the report's words.
    pub across: &'a [String],
}

pub fn summary_ui(ui: &mut egui::Ui, view: &SummaryView<'_>) {
    let Some(run) = view.runs.get(view.subject).copied() else { return };
    let dark = ui.visuals().dark_mode;
    // Truncated to the column (a list of sizes, a long interpreter path), whole on hover.
    ui.horizontal(|ui| {
        ui.label(RichText::new(view.label).strong().color(palette::backend(run.config.backend)));
        let describe = run.config.describe();
        ui.add(egui::Label::new(RichText::new(&describe).weak()).truncate()).on_hover_text(describe);
    });
    figures_ui(ui, run, view.cores);
    for note in report::notes(run) {
        let words = RichText::new(text::note(&note)).small();
        let words = match note.severity {
            Severity::Warning => words.color(palette::error_text(dark)),
            Severity::Info => words.weak(),
        };
        ui.add(egui::Label::new(words).wrap());
    }
    let verdict = report::verdict(view.runs, view.subject);
    let name = |i: usize| view.names.get(i).cloned().unwrap_or_default();
    let mut sentence = text::verdict(&verdict, view.runs, &name, view.cores);
    if matches!(verdict, Verdict::Alone { .. }) {
        sentence.push_str(" Run another backend on the same workload to compare (Run all backends does them all).");
    }
    let color = match verdict {
        Verdict::NotCompared { why: Excluded::Failed, .. } => palette::error_text(dark),
        _ => ui.visuals().strong_text_color(),
    };
    ui.add(egui::Label::new(RichText::new(sentence).color(color)).wrap());
    if let Some(check) = report::gil_check(view.runs).filter(|check| check.involves(view.subject)) {
        ui.add(egui::Label::new(RichText::new(text::gil_check(&check)).color(ui.visuals().strong_text_color())).wrap());
    }
    for sentence in view.across {
        ui.add(egui::Label::new(RichText::new(sentence).color(ui.visuals().strong_text_color())).wrap());
    }
}

fn figures_ui(ui: &mut egui::Ui, run: &RunResult, cores: u64) {
    egui::Grid::new("summary").num_columns(4).spacing([16.0, 2.0]).show(ui, |ui| {
        let reps = run.repetitions.len();
        let elapsed = if run.outcome != Outcome::Completed {
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
            "User + system time of the run itself: its workers, dispatcher and every process it started.",
        );
        let parallelism = text::cores_used(run.effective_parallelism, cores);
        row(ui, "Parallelism", parallelism, "CPU time ÷ elapsed: how many cores the run really used.");
        ui.end_row();
        let baseline = format::or_na(run.baseline_rss_bytes, format::bytes);
        let memory_tip = format!(
            "The run's memory: the peak resident memory it added to the app, plus each worker process's own \
             peak. Not counted: the {baseline} the app held when the run started."
        );
        row(ui, "Peak memory", format::or_na(run.peak_rss_bytes, format::bytes), &memory_tip);
        let tasks = if run.tasks_failed > 0 {
            format!("{} ok, {} failed", run.tasks_ok, run.tasks_failed)
        } else {
            format!("{} ok", run.tasks_ok)
        };
        row(ui, "Tasks", tasks, "Tasks that finished, and tasks that panicked.");
        ui.end_row();
        if run.lab_cpu_secs.is_some() || run.other_cpu_secs.is_some() {
            let beside = format!(
                "lab {} · other programs {}",
                format::or_na(run.lab_cpu_secs, format::duration),
                format::or_na(run.other_cpu_secs, format::duration)
            );
            let tip = "CPU the rest of the lab (this window, the sampler) and other programs used while the run \
                       ran: what the run shared the machine with. Over a quarter of a core, the run is marked \
                       busy_machine and its comparisons disturbed.";
            row(ui, "Beside it", beside, tip);
            ui.end_row();
        }
    });
}

fn row(ui: &mut egui::Ui, name: &str, value: String, tooltip: &str) {
    ui.label(RichText::new(name).weak()).on_hover_text(tooltip);
    ui.label(value).on_hover_text(tooltip);
}
