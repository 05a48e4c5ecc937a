//! Elapsed time: one bar per run, coloured by backend, grouped by work (a gap where the work
//! changes), with min–max whiskers when a run was repeated. The bar of the run in progress grows
//! live. Clicking a bar selects its run. Bars of runs from another machine (opened from a
//! result file) carry its name above them. It draws plain data ([`RunBar`]); the app makes the
//! bars from the history.

use eframe::egui::{self, Stroke};
use egui_plot::{Bar, BarChart, GridMark, Line, Plot, PlotPoint, Text};

use crate::engine::{BackendKind, Outcome, RunResult};
use crate::report::format;

use super::key::{Mark, key_row};
use super::{axis, palette};

const BAR_WIDTH: f64 = 0.6;
const GROUP_GAP: f64 = 0.6;

/// The run in progress, drawn as a pale bar after the history.
pub struct LiveBar {
    pub backend: BackendKind,
    pub elapsed_secs: f64,
}

/// One finished run's bar.
pub struct RunBar<'a> {
    /// The caller's id of the run, returned when its bar is clicked.
    pub id: u64,
    /// "#3 threads", and the short form "#3" for crowded charts.
    pub label: String,
    pub short_label: String,
    pub result: &'a RunResult,
    /// It did different work from the bar before it (or ran on another machine): a gap
    /// separates them.
    pub new_group: bool,
    /// The machine it ran on, when not this one ("EPYC 64-core"): said above its group.
    pub machine: Option<String>,
}

pub struct ElapsedView<'a> {
    pub bars: &'a [RunBar<'a>],
    pub selected: Option<u64>,
    pub live: Option<LiveBar>,
    pub interactive: bool,
}

/// Where each bar goes on the x axis: one unit apart, with a gap where the work changes.
fn positions(bars: &[RunBar<'_>]) -> Vec<f64> {
    let mut x = 0.0;
    let mut out = Vec::with_capacity(bars.len());
    for (i, bar) in bars.iter().enumerate() {
        if i > 0 {
            x += if bar.new_group { 1.0 + GROUP_GAP } else { 1.0 };
        }
        out.push(x);
    }
    out
}

/// The least gap between two bars' labels.
const LABEL_GAP_PX: f32 = 12.0;
/// What the y axis (its label and tick labels) takes from the chart's width, at most: the bars
/// get the rest.
const Y_AXIS_PX: f32 = 72.0;
/// The tick spacing told to egui_plot: wider than any label, and past its fading range.
const REPORTED_LABEL_SPACING_PX: f32 = 400.0;

/// Which of the bars at `xs` (ascending) get a label when two labels must be at least `gap`
/// apart: the first, then each one far enough from the last kept, and always the last bar
/// (in place of the one kept before it when those two would touch, even the first).
pub fn labelled(xs: &[f64], gap: f64) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        if kept.last().is_none_or(|&k| x - xs[k] >= gap) {
            kept.push(i);
        }
    }
    let last = xs.len().wrapping_sub(1);
    if !xs.is_empty() && kept.last() != Some(&last) {
        if kept.last().is_some_and(|&k| xs[last] - xs[k] < gap) {
            kept.pop();
        }
        kept.push(last);
    }
    kept
}

