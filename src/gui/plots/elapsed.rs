//! Elapsed time: one bar per run, coloured by backend, grouped by work (a gap where the work
//! changes), with min–max whiskers when a run was repeated. The bar of the run in progress grows
//! live. Clicking a bar selects its run. Bars of runs from another machine (opened from a
//! result file) carry its name above them. It draws plain data ([`RunBar`]); the app makes the
//! bars from the history.

use eframe::egui::{self, Stroke};
use egui_plot::{Bar, BarChart, Corner, GridMark, Legend, Line, Plot, PlotPoint, Text};

use crate::engine::{BackendKind, Outcome, RunResult};
use crate::report::format;

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

/// Points a short label ("#12") needs under its bar.
const SHORT_LABEL_PX: f32 = 30.0;
/// The least gap between two bars' labels.
const LABEL_GAP_PX: f32 = 12.0;
/// The tick spacing told to egui_plot: wider than any label, and past its fading range.
const REPORTED_LABEL_SPACING_PX: f32 = 400.0;

/// Draws the chart; returns the run whose bar was clicked.
pub fn elapsed_plot(ui: &mut egui::Ui, view: &ElapsedView<'_>, width: f32, height: f32) -> Option<u64> {
    let xs = positions(view.bars);
    let live_x = xs.last().map_or(0.0, |x| x + 1.0);
    let selected_stroke = Stroke::new(2.5, ui.visuals().strong_text_color());
    let whisker_color = ui.visuals().text_color();
    // "#12 event-loop" under each bar when the longest such label fits its bar's room, or else
    // just "#12", and when even those would touch, a label under every few bars (the first
    // and the last always).
    let per_bar = width / (view.bars.len() as f32 + 1.2);
    let font = egui::TextStyle::Body.resolve(ui.style());
    let widest = ui.ctx().fonts_mut(|fonts| {
        view.bars
            .iter()
            .map(|b| fonts.layout_no_wrap(b.label.clone(), font.clone(), egui::Color32::WHITE).size().x)
            .fold(0.0, f32::max)
    });
    let dense = widest + LABEL_GAP_PX > per_bar;
    let every = if per_bar >= SHORT_LABEL_PX { 1 } else { (SHORT_LABEL_PX / per_bar.max(1.0)).ceil() as usize };
    let labels: Vec<(f64, String)> = (view.bars.iter().zip(&xs))
        .map(|(b, x)| (*x, if dense { b.short_label.clone() } else { b.label.clone() }))
        .collect();
    // egui_plot hides a tick label it is told is closer to the next than 60 points or than the
    // label is wide, and fades it below 80: the labels were sized and thinned to fit above, so
    // report a spacing that passes both checks whole.
    let label_step = f64::from(REPORTED_LABEL_SPACING_PX / per_bar.max(1.0));
    let last = xs.len().saturating_sub(1);
    let marks_at: Vec<f64> =
        xs.iter().enumerate().filter(|(i, _)| i % every == 0 || *i == last).map(|(_, x)| *x).collect();
    let response = Plot::new("elapsed")
        .width(width)
        .height(height)
        .legend(Legend::default().position(Corner::LeftTop))
        .include_y(0.0)
        // Headroom over the tallest bar or whisker for the legend.
        .include_y(headroom(view))
        .include_x(-0.6)
        .include_x(live_x.max(xs.last().copied().unwrap_or(0.0)) + 0.6)
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
                    plot_ui.bar_chart(
                        BarChart::new(backend.name(), bars)
                            .color(palette::backend(backend))
                            .element_formatter(Box::new(|bar, _| bar.name.clone())),
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
                let bar = Bar::new(live_x, live.elapsed_secs).width(BAR_WIDTH).fill(color).name(format!(
                    "{} (running, {})",
                    live.backend,
                    format::duration(live.elapsed_secs)
                ));
                plot_ui.bar_chart(
                    BarChart::new("running", vec![bar]).color(color).element_formatter(Box::new(|b, _| b.name.clone())),
                );
            }
        });
    let plot = response.response;
    if view.interactive && plot.clicked() {
        let pointer = plot.interact_pointer_pos()?;
        let value = response.transform.value_from_position(pointer);
        let hit = xs.iter().position(|x| (x - value.x).abs() <= BAR_WIDTH / 2.0 + 0.1)?;
        return view.bars.get(hit).map(|b| b.id);
    }
    None
}

/// 1.3 × the tallest thing drawn (1 s on an empty chart), so the legend sits above the bars.
fn headroom(view: &ElapsedView<'_>) -> f64 {
    let tallest = view
        .bars
        .iter()
        .map(|b| b.result.elapsed_secs.max(b.result.stats.max_secs))
        .chain(view.live.as_ref().map(|l| l.elapsed_secs))
        .fold(0.0, f64::max);
    if tallest > 0.0 { tallest * 1.3 } else { 1.0 }
}

fn bar(run: &RunBar<'_>, x: f64, selected: bool, selected_stroke: Stroke) -> Bar {
    let r = run.result;
    // Short lines: egui_plot clips a hover label at the plot's edge. The summary has the rest.
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
    let color = palette::backend(r.config.backend);
    // Unfinished runs are pale: their time is not the workload's.
    let fill = if r.outcome == Outcome::Completed { color.gamma_multiply(0.8) } else { color.gamma_multiply(0.3) };
    let stroke = if selected { selected_stroke } else { Stroke::new(1.0, color) };
    Bar::new(x, r.elapsed_secs).width(BAR_WIDTH).name(name).fill(fill).stroke(stroke)
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
