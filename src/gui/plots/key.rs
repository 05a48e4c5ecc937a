//! A plot's key as a row of small entries above it (a swatch, a line or a dotted line in the
//! entry's colour, then its name in the text colour), wrapped to the width, never drawn over the data as
//! egui_plot's legend is. The caller takes the row's height out of the plot's.

use eframe::egui::{self, Color32, Shape, Stroke, pos2, vec2};

/// The width of an entry's mark.
const MARK_PX: f32 = 14.0;

/// How an entry is drawn: as the plot draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A filled area or a bar.
    Swatch,
    Line,
    Dotted,
}

/// Draws the row; returns the height it took, spacing included.
pub fn key_row(ui: &mut egui::Ui, entries: &[(Color32, Mark, String)]) -> f32 {
    let top = ui.cursor().top();
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let font = egui::TextStyle::Small.resolve(ui.style());
        // Names in the text colour: a pale mark's colour would not read as text.
        let text = ui.visuals().text_color();
        for (colour, mark, name) in entries {
            // Mark and name as one allocation, so a wrap never parts them.
            let galley = ui.painter().layout_no_wrap(name.clone(), font.clone(), text);
            let size = vec2(MARK_PX + 4.0 + galley.size().x, galley.size().y.max(10.0));
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            let mark_rect =
                egui::Rect::from_center_size(pos2(rect.left() + MARK_PX / 2.0, rect.center().y), vec2(MARK_PX, 9.0));
            let y = mark_rect.center().y;
            let ends = [pos2(mark_rect.left(), y), pos2(mark_rect.right(), y)];
            match mark {
                Mark::Swatch => {
                    ui.painter().rect_filled(mark_rect, 1.0, *colour);
                }
                Mark::Line => {
                    ui.painter().line_segment(ends, Stroke::new(2.0, *colour));
                }
                Mark::Dotted => {
                    ui.painter().add(Shape::dashed_line(&ends, Stroke::new(1.0, *colour), 2.0, 2.0));
                }
            }
            let text_at = pos2(rect.left() + MARK_PX + 4.0, rect.center().y - galley.size().y / 2.0);
            ui.painter().galley(text_at, galley, text);
            ui.add_space(6.0);
        }
    });
    ui.cursor().top() - top
}