/// Draws the chart; returns the run whose bar was clicked.
pub fn elapsed_plot(ui: &mut egui::Ui, view: &ElapsedView<'_>, width: f32, height: f32) -> Option<u64> {
    let xs = positions(view.bars);
    let live_x = xs.last().map_or(0.0, |x| x + 1.0);
    let selected_stroke = Stroke::new(2.5, ui.visuals().strong_text_color());
    let whisker_color = ui.visuals().text_color();
    let x_max = live_x.max(xs.last().copied().unwrap_or(0.0)) + 0.6;
    // The points one unit of x takes: the bars share what the y axis leaves of the width, less
    // egui_plot's margins (5% of the range each side).
    let unit_px = (width - Y_AXIS_PX).max(1.0) / ((x_max + 0.6) * 1.1) as f32;
    // "#12 event-loop" under each bar when every such label fits its bar's room, or else just
    // "#12", and when even those would touch, a label under every few bars (the first and the
    // last always), so no two labels ever meet however many runs there are.
    let font = egui::TextStyle::Body.resolve(ui.style());
    let widest = |short: bool| {
        ui.ctx().fonts_mut(|fonts| {
            (view.bars.iter())
                .map(|b| if short { &b.short_label } else { &b.label })
                .map(|l| fonts.layout_no_wrap(l.clone(), font.clone(), egui::Color32::WHITE).size().x)
                .fold(0.0, f32::max)
        })
    };
    let dense = widest(false) + LABEL_GAP_PX > unit_px;
    let label_px = if dense { widest(true) } else { widest(false) } + LABEL_GAP_PX;
    let labels: Vec<(f64, String)> = (view.bars.iter().zip(&xs))
        .map(|(b, x)| (*x, if dense { b.short_label.clone() } else { b.label.clone() }))
        .collect();
    // egui_plot hides a tick label it is told is closer to the next than 60 points or than the
    // label is wide, and fades it below 80: the labels were sized and thinned to fit above, so
    // report a spacing that passes both checks whole.
    let label_step = f64::from(REPORTED_LABEL_SPACING_PX / unit_px);
    let marks_at: Vec<f64> = labelled(&xs, f64::from(label_px / unit_px)).into_iter().map(|i| xs[i]).collect();
    let hover_texts: Vec<String> = view.bars.iter().map(hover_text).collect();
    // The key above the chart: each backend with a bar, in the backend table's order.
    let mut keys: Vec<(egui::Color32, Mark, String)> = (BackendKind::ALL.iter())
        .filter(|&&b| view.bars.iter().any(|r| r.result.config.backend == b))
        .map(|&b| (palette::backend(b), Mark::Swatch, b.name().to_owned()))
        .collect();
    if let Some(live) = &view.live {
        keys.push((palette::backend(live.backend).gamma_multiply(0.45), Mark::Swatch, "running".to_owned()));
    }
    let height = (height - key_row(ui, &keys)).max(60.0);
    let response = Plot::new("elapsed")
        .width(width)
        .height(height)
        .include_y(0.0)
        // Headroom over the tallest bar or whisker for the machines' names.
        .include_y(headroom(view))
        .include_x(-0.6)
        .include_x(x_max)
        .y_axis_label("elapsed (median)")
        .y_axis_formatter(|mark, _| axis::secs(mark.value))
        // One mark under each bar (bars after a workload gap sit off the whole numbers).
        .x_grid_spacer(move |input| {
            let (lo, hi) = input.bounds;
            marks_at
                .iter()
                .filter(|x| (lo..=hi).contains(*x))
                .map(|&value| GridMark { value, step_size: label_step })
                .collect()
        })
        .x_axis_formatter(move |mark, _| {
            labels.iter().find(|(x, _)| (x - mark.value).abs() < 0.5).map(|(_, l)| l.clone()).unwrap_or_default()
        })
        .show_grid([false, true])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(false)
        .show_y(view.interactive)
        .show(ui, |plot_ui| {
            for &backend in BackendKind::ALL {
                let bars: Vec<Bar> = (view.bars.iter().zip(&xs))
                    .filter(|(b, _)| b.result.config.backend == backend)
                    .map(|(b, x)| bar(b, *x, view.selected == Some(b.id), selected_stroke))
                    .collect();
                if !bars.is_empty() {
                    // Hover text is an egui tooltip (below), kept on screen: egui_plot's own is
                    // drawn beside the bar and cut off at the plot's edge.
                    plot_ui.bar_chart(
                        BarChart::new(backend.name(), bars).color(palette::backend(backend)).allow_hover(false),
                    );
                }
            }
            for (run, x) in view.bars.iter().zip(&xs) {
                let stats = &run.result.stats;
                // A stopped run's bar is its unfinished repetition, not a median: no whisker.
                if run.result.repetitions.len() > 1 && run.result.outcome == Outcome::Completed {
                    whisker(plot_ui, *x, stats.min_secs, stats.max_secs, whisker_color);
                }
            }
            machine_captions(plot_ui, view.bars, &xs, whisker_color);
            if let Some(live) = &view.live {
                let color = palette::backend(live.backend).gamma_multiply(0.45);
                let bar = Bar::new(live_x, live.elapsed_secs).width(BAR_WIDTH).fill(color);
                plot_ui.bar_chart(BarChart::new("running", vec![bar]).color(color).allow_hover(false));
            }
        });
    let plot = response.response;
    if !view.interactive {
        return None;
    }
    let hit = |pointer: egui::Pos2| {
        let value = response.transform.value_from_position(pointer);
        xs.iter().position(|x| (x - value.x).abs() <= BAR_WIDTH / 2.0 + 0.1)
    };
    let hovered = plot.hover_pos().and_then(hit);
    let live_hovered = (view.live.as_ref()).filter(|_| {
        plot.hover_pos()
            .is_some_and(|p| (response.transform.value_from_position(p).x - live_x).abs() <= BAR_WIDTH / 2.0)
    });
    let clicked = plot.clicked().then(|| plot.interact_pointer_pos().and_then(hit)).flatten();
    if let Some(text) = hovered.and_then(|i| hover_texts.get(i)) {
        plot.on_hover_text_at_pointer(text);
    } else if let Some(live) = live_hovered {
        plot.on_hover_text_at_pointer(format!("{} (running, {})", live.backend, format::duration(live.elapsed_secs)));
    }
    clicked.and_then(|i| view.bars.get(i)).map(|b| b.id)
}

