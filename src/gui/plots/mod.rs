//! The plots: elapsed time and core utilization side by side (the part Save PNG captures), the
//! compared runs' cores in strips under the elapsed bars (`strips`), and the timeline under them; in Sweep mode the sweep charts (`sweep`) take the side-by-side
//! plots' place. Each plot is a function of plain data (results, lanes, bars), so
//! the frame benchmark and the tests can draw them without the app; nothing here reads the
//! history.

pub mod axis;
pub mod cores;
pub mod decimate;
pub mod elapsed;
pub mod gil_shade;
pub mod key;
pub mod palette;
pub mod strips;
pub mod sweep;
pub mod timeline;

use eframe::egui::{self, RichText};

use cores::{CoresView, cores_plot};
use elapsed::{ElapsedView, elapsed_plot};
use strips::{core_strips_ui, strips_height, strips_of};

/// What the side-by-side plots show this frame.
pub struct SideBySide<'a> {
    pub elapsed: ElapsedView<'a>,
    pub cores: CoresView<'a>,
    /// "run #3 threads" or "running: processes".
    pub cores_title: String,
}

/// What drawing the side-by-side plots produced.
pub struct SideBySideResponse {
    /// The screen rect of both plots with titles, axes and legends: what Save PNG crops to.
    pub rect: egui::Rect,
    /// The id of the run whose bar was clicked.
    pub clicked: Option<u64>,
}

/// Draws both plots in one `ui.scope`, `height` points tall, splitting the width evenly; under
/// the elapsed bars, the cores of the runs they compare, one strip per backend.
pub fn side_by_side(ui: &mut egui::Ui, view: &SideBySide<'_>, height: f32) -> SideBySideResponse {
    let scope = ui.scope(|ui| {
        let spacing = ui.spacing().item_spacing.x * 2.0;
        let width = ((ui.available_width() - spacing) / 2.0).max(120.0);
        let plot_height = (height - ui.text_style_height(&egui::TextStyle::Heading) - 6.0).max(80.0);
        ui.horizontal_top(|ui| {
            let strips = strips_of(view.elapsed.bars, view.elapsed.selected);
            let clicked = ui
                .vertical(|ui| {
                    ui.set_width(width);
                    ui.label(RichText::new("Elapsed time").heading());
                    if strips.is_empty() {
                        return elapsed_plot(ui, &view.elapsed, width, plot_height);
                    }
                    let caption = ui.text_style_height(&egui::TextStyle::Small) + ui.spacing().item_spacing.y * 2.0;
                    let strips_h = strips_height(strips.len(), plot_height * 0.45 - caption);
                    let clicked = elapsed_plot(ui, &view.elapsed, width, plot_height - strips_h - caption);
                    ui.label(
                        RichText::new("Cores of the compared runs, on one time axis (hover a strip's name)")
                            .small()
                            .weak(),
                    )
                    .on_hover_text(strips::STRIPS_TOOLTIP);
                    core_strips_ui(ui, &strips, width, strips_h);
                    clicked
                })
                .inner;
            ui.add_space(spacing / 2.0);
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.label(RichText::new(format!("Core utilization — {}", view.cores_title)).heading());
                cores_plot(ui, &view.cores, width, plot_height);
            });
            clicked
        })
        .inner
    });
    SideBySideResponse { rect: scope.response.rect, clicked: scope.inner }
}
