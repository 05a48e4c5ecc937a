//! The sweep charts: elapsed time against the varied parameter beside the speedup (or, for a
//! `tasks` or `size` sweep, the time per task or per unit), and under them the Karp–Flatt strip
//! beside the table of fitted laws. A pure function of a [`SweepReport`]: the window draws it
//! live from its history as points arrive, and an offscreen renderer can draw the same from a
//! result file. Everything it draws is inside the returned rect (what Save PNG crops to).

mod charts;
pub mod scale;

use eframe::egui::{self, Pos2, RichText};

use crate::engine::Vary;
use crate::report::scaling::{Fit, Law, describe};
use crate::report::{BackendSweep, SweepReport};

use super::palette;
use charts::{ChartOutcome, Frame, XAxis};

/// What the sweep charts show this frame.
pub struct SweepChartsView<'a> {
    pub report: &'a SweepReport,
    /// The machine's physical cores, marked on the speedup chart.
    pub cores: u64,
    /// The selected point's run (an index into the runs the report was made from): ringed.
    pub selected: Option<usize>,
    /// Hover labels and clicks (off while a PNG is captured, and offscreen).
    pub interactive: bool,
    /// The height of the two charts side by side; the strip and the table go under them.
    pub height: f32,
    /// A line under the titles: what was swept, how far it got.
    pub caption: String,
}

pub struct SweepChartsResponse {
    /// Everything drawn: both charts with titles, axes and legends, the strip and the table.
    pub rect: egui::Rect,
    /// The run (index into the report's runs) whose point was clicked.
    pub clicked: Option<usize>,
    /// Each point drawn on the main charts: its run and where it is on screen.
    pub points_on_screen: Vec<(usize, Pos2)>,
}

/// The height of the Karp–Flatt strip.
const STRIP_HEIGHT: f32 = 150.0;

/// About how tall the caption and what goes under the two charts (the strip, the fit table
/// and each backend's words, two lines each) will be: a page of fixed height gives the charts
/// the rest, so nothing is cut.
pub fn around_charts_height(ui: &egui::Ui, report: &SweepReport) -> f32 {
    let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y + 2.0;
    let backends = report.backends.len() as f32;
    let workers = report.vary == Vary::Workers;
    // The heading, the header row, up to two laws per backend, the note on line styles.
    let table = if workers { line * (3.0 + 2.0 * backends) } else { line };
    let strip = if workers { STRIP_HEIGHT + line } else { 0.0 };
    line + 4.0 + strip.max(table + 2.0 * line * backends)
}

pub fn sweep_charts_ui(ui: &mut egui::Ui, view: &SweepChartsView<'_>) -> SweepChartsResponse {
    let scope = ui.scope(|ui| {
        let report = view.report;
        let x = XAxis::new(report);
        let spacing = ui.spacing().item_spacing.x * 2.0;
        let width = ((ui.available_width() - spacing) / 2.0).max(120.0);
        let heading = ui.text_style_height(&egui::TextStyle::Heading);
        let key = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
        let height = (view.height - heading - key - 6.0).max(80.0);
        let frame = Frame { width, height, selected: view.selected, interactive: view.interactive };
        let workers = report.vary == Vary::Workers;
        ui.weak(&view.caption);
        let mut outcomes: Vec<ChartOutcome> = Vec::new();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.label(RichText::new(format!("Elapsed vs {}", report.vary)).heading());
                charts::legend_row(ui, report, false);
                outcomes.push(charts::scaling_chart(ui, report, &x, frame));
            });
            ui.add_space(spacing / 2.0);
            ui.vertical(|ui| {
                ui.set_width(width);
                if workers {
                    ui.label(RichText::new("Speedup").heading());
                    charts::legend_row(ui, report, true);
                    outcomes.push(charts::speedup_chart(ui, report, &x, view.cores, frame));
                } else {
                    let unit = if report.vary == Vary::Tasks { "task" } else { "unit of size" };
                    ui.label(RichText::new(format!("Time per {unit}")).heading());
                    charts::legend_row(ui, report, false);
                    outcomes.push(charts::per_unit_chart(ui, report, &x, frame));
                }
            });
        });
        ui.add_space(4.0);
        ui.horizontal_top(|ui| {
            if workers {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    ui.horizontal(|ui| {
                        ui.strong("Karp–Flatt e(N)");
                        ui.weak("flat: a fixed serial part; rising: workers wait on each other");
                    });
                    let strip = Frame { height: STRIP_HEIGHT, ..frame };
                    outcomes.push(charts::karp_flatt_strip(ui, report, &x, strip));
                });
                ui.add_space(spacing / 2.0);
            }
            ui.vertical(|ui| {
                ui.set_width(if workers { width } else { 2.0 * width + spacing / 2.0 });
                fits_ui(ui, report, workers);
            });
        });
        let clicked = outcomes.iter().find_map(|o| o.clicked);
        let points_on_screen = outcomes.into_iter().take(2).flat_map(|o| o.on_screen).collect();
        (clicked, points_on_screen)
    });
    let (clicked, points_on_screen) = scope.inner;
    SweepChartsResponse { rect: scope.response.rect, clicked, points_on_screen }
}

