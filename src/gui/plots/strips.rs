//! Cores side by side: for the runs of one comparison (the same work, the bars between two
//! gaps of the elapsed chart), one small strip per backend, in its colour and with its name,
//! all on one time axis (seconds from each run's start, up to the longest run), under the
//! elapsed bars. A strip fills the run's own cores (the samples' split) or, for samples
//! without one (older files), the whole machine's busy cores, and says which; an event loop's
//! strip says its loop lag (the heartbeat's worst lateness, and BLOCKED over 100 ms). It draws
//! plain data ([`RunBar`]s), like the other plots.

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, Stroke, pos2, vec2};

use crate::engine::{BackendKind, RunResult};
use crate::report::format;

use super::elapsed::RunBar;
use super::{palette, timeline};

/// The least height of a strip that still reads as a shape.
const MIN_STRIP_PX: f32 = 16.0;
/// A strip taller than this adds nothing.
const MAX_STRIP_PX: f32 = 46.0;
/// Room under the strips for the shared time axis.
const AXIS_PX: f32 = 18.0;

/// What the strips' caption says on hover.
pub const STRIPS_TOOLTIP: &str = "One strip per backend among the runs of this comparison (the same work), \
each filled with the cores its run kept busy (from the run's own CPU time, all cores together), on one \
time axis from each run's start: a run that finishes sooner ends sooner. The scale is 0 to all of the \
machine's cores. Files from before the lab split the machine's time show the whole machine's busy cores \
instead, and say so.";

/// One backend's strip: which run, and what to call it.
pub struct CoreStrip<'a> {
    pub label: String,
    pub result: &'a RunResult,
}

/// The strips of the comparison the selected run belongs to (else the last one): one per
/// backend among its bars, the selected run for its own backend, else that backend's latest.
/// None when the comparison has fewer than two backends (the core plot beside says it all).
pub fn strips_of<'a>(bars: &[RunBar<'a>], selected: Option<u64>) -> Vec<CoreStrip<'a>> {
    let at = selected.and_then(|id| bars.iter().position(|b| b.id == id)).unwrap_or(bars.len().saturating_sub(1));
    let Some(start) = (0..=at).rev().find(|&i| i == 0 || bars.get(i).is_some_and(|b| b.new_group)) else {
        return Vec::new();
    };
    let end = (at + 1..bars.len()).find(|&i| bars[i].new_group).unwrap_or(bars.len());
    let group = bars.get(start..end).unwrap_or_default();
    let mut backends: Vec<BackendKind> = Vec::new();
    for bar in group {
        if !backends.contains(&bar.result.config.backend) {
            backends.push(bar.result.config.backend);
        }
    }
    if backends.len() < 2 {
        return Vec::new();
    }
    (backends.iter())
        .filter_map(|&backend| {
            let mine = group.iter().filter(|b| b.result.config.backend == backend);
            let bar = mine.clone().find(|b| Some(b.id) == selected).or_else(|| mine.clone().next_back())?;
            Some(CoreStrip { label: bar.label.clone(), result: bar.result })
        })
        .collect()
}

/// The height the strips of `count` runs want, given at most `room`.
pub fn strips_height(count: usize, room: f32) -> f32 {
    (count as f32 * MAX_STRIP_PX + AXIS_PX).min(room.max(count as f32 * MIN_STRIP_PX + AXIS_PX))
}

/// What a strip fills: the run's cores at each sample, and whether they are the run's alone.
fn series(result: &RunResult) -> (Vec<[f64; 2]>, bool) {
    let split = result.cpu_samples.iter().any(|s| s.split.is_some());
    let points = (result.cpu_samples.iter())
        .filter_map(|s| match (split, s.split) {
            (true, Some(c)) => Some([s.t_secs, f64::from(c.run_cores)]),
            (true, None) => None,
            (false, _) => Some([s.t_secs, f64::from(s.per_core.iter().sum::<f32>()) / 100.0]),
        })
        .collect();
    (points, split)
}

/// The loop lag of an event-loop run, in words: "loop lag ≤ 2.1 ms", "loop BLOCKED 0.92 s".
pub fn loop_lag_words(result: &RunResult) -> Option<String> {
    let max = result.loop_lag_max_secs?;
    Some(if result.loop_blocked == Some(true) {
        format!("loop BLOCKED {}", format::duration(max))
    } else {
        format!("loop lag ≤ {}", format::duration(max))
    })
}