/// 1.15 × the tallest thing drawn (1 s on an empty chart), so a machine's name fits over its bars.
fn headroom(view: &ElapsedView<'_>) -> f64 {
    let tallest = view
        .bars
        .iter()
        .map(|b| b.result.elapsed_secs.max(b.result.stats.max_secs))
        .chain(view.live.as_ref().map(|l| l.elapsed_secs))
        .fold(0.0, f64::max);
    if tallest > 0.0 { tallest * 1.15 } else { 1.0 }
}

/// What hovering a bar says: its run, time and spread, workers, and an unfinished outcome.
fn hover_text(run: &RunBar<'_>) -> String {
    let r = run.result;
    let mut name = format!("{}: {}", run.label, format::duration(r.elapsed_secs));
    if r.repetitions.len() > 1 && r.outcome == Outcome::Completed {
        name += &format!(
            "\nmedian of {}, {}–{}",
            r.repetitions.len(),
            format::duration(r.stats.min_secs),
            format::duration(r.stats.max_secs)
        );
    }
    name += &format!("\n{} {}", r.config.workers, r.config.backend.workers_meaning());
    if r.outcome != Outcome::Completed {
        name += &format!("\n{}", r.outcome.name());
    }
    if let Some(lag) = super::strips::loop_lag_words(r) {
        name += &format!("\n{lag}");
    }
    name
}

fn bar(run: &RunBar<'_>, x: f64, selected: bool, selected_stroke: Stroke) -> Bar {
    let r = run.result;
    let color = palette::backend(r.config.backend);
    // Unfinished runs are pale: their time is not the workload's.
    let fill = if r.outcome == Outcome::Completed { color.gamma_multiply(0.8) } else { color.gamma_multiply(0.3) };
    let stroke = if selected { selected_stroke } else { Stroke::new(1.0, color) };
    Bar::new(x, r.elapsed_secs).width(BAR_WIDTH).fill(fill).stroke(stroke)
}

/// Above each stretch of bars from one other machine, its name.
fn machine_captions(plot_ui: &mut egui_plot::PlotUi<'_>, bars: &[RunBar<'_>], xs: &[f64], color: egui::Color32) {
    let mut start = 0;
    while start < bars.len() {
        let machine = &bars[start].machine;
        // A stretch ends where the machine or the work changes.
        let end = start + 1 + bars[start + 1..].iter().take_while(|b| !b.new_group && &b.machine == machine).count();
        if let (Some(name), Some(first), Some(last)) = (machine, xs.get(start), xs.get(end - 1)) {
            let top = (bars[start..end].iter())
                .map(|b| b.result.elapsed_secs.max(b.result.stats.max_secs))
                .fold(0.0, f64::max);
            let at = PlotPoint::new((first + last) / 2.0, top * 1.04);
            let text = egui::RichText::new(name).small().color(color);
            plot_ui.text(Text::new("", at, text).anchor(egui::Align2::CENTER_BOTTOM).allow_hover(false));
        }
        start = end;
    }
}

fn whisker(plot_ui: &mut egui_plot::PlotUi<'_>, x: f64, min: f64, max: f64, color: egui::Color32) {
    let cap = BAR_WIDTH / 4.0;
    let points = vec![[x - cap, min], [x + cap, min], [x, min], [x, max], [x - cap, max], [x + cap, max]];
    plot_ui.line(Line::new("", points).color(color).width(1.5).allow_hover(false));
}

#[cfg(test)]
mod tests {
    use super::labelled;

    #[test]
    fn labels_are_thinned_never_closer_than_the_gap_and_the_last_is_kept() {
        // Fourteen bars one unit apart, labels needing three: the old rule kept #13 and #14
        // side by side ("#13#14").
        let xs: Vec<f64> = (0..14).map(f64::from).collect();
        let kept = labelled(&xs, 3.0);
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&13));
        assert!(kept.windows(2).all(|w| xs[w[1]] - xs[w[0]] >= 3.0), "{kept:?}");
        // Every bar, when the labels fit; a group gap counts as room.
        assert_eq!(labelled(&[0.0, 1.0, 2.6, 3.6], 1.0), [0, 1, 2, 3]);
        assert_eq!(labelled(&[0.0, 1.0, 2.6, 3.6], 1.6), [0, 3]);
        // Two bars too close for two labels: the newest keeps its label.
        assert_eq!(labelled(&[0.0, 1.0], 2.0), [1]);
        assert!(labelled(&[], 2.0).is_empty());
        assert_eq!(labelled(&[5.0], 2.0), [0]);
        for n in 1..200 {
            let xs: Vec<f64> = (0..n).map(f64::from).collect();
            for gap in [1.0, 2.5, 7.0, 40.0] {
                let kept = labelled(&xs, gap);
                assert!(kept.windows(2).all(|w| xs[w[1]] - xs[w[0]] >= gap), "{n} bars, gap {gap}: {kept:?}");
                assert_eq!(kept.last(), Some(&(n as usize - 1)));
            }
        }
    }
}
