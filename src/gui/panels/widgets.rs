//! Small controls the experiment panel repeats: a logarithmic slider with a typed entry next to
//! it (and an optional mark, e.g. the machine's core count), and a segmented control.

use eframe::egui::{self, DragValue, Slider, Stroke, pos2};

/// A row "label [slider] [typed value]" for a `u64` over `lo..=hi` (logarithmic when asked:
/// counts spanning decades want it, small ranges don't). The typed entry is not clamped, so a value the engine refuses shows its message
/// instead of being silently changed. Returns true when the value changed.
pub fn count_slider(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut u64,
    (lo, hi): (u64, u64),
    logarithmic: bool,
    mark: Option<(u64, &str)>,
    tooltip: &str,
) -> bool {
    let before = *value;
    ui.horizontal(|ui| {
        let label = ui.label(label).on_hover_text(tooltip);
        let mut v = *value as f64;
        let slider =
            Slider::new(&mut v, lo as f64..=hi.max(lo + 1) as f64).logarithmic(logarithmic).integer().show_value(false);
        let response = ui.add(slider).labelled_by(label.id).on_hover_text(tooltip);
        if response.changed() {
            *value = v.round() as u64;
        }
        if let Some((at, what)) = mark.filter(|(at, _)| (lo..=hi).contains(at)) {
            paint_mark(ui, response.rect, at as f64, lo as f64, hi as f64, logarithmic);
            response.on_hover_text(format!("The mark shows {what}."));
        }
        let speed = drag_speed(*value);
        ui.add(DragValue::new(value).speed(speed)).labelled_by(label.id).on_hover_text(tooltip);
    });
    *value != before
}

/// Roughly 1% per point dragged, so large counts don't crawl.
fn drag_speed(value: u64) -> f64 {
    (value as f64 / 100.0).max(0.1)
}

/// A tick across the bottom of a slider's rail at `at`, placed as egui places the handle: the
/// handle's centre travels over the rect shrunk by its radius (height / 2.5).
fn paint_mark(ui: &egui::Ui, rail: egui::Rect, at: f64, lo: f64, hi: f64, logarithmic: bool) {
    let t = if logarithmic {
        (at.log10() - lo.max(1.0).log10()) / (hi.log10() - lo.max(1.0).log10())
    } else {
        (at - lo) / (hi - lo)
    };
    let radius = rail.height() / 2.5;
    let x = rail.left() + radius + (rail.width() - 2.0 * radius) * t.clamp(0.0, 1.0) as f32;
    let color = ui.visuals().warn_fg_color;
    ui.painter().line_segment([pos2(x, rail.bottom() - 4.0), pos2(x, rail.bottom() + 1.0)], Stroke::new(2.0, color));
}

/// One button per option, the current one highlighted. Returns true when it changed.
pub fn segmented<T: Copy + PartialEq>(ui: &mut egui::Ui, value: &mut T, options: &[(T, &str, &str)]) -> bool {
    let before = *value;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for (option, text, tooltip) in options {
            ui.selectable_value(value, *option, *text).on_hover_text(*tooltip);
        }
    });
    *value != before
}