/// The fitted laws, one row per backend and law (the USL only when it found a coherency cost:
/// with κ = 0 it is Amdahl's law again), and under them each backend's curve in the report's
/// words (the fit in words, flat or superlinear, the points past the cores).
fn fits_ui(ui: &mut egui::Ui, report: &SweepReport, workers: bool) {
    ui.strong(if workers { "Fitted laws" } else { "Cost per unit" });
    if workers {
        egui::Grid::new("sweep_fits").striped(true).spacing([12.0, 2.0]).show(ui, |ui| {
            for header in ["backend", "law", "σ", "κ", "peak N*", "points"] {
                ui.weak(header);
            }
            ui.end_row();
            for sweep in &report.backends {
                let usl = sweep.usl.filter(|f| f.kappa > 0.0);
                let fits: Vec<Fit> = usl.into_iter().chain(sweep.amdahl).collect();
                for fit in &fits {
                    fit_row(ui, sweep, fit);
                }
                if fits.is_empty() {
                    ui.label(RichText::new(sweep.backend.name()).color(palette::backend(sweep.backend)));
                    ui.weak("none");
                    ui.end_row();
                }
            }
        });
        ui.weak("on the speedup chart, dashed: USL · dotted: Amdahl · grey dashed: ideal S = N");
    }
    for sweep in &report.backends {
        backend_words(ui, sweep, sweep.text.split_once(": ").map_or(sweep.text.as_str(), |(_, words)| words));
    }
}

fn fit_row(ui: &mut egui::Ui, sweep: &BackendSweep, fit: &Fit) {
    ui.label(RichText::new(sweep.backend.name()).color(palette::backend(sweep.backend)));
    let law = match fit.law {
        Law::Usl => "USL",
        Law::Amdahl => "Amdahl",
    };
    ui.label(law).on_hover_text(describe(fit));
    ui.label(format!("{:.3}", fit.sigma));
    ui.label(match fit.law {
        Law::Amdahl => "—".to_owned(),
        Law::Usl if fit.kappa >= 1e-3 => format!("{:.4}", fit.kappa),
        Law::Usl => format!("{:.1e}", fit.kappa),
    });
    ui.label(fit.peak_n.map_or_else(|| "—".to_owned(), |n| format!("{n:.0}")));
    ui.label(fit.points.to_string())
        .on_hover_text(format!("root mean square error {:.1}%", fit.rms_relative_error * 100.0));
    ui.end_row();
}

fn backend_words(ui: &mut egui::Ui, sweep: &BackendSweep, words: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("{}:", sweep.backend)).color(palette::backend(sweep.backend)));
        ui.add(egui::Label::new(words).wrap());
    });
}
