//! The timeline: one lane per worker, a bar per task span, coloured by outcome. Spans are
//! sorted into lanes once per run (`gui::lanes::Lanes`, plain data); each frame turns them into
//! at most a few bars per
//! pixel column ([`bars`]): a span wider than a few pixels is drawn alone, narrower ones that
//! touch are merged into one bar. That keeps a 100,000-span run within a frame's budget.
//! With the GIL on, the bars are pale and the GIL holds are shaded over them
//! ([`gil_shade`](super::gil_shade)).

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, Stroke, pos2, vec2};

use crate::report::format;

use super::super::lanes::Lanes;
use super::gil_shade::shades;
use super::{axis, palette};

/// Spans at least this wide (in pixels) are drawn on their own, with a gap at each end.
const SOLO_MIN_PX: f32 = 3.0;
const LABEL_GUTTER_PX: f32 = 72.0;
const AXIS_PX: f32 = 18.0;

/// One drawn bar: a span, or neighbouring spans merged because each is too narrow to see.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub lane: usize,
    /// Pixels from the start of the time axis.
    pub x0: f32,
    pub x1: f32,
    pub spans: u32,
    pub failed: bool,
}

/// The bars for a time axis of `width_px` pixels covering `0..=t_end_secs`.
pub fn bars(lanes: &Lanes, t_end_secs: f64, width_px: f32) -> Vec<Bar> {
    let mut out = Vec::new();
    if t_end_secs <= 0.0 || width_px <= 0.0 {
        return out;
    }
    let px_per_sec = f64::from(width_px) / t_end_secs;
    for (lane, spans) in lanes.lanes().iter().enumerate() {
        let mut merged: Option<Bar> = None;
        for span in spans {
            let x0 = (span.start_secs * px_per_sec) as f32;
            let x1 = (span.end_secs * px_per_sec) as f32;
            if x1 - x0 >= SOLO_MIN_PX {
                // Tasks in flight together on one lane (an event loop's) overlap: one bar for
                // their union, not thousands painted over each other.
                match out.last_mut().filter(|b| b.lane == lane && x0 < b.x1 && b.failed != span.ok) {
                    Some(bar) => {
                        bar.x1 = bar.x1.max(x1);
                        bar.spans += 1;
                    }
                    None => out.push(Bar { lane, x0, x1, spans: 1, failed: !span.ok }),
                }
                continue;
            }
            let x1 = x1.max(x0 + 1.0);
            match &mut merged {
                Some(bar) if x0 <= bar.x1 + 1.0 => {
                    bar.x1 = bar.x1.max(x1);
                    bar.spans += 1;
                    bar.failed |= !span.ok;
                }
                _ => {
                    out.extend(merged.take());
                    merged = Some(Bar { lane, x0, x1, spans: 1, failed: !span.ok });
                }
            }
        }
        out.extend(merged);
    }
    out
}

/// What a lane is called for this backend's workers.
pub fn lane_name(worker_word: &str, lane: usize) -> String {
    format!("{worker_word} {lane}")
}

/// Draws the timeline into the full width of `ui`, `height` points tall.
/// `empty` is what to say while there are no spans (before a run, or before a task finished).
pub fn timeline_ui(ui: &mut egui::Ui, lanes: &Lanes, t_end_secs: f64, lane_word: &str, height: f32, empty: &str) {
    let (rect, response) = ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
    let visuals = ui.visuals().clone();
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, visuals.extreme_bg_color);
    let plot = Rect::from_min_max(
        pos2(rect.left() + LABEL_GUTTER_PX, rect.top() + 4.0),
        pos2(rect.right() - 8.0, rect.bottom() - AXIS_PX),
    );
    let text_color = visuals.text_color();
    let font = FontId::proportional(11.0);
    let n_lanes = lanes.lane_count();
    if n_lanes == 0 || t_end_secs <= 0.0 {
        painter.text(rect.center(), Align2::CENTER_CENTER, empty, font, visuals.weak_text_color());
        return;
    }
    let lane_h = plot.height() / n_lanes as f32;
    let pad = if lane_h >= 6.0 { (lane_h * 0.15).min(3.0) } else { 0.0 };
    let with_gil = !lanes.holds().is_empty();
    let (held_color, failed_color) = (palette::task_ok(visuals.dark_mode), palette::task_failed());
    let ok_color = if with_gil { palette::gil_waiting(visuals.dark_mode) } else { held_color };
    for bar in bars(lanes, t_end_secs, plot.width()) {
        let top = plot.top() + bar.lane as f32 * lane_h;
        let mut r =
            Rect::from_min_max(pos2(plot.left() + bar.x0, top + pad), pos2(plot.left() + bar.x1, top + lane_h - pad));
        if bar.spans == 1 && bar.x1 - bar.x0 >= SOLO_MIN_PX {
            r = r.shrink2(vec2(0.5, 0.0)); // a hairline gap between back-to-back tasks
        }
        painter.rect_filled(r, 0.0, if bar.failed { failed_color } else { ok_color });
    }
    for shade in shades(lanes.holds(), t_end_secs, plot.width()) {
        let top = plot.top() + shade.lane as f32 * lane_h;
        let r = Rect::from_min_max(
            pos2(plot.left() + shade.x0, top + pad),
            pos2(plot.left() + shade.x1, top + lane_h - pad),
        );
        painter.rect_filled(r, 0.0, held_color.gamma_multiply(shade.held));
    }
    // Lane labels: every lane when there is room, otherwise the first and the last.
    let every = ((14.0 / lane_h).ceil() as usize).max(1);
    for lane in (0..n_lanes).filter(|l| l % every == 0 || *l == n_lanes - 1) {
        let y = plot.top() + (lane as f32 + 0.5) * lane_h;
        painter.text(
            pos2(rect.left() + 6.0, y),
            Align2::LEFT_CENTER,
            lane_name(lane_word, lane),
            font.clone(),
            text_color,
        );
    }
    time_axis(&painter, plot, t_end_secs, &font, text_color, visuals.widgets.noninteractive.bg_stroke);
    if let Some(pointer) = response.hover_pos().filter(|p| plot.contains(*p)) {
        let lane = (((pointer.y - plot.top()) / lane_h) as usize).min(n_lanes - 1);
        let t = f64::from((pointer.x - plot.left()) / plot.width()) * t_end_secs;
        let tolerance = t_end_secs / f64::from(plot.width());
        if let Some(span) = lanes.span_at(lane, t, tolerance) {
            let duration = span.end_secs - span.start_secs;
            let held = if with_gil && duration > 0.0 {
                let share = lanes.holds().held_within(lane, span.start_secs, span.end_secs) / duration;
                format!("\nheld the GIL {:.0}% of it", share * 100.0)
            } else {
                String::new()
            };
            response.on_hover_text_at_pointer(format!(
                "task {} · {}\nstart {} · duration {}{held}{}",
                span.task,
                lane_name(lane_word, lane),
                format::duration(span.start_secs),
                format::duration(duration),
                if span.ok { "" } else { "\npanicked (counted as failed)" }
            ));
        }
    }
}

