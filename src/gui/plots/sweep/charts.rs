//! The three sweep plots, each a function of the report: elapsed time against the parameter
//! (median line, min–max band), speedup against workers (measured, the ideal S = N, Amdahl's
//! and the USL's fitted curves dashed, the core count marked) or, for `tasks` and `size`
//! sweeps, the time per task or per unit, and the Karp–Flatt strip. They share one x axis
//! ([`XAxis`]): the sweep's values, on a log scale when they span a decade.

use eframe::egui::{self, Align2, Color32, Pos2, RichText};
use egui_plot::{FilledArea, HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotPoint, Points, Text, VLine};

use crate::engine::BackendKind;
use crate::report::format;
use crate::report::{BackendSweep, SweepPoint, SweepReport};

use super::super::{axis, palette};
use super::scale::{self, Scale};

/// Points between tick labels on the x axis (a label is at most "1024" or "100k").
const X_LABEL_PX: f32 = 34.0;
/// Points between tick labels on a log y axis.
const Y_LABEL_PX: f32 = 22.0;
/// How close (in points) a click must be to a point to select its run.
const CLICK_RADIUS_PX: f32 = 12.0;

/// The sweep's values on the shared x axis.
pub struct XAxis {
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    /// Where each value of the sweep goes, for the tick labels.
    positions: Vec<f64>,
}

impl XAxis {
    pub fn new(report: &SweepReport) -> Self {
        let lo = report.values.iter().copied().min().unwrap_or(1) as f64;
        let hi = report.values.iter().copied().max().unwrap_or(1) as f64;
        let scale = Scale::for_range(lo, hi);
        let positions = report.values.iter().filter_map(|&v| scale.to_plot(v as f64)).collect();
        Self { scale, lo, hi, positions }
    }

    fn x(&self, value: u64) -> Option<f64> {
        self.scale.to_plot(value as f64)
    }

    /// The plot with this axis: bounds with a margin, ticks at the sweep's values.
    fn apply<'a>(&'a self, plot: Plot<'a>, width: f32, label: &'a str) -> Plot<'a> {
        let (a, b) = (self.scale.to_plot(self.lo).unwrap_or(0.0), self.scale.to_plot(self.hi).unwrap_or(1.0));
        let margin = ((b - a) * 0.04).max(if self.scale.log { 0.05 } else { 0.2 });
        let scale = self.scale;
        plot.include_x(a - margin)
            .include_x(b + margin)
            .x_axis_label(label)
            .x_grid_spacer(move |input| scale::thinned(&self.positions, input.bounds, width - 60.0, X_LABEL_PX))
            .x_axis_formatter(move |mark, _| scale::count(scale.from_plot(mark.value)))
    }
}

/// The key of a chart, above it rather than inside (where it would cover points): each
/// backend's colour and name, and for the speedup chart the ideal line's.
pub fn legend_row(ui: &mut egui::Ui, report: &SweepReport, ideal: bool) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        for sweep in &report.backends {
            key(ui, palette::backend(sweep.backend), false, sweep.backend.name());
        }
        if ideal {
            key(ui, ui.visuals().weak_text_color(), true, "ideal S = N");
        }
    });
}

/// A short line in `color` (dashed, or solid through a point, as the chart draws it) and `text`.
fn key(ui: &mut egui::Ui, color: Color32, dashed: bool, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(18.0, 10.0), egui::Sense::hover());
    let (y, painter) = (rect.center().y, ui.painter());
    if dashed {
        let points = [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)];
        painter.add(egui::Shape::dashed_line(&points, egui::Stroke::new(1.0, color), 3.0, 3.0));
    } else {
        painter.line_segment([egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)], egui::Stroke::new(2.0, color));
        painter.circle_filled(rect.center(), 3.5, color);
    }
    ui.label(RichText::new(text).color(color));
    ui.add_space(6.0);
}

/// One backend's points that can be drawn (a time ≤ 0 can't be, on a log axis).
struct Series<'a> {
    backend: BackendKind,
    /// (x on the plot, y on the plot, the point).
    points: Vec<(f64, f64, &'a SweepPoint)>,
}

fn series<'a>(sweep: &'a BackendSweep, x: &XAxis, y: impl Fn(&SweepPoint) -> Option<f64>) -> Series<'a> {
    let points = sweep.points.iter().filter_map(|p| Some((x.x(p.value)?, y(p)?, p))).collect();
    Series { backend: sweep.backend, points }
}

/// What a chart's points did this frame.
#[derive(Default)]
pub struct ChartOutcome {
    /// The run (index into the report's runs) whose point was clicked.
    pub clicked: Option<usize>,
    /// Each drawn point's run and where it is on screen.
    pub on_screen: Vec<(usize, Pos2)>,
}

