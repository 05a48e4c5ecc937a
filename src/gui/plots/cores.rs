//! Core utilization over the selected run's time axis, live while a run goes on. With the
//! samples' split (`split`): the run's, the lab's and other programs' cores stacked, and each
//! core's line thin beside them; without (older result files, systems where it can't be
//! measured): one line per core of the whole machine, plus the mean, as before the split. A
//! dashed line marks where setup ended and tasks began.

mod split;

use eframe::egui::{self, Align2, RichText, Stroke};
use egui_plot::{Corner, Legend, Line, LineStyle, Plot, PlotPoint, PlotPoints, Points, Text, VLine};

use crate::engine::{BackendKind, CpuSample};

use super::decimate::decimate;
use super::{axis, palette};

pub struct CoresView<'a> {
    pub samples: &'a [CpuSample],
    /// The run's backend: its cores are drawn in its colour.
    pub backend: Option<BackendKind>,
    /// Why there are no samples, when there are none (e.g. a run shorter than one interval).
    pub empty_note: Option<String>,
    /// The end of the run's time axis (so live plots grow into a fixed frame).
    pub t_end_secs: f64,
    pub setup_secs: Option<f64>,
    /// False while a PNG is being captured: no crosshair or hover label in the picture.
    pub interactive: bool,
}

pub fn cores_plot(ui: &mut egui::Ui, view: &CoresView<'_>, width: f32, height: f32) {
    let cores = view.samples.iter().map(|s| s.per_core.len()).max().unwrap_or(0);
    if view.samples.iter().any(|s| s.split.is_some()) {
        return split::split_plot(ui, view, cores, width, height);
    }
    let buckets = width.max(1.0) as usize;
    let dark = ui.visuals().dark_mode;
    let text = ui.visuals().text_color();
    Plot::new("cores")
        .width(width)
        .height(height)
        .legend(Legend::default().position(Corner::RightTop))
        .include_y(0.0)
        // Headroom above 100% for the legend, so it does not cover busy cores.
        .include_y(125.0)
        .y_grid_spacer(|input| axis::marks(input.bounds, 20.0))
        .x_grid_spacer(|input| axis::marks(input.bounds, axis::nice_step((input.bounds.1 - input.bounds.0) / 5.0)))
        .include_x(0.0)
        .include_x(view.t_end_secs.max(view.samples.last().map_or(0.001, |s| s.t_secs)))
        .x_axis_label("time since the run started")
        .y_axis_label("busy %")
        .x_axis_formatter(|mark, _| axis::secs(mark.value))
        .y_axis_formatter(|mark, _| {
            let percent = mark.value.round();
            if (0.0..=100.0).contains(&percent) { format!("{}%", percent.abs()) } else { String::new() }
        })
        .allow_drag(view.interactive)
        .allow_zoom(view.interactive)
        .allow_scroll(false)
        .show_x(view.interactive)
        .show_y(view.interactive)
        .show(ui, |plot_ui| {
            for core in 0..cores {
                let line = CoreLine { core, per_percent: 1.0, name: format!("core {core}"), width: 1.5 };
                core_line(plot_ui, view.samples, &line, buckets);
            }
            if cores > 1 {
                let mean: Vec<[f64; 2]> = view.samples.iter().map(|s| [s.t_secs, f64::from(s.mean())]).collect();
                plot_ui.line(
                    Line::new("mean", PlotPoints::new(decimate(&mean, buckets)))
                        .color(if dark { text.gamma_multiply(0.9) } else { text })
                        .width(2.5)
                        .style(LineStyle::dashed_loose()),
                );
            }
            marks(plot_ui, view, 50.0, text, dark);
        });
}

/// The note of an empty plot (at `middle_y`) and the end of setup, in either kind of plot.
fn marks(plot_ui: &mut egui_plot::PlotUi<'_>, view: &CoresView<'_>, middle_y: f64, text: egui::Color32, dark: bool) {
    if let Some(note) = view.empty_note.as_ref().filter(|_| view.samples.is_empty()) {
        let middle = PlotPoint::new(view.t_end_secs.max(0.001) / 2.0, middle_y);
        plot_ui.text(Text::new("", middle, RichText::new(note).color(text)).anchor(Align2::CENTER_CENTER));
    }
    if let Some(setup) = view.setup_secs.filter(|s| *s > 0.0) {
        plot_ui.vline(
            VLine::new("setup ends", setup).stroke(Stroke::new(1.0, ui_weak(dark))).style(LineStyle::dotted_dense()),
        );
    }
}

pub(super) fn ui_weak(dark: bool) -> egui::Color32 {
    if dark { egui::Color32::from_gray(140) } else { egui::Color32::from_gray(110) }
}

/// One core's busy % as a line (and dots, for a short run, so one sample still shows).
pub(super) struct CoreLine {
    pub core: usize,
    /// Plot units per busy percent (1 on a percent axis; cores ÷ 100 on a cores axis).
    pub per_percent: f64,
    pub name: String,
    pub width: f32,
}

pub(super) fn core_line(plot_ui: &mut egui_plot::PlotUi<'_>, samples: &[CpuSample], line: &CoreLine, buckets: usize) {
    let points: Vec<[f64; 2]> = (samples.iter())
        .filter_map(|s| s.per_core.get(line.core).map(|v| [s.t_secs, f64::from(*v) * line.per_percent]))
        .collect();
    let colour = palette::core(line.core);
    if points.len() < 20 {
        plot_ui.points(Points::new("", points.clone()).color(colour).radius(line.width * 2.0));
    }
    plot_ui.line(
        Line::new(line.name.clone(), PlotPoints::new(decimate(&points, buckets))).color(colour).width(line.width),
    );
}
