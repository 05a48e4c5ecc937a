//! The summary beside the history list, under the timeline: two columns of fixed widths, each
//! clipped to its own, so nothing the summary says (a long sentence, a long file name) can
//! push the history out of the window. The summary scrolls when it is taller than its room.

use eframe::egui::{self, Align, Layout, Rect, Stroke, UiBuilder, pos2, vec2};

/// The summary's share of the width; the history list has the rest.
const SUMMARY_SHARE: f32 = 0.64;
const GAP_PX: f32 = 14.0;
/// The columns' height where the room below is unbounded (the Sweep mode's scrolled centre).
const UNBOUNDED_HEIGHT_PX: f32 = 360.0;

/// Splits the rest of `ui` into the summary's column and the history's, draws each with its
/// function, and returns what the history's returned.
pub fn summary_beside_history<R>(
    ui: &mut egui::Ui,
    summary: impl FnOnce(&mut egui::Ui),
    history: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let room = ui.available_rect_before_wrap();
    let height = if room.height().is_finite() { room.height().max(80.0) } else { UNBOUNDED_HEIGHT_PX };
    let room = Rect::from_min_size(room.min, vec2(room.width(), height));
    let summary_width = (room.width() * SUMMARY_SHARE).floor();
    let left = Rect::from_min_size(room.min, vec2(summary_width, height));
    let right = Rect::from_min_max(pos2(left.right() + GAP_PX, room.top()), room.max);
    let clip = ui.clip_rect();
    let mut left_ui = ui.new_child(UiBuilder::new().max_rect(left).layout(Layout::top_down(Align::Min)));
    left_ui.set_clip_rect(left.intersect(clip));
    egui::ScrollArea::vertical().id_salt("summary").auto_shrink([false, true]).show(&mut left_ui, summary);
    let x = left.right() + GAP_PX / 2.0;
    let stroke: Stroke = ui.visuals().widgets.noninteractive.bg_stroke;
    ui.painter().vline(x, room.y_range(), stroke);
    let mut right_ui = ui.new_child(UiBuilder::new().max_rect(right).layout(Layout::top_down(Align::Min)));
    right_ui.set_clip_rect(right.intersect(clip));
    let out = history(&mut right_ui);
    let used = left_ui.min_rect().union(right_ui.min_rect()).intersect(room);
    ui.advance_cursor_after_rect(Rect::from_min_max(room.min, pos2(room.right(), used.bottom().max(room.top()))));
    out
}