/// How a chart draws: its size, the selected run (ringed), and whether it answers the pointer.
#[derive(Clone, Copy)]
pub struct Frame {
    pub width: f32,
    pub height: f32,
    pub selected: Option<usize>,
    pub interactive: bool,
}

fn base_plot<'a>(id: &str, frame: Frame, x: &'a XAxis, x_label: &'a str) -> Plot<'a> {
    let plot = Plot::new(id)
        .width(frame.width)
        .height(frame.height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .show_y(false)
        .show_grid([true, true]);
    x.apply(plot, frame.width, x_label)
}

/// The hover text of each backend's points, by index, for egui_plot's label formatter.
fn hover_texts(all: &[Series<'_>], y_text: impl Fn(&SweepPoint) -> String) -> Vec<(&'static str, Vec<String>)> {
    all.iter().map(|s| (s.backend.name(), s.points.iter().map(|(_, _, p)| y_text(p)).collect())).collect()
}

fn hover_label(texts: &[(&'static str, Vec<String>)], position: &HoverPosition<'_>) -> Option<String> {
    let HoverPosition::NearDataPoint { plot_name, index, .. } = position else { return None };
    let (_, lines) = texts.iter().find(|(name, _)| name == plot_name)?;
    lines.get(*index).map(|text| format!("{plot_name}\n{text}"))
}

/// Draws each series as a line through markers (ringed when selected) and finds the click.
fn draw_series(plot_ui: &mut egui_plot::PlotUi<'_>, all: &[Series<'_>], selected: Option<usize>, ring: Color32) {
    for s in all {
        let color = palette::backend(s.backend);
        let xy: Vec<[f64; 2]> = s.points.iter().map(|&(x, y, _)| [x, y]).collect();
        plot_ui.line(Line::new(s.backend.name(), xy.clone()).color(color).width(2.0));
        plot_ui
            .points(Points::new(s.backend.name(), xy).color(color).radius(3.5).shape(MarkerShape::Circle).filled(true));
        let chosen: Vec<[f64; 2]> =
            s.points.iter().filter(|(_, _, p)| Some(p.run) == selected).map(|&(x, y, _)| [x, y]).collect();
        if !chosen.is_empty() {
            plot_ui.points(Points::new("", chosen).color(ring).radius(7.0).filled(false).allow_hover(false));
        }
    }
}

fn outcome(response: &egui_plot::PlotResponse<()>, all: &[Series<'_>], interactive: bool) -> ChartOutcome {
    let on_screen: Vec<(usize, Pos2)> = all
        .iter()
        .flat_map(|s| {
            s.points.iter().map(|&(x, y, p)| (p.run, response.transform.position_from_point(&PlotPoint::new(x, y))))
        })
        .collect();
    let mut clicked = None;
    if interactive
        && response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        clicked = on_screen
            .iter()
            .map(|&(run, pos)| (run, pos.distance(pointer)))
            .filter(|&(_, d)| d <= CLICK_RADIUS_PX)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(run, _)| run);
    }
    ChartOutcome { clicked, on_screen }
}

/// Elapsed time (median, min–max band) against the parameter, one line per backend.
pub fn scaling_chart(ui: &mut egui::Ui, report: &SweepReport, x: &XAxis, frame: Frame) -> ChartOutcome {
    let all_points = report.backends.iter().flat_map(|b| &b.points);
    let lo =
        all_points.clone().map(|p| p.min_secs.min(p.median_secs)).filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    let hi = all_points.map(|p| p.max_secs.max(p.median_secs)).fold(0.0, f64::max);
    let y = Scale::for_range(lo, hi);
    let all: Vec<Series<'_>> = report.backends.iter().map(|b| series(b, x, |p| y.to_plot(p.median_secs))).collect();
    let texts = hover_texts(&all, |p| {
        let mut text = format!("{} = {}: {}", report.vary, p.value, format::duration(p.median_secs));
        if p.max_secs > p.min_secs {
            text += &format!("\n{}–{}", format::duration(p.min_secs), format::duration(p.max_secs));
        }
        text
    });
    let x_label = report.vary.name();
    let mut plot = base_plot("sweep_scaling", frame, x, x_label)
        .y_axis_label("elapsed (median)")
        .y_axis_formatter(move |mark, _| axis::secs(y.from_plot(mark.value)))
        .label_formatter(|position| hover_label(&texts, position));
    if y.log {
        plot = plot.y_grid_spacer(move |input| {
            scale::thinned(&scale::log_marks(input.bounds), input.bounds, frame.height - 30.0, Y_LABEL_PX)
        });
        // Headroom, so the top point and its ring are not cut by the frame.
        if let Some(top) = y.to_plot(hi * 1.4) {
            plot = plot.include_y(top);
        }
    } else {
        // Before the first point: 0 to 1 s, not egui's default of −4 to 4.
        plot = plot.include_y(0.0).include_y(if hi > 0.0 { hi * 1.25 } else { 1.0 });
    }
    let ring = ui.visuals().strong_text_color();
    let response = plot.show(ui, |plot_ui| {
        for sweep in &report.backends {
            let band: Vec<(f64, f64, f64)> = sweep
                .points
                .iter()
                .filter(|p| p.max_secs > p.min_secs)
                .filter_map(|p| Some((x.x(p.value)?, y.to_plot(p.min_secs)?, y.to_plot(p.max_secs)?)))
                .collect();
            if band.len() >= 2 {
                let (xs, (lows, highs)): (Vec<f64>, (Vec<f64>, Vec<f64>)) =
                    band.into_iter().map(|(x, l, h)| (x, (l, h))).unzip();
                let fill = palette::backend(sweep.backend).gamma_multiply(0.22);
                plot_ui.add(FilledArea::new("", &xs, &lows, &highs).fill_color(fill).allow_hover(false));
            }
        }
        draw_series(plot_ui, &all, frame.selected, ring);
    });
    outcome(&response, &all, frame.interactive)
}

/// Speedup against workers: measured, the ideal S = N, the fitted laws dashed (USL) and dotted
/// (Amdahl), and the machine's cores marked. On a log x axis the speedups are on a log axis
/// too when they span a decade, so S = N is a straight diagonal.
pub fn speedup_chart(ui: &mut egui::Ui, report: &SweepReport, x: &XAxis, cores: u64, frame: Frame) -> ChartOutcome {
    let measured = report.backends.iter().flat_map(|b| &b.points).filter_map(|p| p.speedup).filter(|s| *s > 0.0);
    let measured_max = measured.clone().fold(1.0, f64::max);
    let measured_min = measured.fold(1.0, f64::min);
    // Room above the measured points; the ideal line and the laws are cut there, or S = N
    // up to 1,024 workers would flatten everything measured.
    let top = (measured_max * 1.3).max(2.0);
    let y = if x.scale.log { Scale::for_range(measured_min, top) } else { Scale { log: false } };
    let all: Vec<Series<'_>> = report.backends.iter().map(|b| series(b, x, |p| y.to_plot(p.speedup?))).collect();
    let texts = hover_texts(&all, |p| {
        let efficiency = p.efficiency.map(|e| format!(", efficiency {:.0}%", e * 100.0)).unwrap_or_default();
        format!("{} workers: {:.2}×{efficiency}", p.value, p.speedup.unwrap_or(0.0))
    });
    let ns = x.scale.sample(x.lo, x.hi, 64);
    let curve = |f: &dyn Fn(f64) -> f64| -> Vec<[f64; 2]> {
        ns.iter()
            .filter(|&&n| f(n).is_finite() && f(n) <= top)
            .filter_map(|&n| Some([x.scale.to_plot(n)?, y.to_plot(f(n))?]))
            .collect()
    };
    let (bottom, top_y) = match y.log {
        true => (y.to_plot(measured_min * 0.7).unwrap_or(0.0), y.to_plot(top).unwrap_or(1.0)),
        false => (0.0, top),
    };
    let mut plot = base_plot("sweep_speedup", frame, x, "workers")
        .y_axis_label(if report.backends.iter().any(|b| b.t1_fitted) {
            "speedup (× the fitted T(1))"
        } else {
            "speedup (× one worker)"
        })
        .y_axis_formatter(move |mark, _| format!("{}×", scale::count(y.from_plot(mark.value))))
        .include_y(bottom)
        .include_y(top_y)
        .label_formatter(|position| hover_label(&texts, position));
    if y.log {
        plot = plot.y_grid_spacer(move |input| {
            scale::thinned(&scale::log_marks(input.bounds), input.bounds, frame.height - 30.0, Y_LABEL_PX)
        });
    }
    let (ring, weak) = (ui.visuals().strong_text_color(), ui.visuals().weak_text_color());
    // A neutral colour no backend has; only inside the measured range, or the mark would
    // stretch the x axis away from the elapsed chart's (a 64-core machine, 1..8 workers).
    let mark = ui.visuals().text_color();
    let inside = cores > 0 && (x.lo..=x.hi).contains(&(cores as f64));
    let cores_x = inside.then(|| x.scale.to_plot(cores as f64)).flatten();
    let response = plot.show(ui, |plot_ui| {
        plot_ui.line(Line::new("ideal S = N", curve(&|n| n)).color(weak).width(1.0).style(LineStyle::dashed_loose()));
        for sweep in &report.backends {
            let color = palette::backend(sweep.backend);
            if let Some(usl) = sweep.usl {
                plot_ui.line(
                    Line::new("", curve(&|n| usl.speedup(n)))
                        .color(color)
                        .width(1.5)
                        .style(LineStyle::dashed_dense())
                        .allow_hover(false),
                );
            }
            if let Some(amdahl) = sweep.amdahl {
                let style = LineStyle::Dotted { spacing: 6.0 };
                plot_ui.line(
                    Line::new("", curve(&|n| amdahl.speedup(n)))
                        .color(color)
                        .width(1.5)
                        .style(style)
                        .allow_hover(false),
                );
            }
        }
        if let Some(at) = cores_x {
            let line = VLine::new("", at).color(mark).width(1.5).style(LineStyle::dashed_dense());
            plot_ui.vline(line.allow_hover(false));
            let label = format!("{cores} cores");
            // At the top of the line, right of it: measured points stay below `top`.
            let text = Text::new("", PlotPoint::new(at, top_y), RichText::new(format!(" {label}")).size(12.0));
            plot_ui.text(text.color(mark).anchor(Align2::LEFT_TOP).allow_hover(false));
        }
        draw_series(plot_ui, &all, frame.selected, ring);
    });
    outcome(&response, &all, frame.interactive)
}

/// For `tasks` and `size` sweeps: what one task (or one unit of size) cost at each value.
pub fn per_unit_chart(ui: &mut egui::Ui, report: &SweepReport, x: &XAxis, frame: Frame) -> ChartOutcome {
    let costs = report.backends.iter().flat_map(|b| &b.points).filter_map(|p| p.per_unit_secs);
    let lo = costs.clone().filter(|c| *c > 0.0).fold(f64::INFINITY, f64::min);
    let hi = costs.fold(0.0, f64::max);
    let y = Scale::for_range(lo, hi);
    let all: Vec<Series<'_>> = report.backends.iter().map(|b| series(b, x, |p| y.to_plot(p.per_unit_secs?))).collect();
    let texts = hover_texts(&all, |p| {
        format!("{} = {}: {} each", report.vary, p.value, format::duration(p.per_unit_secs.unwrap_or(0.0)))
    });
    let unit = if report.vary == crate::engine::Vary::Tasks { "per task" } else { "per unit of size" };
    let mut plot = base_plot("sweep_per_unit", frame, x, report.vary.name())
        .y_axis_label(unit)
        .y_axis_formatter(move |mark, _| axis::secs(y.from_plot(mark.value)))
        .label_formatter(|position| hover_label(&texts, position));
    if y.log {
        plot = plot.y_grid_spacer(move |input| {
            scale::thinned(&scale::log_marks(input.bounds), input.bounds, frame.height - 30.0, Y_LABEL_PX)
        });
        if let Some(top) = y.to_plot(hi * 1.4) {
            plot = plot.include_y(top);
        }
    } else {
        plot = plot.include_y(0.0).include_y(if hi > 0.0 { hi * 1.2 } else { 1.0 });
    }
    let ring = ui.visuals().strong_text_color();
    let response = plot.show(ui, |plot_ui| draw_series(plot_ui, &all, frame.selected, ring));
    outcome(&response, &all, frame.interactive)
}

/// The Karp–Flatt metric e(N) per point: flat says Amdahl (a fixed serial part), rising says a
/// coherency cost (workers waiting on each other).
pub fn karp_flatt_strip(ui: &mut egui::Ui, report: &SweepReport, x: &XAxis, frame: Frame) -> ChartOutcome {
    let all: Vec<Series<'_>> = report.backends.iter().map(|b| series(b, x, |p| p.karp_flatt)).collect();
    let texts = hover_texts(&all, |p| format!("{} workers: e = {:.3}", p.value, p.karp_flatt.unwrap_or(0.0)));
    // Room above the highest point for its ring; 0 to 1 before there is any.
    let top = all.iter().flat_map(|s| &s.points).map(|(_, y, _)| *y).fold(0.0, f64::max);
    let plot = base_plot("sweep_karp_flatt", frame, x, "workers")
        .y_axis_label("e(N)")
        .include_y(0.0)
        .include_y(if top > 0.0 { top * 1.25 } else { 1.0 })
        .label_formatter(|position| hover_label(&texts, position));
    let (ring, weak) = (ui.visuals().strong_text_color(), ui.visuals().weak_text_color());
    let response = plot.show(ui, |plot_ui| {
        plot_ui.hline(egui_plot::HLine::new("", 0.0).color(weak).width(1.0).allow_hover(false));
        draw_series(plot_ui, &all, frame.selected, ring);
    });
    outcome(&response, &all, frame.interactive)
}
