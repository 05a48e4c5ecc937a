//! The charts of a result file on one page, for `--png` and `report`: a title line (the
//! experiment and the machine), the window's elapsed-time bars and core plot side by side,
//! and under them a timeline per run; for a sweep, the window's sweep charts. Drawn by the
//! same plot functions as the window, with hover decorations off.

use eframe::egui::{self, RichText};

use crate::engine::{ResultFile, RunResult};
use crate::report;
use crate::report::format;

use super::lanes::Lanes;
use super::plots::cores::CoresView;
use super::plots::elapsed::{ElapsedView, RunBar};
use super::plots::sweep::{SweepChartsView, around_charts_height, sweep_charts_ui};
use super::plots::timeline::timeline_ui;
use super::plots::{SideBySide, side_by_side};

const MARGIN: f32 = 14.0;
/// A timeline shorter than this is not worth drawing; the runs left out are named instead.
const MIN_TIMELINE: f32 = 46.0;

/// "Intel Xeon (2 logical cores), Linux 6.1, 7.8 GiB".
pub fn machine_line(file: &ResultFile) -> String {
    let m = &file.machine;
    let brand = if m.cpu_brand.is_empty() { "unknown CPU" } else { m.cpu_brand.trim() };
    format!("{brand} ({} logical cores), {}, {} of memory", m.logical_cores, m.os, format::bytes(m.total_memory_bytes))
}

/// At most this many verdicts on a page (a history of many comparisons has one each).
const MAX_VERDICTS: usize = 3;

/// The whole page: `heading` (say a preset's name) over the charts of `file`.
pub fn result_charts_ui(ui: &mut egui::Ui, file: &ResultFile, heading: &str) {
    egui::Frame::new().inner_margin(MARGIN).show(ui, |ui| {
        ui.label(RichText::new(heading).heading().strong());
        let work = file.runs.first().map(|r| r.config.describe_work()).unwrap_or_default();
        ui.label(format!("{work} · {}", machine_line(file)));
        ui.add_space(6.0);
        if file.sweep.is_some() {
            sweep_ui(ui, file);
        } else {
            runs_ui(ui, file);
        }
    });
}

/// The bars of every run, labelled "#1 threads", with a gap where the work changes.
fn bars(runs: &[RunResult]) -> Vec<RunBar<'_>> {
    (runs.iter().enumerate())
        .map(|(i, result)| RunBar {
            id: i as u64 + 1,
            label: format!("#{} {}", i + 1, result.config.backend),
            short_label: format!("#{}", i + 1),
            result,
            new_group: i > 0 && !report::comparable(&runs[i - 1], result),
            machine: None,
        })
        .collect()
}

/// A sweep's page: the window's sweep charts (elapsed against the varied parameter, the
/// speedup or the cost per unit, the Karp–Flatt strip and the fitted laws), from the report.
fn sweep_ui(ui: &mut egui::Ui, file: &ResultFile) {
    let Some(spec) = &file.sweep else { return };
    let runs: Vec<&RunResult> = file.runs.iter().collect();
    let cores = file.machine.physical_cores.unwrap_or(file.machine.logical_cores);
    let report = report::sweep_report(&runs, spec, cores);
    let values: Vec<String> = spec.values.iter().map(u64::to_string).collect();
    let view = SweepChartsView {
        report: &report,
        cores,
        selected: None,
        interactive: false,
        height: (ui.available_height() - around_charts_height(ui, &report)).max(240.0),
        caption: format!("{} through {}: {} runs", spec.vary.name(), values.join(", "), file.runs.len()),
    };
    sweep_charts_ui(ui, &view);
}

/// Runs: bars and the last run's cores side by side, then each run's timeline.
fn runs_ui(ui: &mut egui::Ui, file: &ResultFile) {
    let Some(last) = file.runs.last() else {
        ui.label("No runs: the run was stopped before its first backend started.");
        return;
    };
    // The verdict first: what the figure shows, in the report's words (as the summary says it).
    let runs: Vec<&RunResult> = file.runs.iter().collect();
    let summary = report::summary(&runs, file.machine.logical_cores);
    let words =
        summary.verdicts.iter().map(|v| v.text.as_str()).chain(summary.gil_check.iter().map(|g| g.text.as_str()));
    for text in words.take(MAX_VERDICTS) {
        ui.label(RichText::new(text).strong());
    }
    ui.add_space(4.0);
    let bars = bars(&file.runs);
    let height = ui.available_height();
    let view = SideBySide {
        elapsed: ElapsedView { bars: &bars, selected: Some(file.runs.len() as u64), live: None, interactive: false },
        cores: CoresView {
            samples: &last.cpu_samples,
            backend: Some(last.config.backend),
            empty_note: Some("No CPU samples: the run was shorter than one sampling interval.".to_owned()),
            t_end_secs: last.elapsed_secs.max(Lanes::new(&last.spans).end_secs()),
            setup_secs: Some(last.setup_secs),
            interactive: false,
        },
        cores_title: format!("#{} {}", file.runs.len(), last.config.backend),
    };
    side_by_side(ui, &view, (height * 0.5).max(200.0));
    ui.add_space(6.0);
    let label_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y * 2.0;
    let per_run = (ui.available_height() / file.runs.len() as f32 - label_height).min(160.0);
    let shown = if per_run >= MIN_TIMELINE {
        file.runs.len()
    } else {
        ((ui.available_height() / (MIN_TIMELINE + label_height)) as usize).max(1)
    };
    let timeline_height = if per_run >= MIN_TIMELINE { per_run } else { MIN_TIMELINE };
    for (i, run) in file.runs.iter().enumerate().take(shown) {
        let (lanes, of) = lanes_that_fit(run, timeline_height);
        let lane_word = run.config.backend.info().lane_word;
        let lanes_said = match of {
            Some(all) => format!("the first {} of {all} lanes, one per {lane_word}", lanes.lane_count()),
            None => format!("one lane per {lane_word}"),
        };
        ui.label(format!(
            "Timeline #{} {} — {}, {} ({}), {lanes_said}",
            i + 1,
            run.config.backend,
            run.config.describe(),
            format::duration(run.elapsed_secs),
            run.outcome.name()
        ));
        let t_end = run.elapsed_secs.max(lanes.end_secs());
        timeline_ui(ui, &lanes, t_end, lane_word, timeline_height, "No tasks recorded.");
    }
    if shown < file.runs.len() {
        ui.weak(format!(
            "The timelines of {} more runs do not fit; a taller --png-size shows them.",
            file.runs.len() - shown
        ));
    }
}

/// A run's lanes, at most one per point of `height` (10,000 tasks in flight are 10,000 lanes:
/// thinner than a pixel each, and their overdraw takes a software renderer minutes). With more,
/// the first that fit, and how many there were.
fn lanes_that_fit(run: &RunResult, height: f32) -> (Lanes, Option<usize>) {
    let all = Lanes::with_holds(&run.spans, &run.gil_holds);
    let fit = (height as usize).max(1);
    if all.lane_count() <= fit {
        return (all, None);
    }
    let mut workers: Vec<u32> = run.spans.iter().map(|s| s.worker).collect();
    workers.sort_unstable();
    workers.dedup();
    let Some(&last_kept) = workers.get(fit - 1) else { return (all, None) };
    let spans: Vec<_> = run.spans.iter().filter(|s| s.worker <= last_kept).copied().collect();
    let holds: Vec<_> = run.gil_holds.iter().filter(|h| h.worker <= last_kept).copied().collect();
    (Lanes::with_holds(&spans, &holds), Some(all.lane_count()))
}