/// Draws the strips into `width` × `height`, a shared time axis under them.
pub fn core_strips_ui(ui: &mut egui::Ui, strips: &[CoreStrip<'_>], width: f32, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    if strips.is_empty() {
        return;
    }
    let visuals = ui.visuals().clone();
    let painter = ui.painter_at(rect);
    let font = FontId::proportional(10.5);
    let cores =
        (strips.iter()).flat_map(|s| s.result.cpu_samples.iter().map(|c| c.per_core.len())).max().unwrap_or(1).max(1)
            as f64;
    let t_end = strips.iter().map(|s| s.result.elapsed_secs).fold(0.0, f64::max).max(1e-3);
    let gutter = ui.ctx().fonts_mut(|f| {
        (strips.iter())
            .map(|s| f.layout_no_wrap(s.label.clone(), font.clone(), Color32::WHITE).size().x)
            .fold(0.0, f32::max)
    });
    let gutter = (gutter + 10.0).min(width * 0.45);
    let plot_left = rect.left() + gutter;
    // Room for the last time label, centred on the axis' end.
    let plot_right = rect.right() - 22.0;
    let strip_h = ((height - AXIS_PX) / strips.len() as f32).clamp(MIN_STRIP_PX.min(height), MAX_STRIP_PX);
    let x_of = |t: f64| plot_left + ((t / t_end) as f32).clamp(0.0, 1.0) * (plot_right - plot_left);
    let mut notes = Vec::new();
    for (i, strip) in strips.iter().enumerate() {
        let top = rect.top() + i as f32 * strip_h;
        let area = Rect::from_min_max(pos2(plot_left, top + 2.0), pos2(plot_right, top + strip_h - 2.0));
        let colour = palette::backend(strip.result.config.backend);
        painter.rect_filled(area, 1.0, visuals.extreme_bg_color);
        let y_of = |cores_busy: f64| area.bottom() - ((cores_busy / cores) as f32).clamp(0.0, 1.0) * area.height();
        let (points, split) = series(strip.result);
        let fill = if split { colour.gamma_multiply(0.8) } else { colour.gamma_multiply(0.35) };
        // One mesh, bottom and top of each sample joined: adjacent polygons would leave
        // anti-aliased seams between them.
        let mut mesh = egui::Mesh::default();
        for (i, p) in points.iter().enumerate() {
            mesh.colored_vertex(pos2(x_of(p[0]), area.bottom()), fill);
            mesh.colored_vertex(pos2(x_of(p[0]), y_of(p[1])), fill);
            if i > 0 {
                let at = u32::try_from(2 * i).unwrap_or(u32::MAX);
                mesh.add_triangle(at - 2, at - 1, at.saturating_add(1));
                mesh.add_triangle(at - 2, at.saturating_add(1), at);
            }
        }
        painter.add(egui::Shape::mesh(mesh));
        let line: Vec<_> = points.iter().map(|p| pos2(x_of(p[0]), y_of(p[1]))).collect();
        painter.add(egui::Shape::line(line, Stroke::new(1.0, colour)));
        // Where this run ended, on the axis it shares with longer runs.
        let end = x_of(strip.result.elapsed_secs);
        painter.line_segment([pos2(end, area.top()), pos2(end, area.bottom())], Stroke::new(1.0, colour));
        painter.text(pos2(rect.left(), area.center().y), Align2::LEFT_CENTER, &strip.label, font.clone(), colour);
        let mut said = Vec::new();
        if points.is_empty() {
            said.push("no CPU samples".to_owned());
        } else if !split {
            said.push("whole machine".to_owned());
        }
        said.extend(loop_lag_words(strip.result));
        if !said.is_empty() {
            notes.push((area, said.join(" · ")));
        }
    }
    for (area, note) in notes {
        let at = pos2(area.right() - 4.0, area.top() + 1.0);
        painter.text(at, Align2::RIGHT_TOP, note, FontId::proportional(10.0), visuals.weak_text_color());
    }
    let axis =
        Rect::from_min_max(pos2(plot_left, rect.top()), pos2(plot_right, rect.top() + strips.len() as f32 * strip_h));
    timeline::time_axis(&painter, axis, t_end, &font, visuals.text_color(), visuals.widgets.noninteractive.bg_stroke);
    let scale = format!("0–{cores:.0} cores");
    let at = pos2(rect.left(), axis.bottom() + 4.0);
    painter.text(at, Align2::LEFT_TOP, scale, font, visuals.weak_text_color());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ExperimentConfig, Outcome, Workload, WorkloadKind};

    fn result(backend: BackendKind, workload: WorkloadKind) -> RunResult {
        let config = ExperimentConfig { backend, workload: Workload::new(workload, 10), ..ExperimentConfig::default() };
        RunResult::unmeasured(config, Outcome::Completed)
    }

    fn bars<'a>(results: &'a [RunResult]) -> Vec<RunBar<'a>> {
        (results.iter().enumerate())
            .map(|(i, r)| RunBar {
                id: i as u64 + 1,
                label: format!("#{} {}", i + 1, r.config.backend),
                short_label: format!("#{}", i + 1),
                result: r,
                new_group: i > 0 && r.config.workload != results[i - 1].config.workload,
                machine: None,
            })
            .collect()
    }

    #[test]
    fn one_strip_per_backend_of_the_selected_runs_comparison() {
        use BackendKind::{EventLoop, Processes, Threads};
        let results = [
            result(EventLoop, WorkloadKind::Sleep),
            result(Threads, WorkloadKind::Sleep),
            result(Threads, WorkloadKind::Primes),
            result(Processes, WorkloadKind::Primes),
            result(Threads, WorkloadKind::Primes),
            result(EventLoop, WorkloadKind::Primes),
        ];
        let bars = bars(&results);
        let labels = |selected| strips_of(&bars, selected).into_iter().map(|s| s.label).collect::<Vec<_>>();
        // The second comparison: threads (the selected #3, not the later #5), processes, event loop.
        assert_eq!(labels(Some(3)), ["#3 threads", "#4 processes", "#6 event-loop"]);
        // Nothing selected: the last comparison, each backend's latest run.
        assert_eq!(labels(None), ["#5 threads", "#4 processes", "#6 event-loop"]);
        assert_eq!(labels(Some(1)), ["#1 event-loop", "#2 threads"]);
        // One backend alone is no comparison.
        assert!(strips_of(&bars[..1], Some(1)).is_empty());
        assert!(strips_of(&[], None).is_empty());
    }

    #[test]
    fn a_loop_says_its_lag_and_when_it_was_blocked() {
        let mut r = result(BackendKind::EventLoop, WorkloadKind::Sleep);
        assert_eq!(loop_lag_words(&r), None);
        r.loop_lag_max_secs = Some(0.002);
        r.loop_blocked = Some(false);
        assert_eq!(loop_lag_words(&r).as_deref(), Some("loop lag ≤ 2.0 ms"));
        r.loop_lag_max_secs = Some(0.9);
        r.loop_blocked = Some(true);
        assert_eq!(loop_lag_words(&r).as_deref(), Some("loop BLOCKED 900.0 ms"));
    }
}