/// Tick marks and labels at a 1-2-5 step that leaves room for the labels.
pub(super) fn time_axis(
    painter: &egui::Painter,
    plot: Rect,
    t_end: f64,
    font: &FontId,
    color: Color32,
    stroke: Stroke,
) {
    let y = plot.bottom();
    painter.line_segment([pos2(plot.left(), y), pos2(plot.right(), y)], stroke);
    let max_ticks = (plot.width() / 80.0).max(1.0) as f64;
    let step = axis::nice_step(t_end / max_ticks);
    let mut t = 0.0;
    while t <= t_end * 1.000_1 {
        let x = plot.left() + (t / t_end) as f32 * plot.width();
        painter.line_segment([pos2(x, y), pos2(x, y + 4.0)], stroke);
        painter.text(pos2(x, y + 4.0), Align2::CENTER_TOP, axis::secs(t), font.clone(), color);
        t += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Span;

    fn span(task: u64, worker: u32, start: f64, end: f64) -> Span {
        Span { task, worker, start_secs: start, end_secs: end, ok: task != 17 }
    }

    #[test]
    fn wide_spans_are_drawn_alone_and_narrow_ones_merge() {
        // 1 s over 100 px: two 0.2 s spans (20 px) and 50 back-to-back 1 ms spans (0.1 px).
        let mut spans = vec![span(0, 0, 0.0, 0.2), span(1, 0, 0.2, 0.4)];
        spans.extend((0..50).map(|i| span(10 + i, 1, 0.5 + i as f64 * 0.001, 0.501 + i as f64 * 0.001)));
        let bars = bars(&Lanes::new(&spans), 1.0, 100.0);
        let lane0: Vec<_> = bars.iter().filter(|b| b.lane == 0).collect();
        let lane1: Vec<_> = bars.iter().filter(|b| b.lane == 1).collect();
        assert_eq!(lane0.len(), 2);
        assert_eq!(lane1.len(), 1, "{lane1:?}");
        assert_eq!(lane1[0].spans, 50);
        assert!(lane1[0].failed, "task 17 (failed in this fixture) is in the merged bar");
    }

    #[test]
    fn overlapping_wide_spans_on_one_lane_are_one_bar() {
        // 10,000 tasks in flight on one loop, each 0.5 s of a 0.6 s run, started 1 µs apart.
        let spans: Vec<Span> = (0..10_000).map(|i| span(i + 100, 0, i as f64 * 1e-6, 0.5 + i as f64 * 1e-6)).collect();
        let bars = bars(&Lanes::new(&spans), 0.6, 1000.0);
        assert_eq!(bars.len(), 1, "{:?}", &bars[..bars.len().min(3)]);
        assert_eq!(bars[0].spans, 10_000);
        assert!((bars[0].x1 - 850.0).abs() < 0.1, "the union ends with the last task: {:?}", bars[0]);
    }

    #[test]
    fn a_hundred_thousand_spans_become_at_most_a_few_bars_per_pixel() {
        let spans: Vec<Span> =
            (0..100_000).map(|i| span(i, (i % 2) as u32, i as f64 * 1e-5, i as f64 * 1e-5 + 2e-5)).collect();
        let lanes = Lanes::new(&spans);
        let bars = bars(&lanes, lanes.end_secs(), 800.0);
        assert!(bars.len() <= 2 * 800, "{} bars", bars.len());
        assert_eq!(bars.iter().map(|b| b.spans as usize).sum::<usize>(), 100_000, "every span is drawn");
    }
}
