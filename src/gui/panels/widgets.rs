//! Small controls the experiment panel repeats: a count slider (logarithmic for counts that
//! span decades) with a typed entry next to it (and an optional mark, e.g. the machine's core
//! count), and a segmented control. The slider's handle follows the pointer's movement, not
//! where the pointer pressed: a short drag anywhere on the rail is a short change (egui's own
//! slider jumps to the press, so a short drag near the handle of 1..1,000,000 tasks went from 2
//! to 110), and a click steps one notch toward the pointer.

use eframe::egui::{self, DragValue, Key, Sense, Stroke, pos2, vec2};

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
    let name = label;
    ui.horizontal(|ui| {
        let label = ui.label(name).on_hover_text(tooltip);
        let rail = Rail { lo, hi: hi.max(lo + 1), logarithmic };
        let response = rail_ui(ui, value, rail, name).labelled_by(label.id).on_hover_text(tooltip);
        if let Some((at, what)) = mark.filter(|(at, _)| (lo..=hi).contains(at)) {
            paint_mark(ui, response.rect, at as f64, lo as f64, hi as f64, logarithmic);
            response.on_hover_text(format!("The mark shows {what}."));
        }
        let speed = drag_speed(*value);
        ui.add(DragValue::new(value).speed(speed)).labelled_by(label.id).on_hover_text(tooltip);
    });
    *value != before
}

/// A count slider's range and scale.
#[derive(Clone, Copy, Debug)]
struct Rail {
    lo: u64,
    hi: u64,
    logarithmic: bool,
}

impl Rail {
    /// Where `value` sits along the rail, 0..=1.
    fn position(self, value: f64) -> f64 {
        let (lo, hi) = (self.lo as f64, self.hi as f64);
        let t = if self.logarithmic {
            let lo = lo.max(1.0);
            (value.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())
        } else {
            (value - lo) / (hi - lo)
        };
        t.clamp(0.0, 1.0)
    }

    /// The value at position `t` along the rail, rounded to a whole count.
    fn value(self, t: f64) -> u64 {
        let (lo, hi) = (self.lo as f64, self.hi as f64);
        let t = t.clamp(0.0, 1.0);
        let v = if self.logarithmic {
            let lo = lo.max(1.0);
            (lo.ln() + t * (hi.ln() - lo.ln())).exp()
        } else {
            lo + t * (hi - lo)
        };
        (v.round() as u64).clamp(self.lo, self.hi)
    }

    /// One notch up or down from `value`: 1 on a linear rail, the next 1-2-5 number on a
    /// logarithmic one (2 → 5 → 10 → 20), within the range.
    fn notch(self, value: u64, up: bool) -> u64 {
        let value = value.clamp(self.lo, self.hi);
        let next = if !self.logarithmic {
            if up { value.saturating_add(1) } else { value.saturating_sub(1) }
        } else {
            let ladder = (0..19u32).flat_map(|e| [1u64, 2, 5].map(|m| m.saturating_mul(10u64.saturating_pow(e))));
            if up {
                ladder.into_iter().find(|&n| n > value).unwrap_or(self.hi)
            } else {
                ladder.into_iter().take_while(|&n| n < value).last().unwrap_or(self.lo)
            }
        };
        next.clamp(self.lo, self.hi)
    }
}

/// The rail and its handle. A drag moves the value by the pointer's movement along the rail
/// (its fractional position kept between frames, so slow drags are not lost to rounding); a
/// click steps one notch toward the pointer; arrow keys step when it has focus.
fn rail_ui(ui: &mut egui::Ui, value: &mut u64, rail: Rail, label: &str) -> egui::Response {
    let size = vec2(ui.spacing().slider_width, ui.spacing().interact_size.y);
    let (rect, mut response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    let radius = rect.height() / 2.5;
    let travel = (rect.width() - 2.0 * radius).max(1.0);
    let id = response.id;
    let before = *value;
    if response.dragged() {
        let start = ui.data(|d| d.get_temp::<f64>(id)).unwrap_or_else(|| rail.position(*value as f64));
        let t = (start + f64::from(response.drag_delta().x / travel)).clamp(0.0, 1.0);
        ui.data_mut(|d| d.insert_temp(id, t));
        *value = rail.value(t);
    } else {
        ui.data_mut(|d| d.remove::<f64>(id));
    }
    if response.clicked()
        && let Some(pointer) = response.interact_pointer_pos()
    {
        let handle_x = rect.left() + radius + travel * rail.position(*value as f64) as f32;
        *value = rail.notch(*value, pointer.x > handle_x);
    }
    if response.has_focus() {
        let (left, right) = ui.input(|i| (i.key_pressed(Key::ArrowLeft), i.key_pressed(Key::ArrowRight)));
        if left || right {
            *value = rail.notch(*value, right);
        }
    }
    if *value != before {
        response.mark_changed();
    }
    let visuals = ui.style().interact(&response);
    let rail_rect = egui::Rect::from_center_size(rect.center(), vec2(rect.width(), rect.height() / 4.0));
    ui.painter().rect_filled(rail_rect, rail_rect.height() / 2.0, ui.visuals().widgets.inactive.bg_fill);
    let x = rect.left() + radius + travel * rail.position(*value as f64) as f32;
    let filled = egui::Rect::from_min_max(rail_rect.min, pos2(x, rail_rect.max.y));
    ui.painter().rect_filled(filled, rail_rect.height() / 2.0, ui.visuals().selection.bg_fill);
    ui.painter().circle(pos2(x, rect.center().y), radius, visuals.bg_fill, visuals.fg_stroke);
    let enabled = ui.is_enabled();
    response.widget_info(|| egui::WidgetInfo::slider(enabled, *value as f64, label));
    response
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

#[cfg(test)]
mod tests {
    use super::Rail;

    const TASKS: Rail = Rail { lo: 1, hi: 1_000_000, logarithmic: true };

    #[test]
    fn positions_and_values_round_trip() {
        for v in [1, 2, 7, 40, 999, 123_456, 1_000_000] {
            let back = TASKS.value(TASKS.position(v as f64));
            assert!(back.abs_diff(v) <= v / 1000, "{v} came back as {back}");
        }
        let linear = Rail { lo: 1, hi: 16, logarithmic: false };
        assert_eq!(linear.value(linear.position(5.0)), 5);
        assert_eq!(linear.value(2.0), 16, "clamped to the range");
    }

    #[test]
    fn a_short_drag_is_a_short_change() {
        // Five points of a 150-point rail, from 2 tasks: about a fifth of a decade, not 2 → 110.
        let moved = TASKS.value(TASKS.position(2.0) + 5.0 / 150.0);
        assert!((2..=3).contains(&moved), "{moved}");
        let from_100 = TASKS.value(TASKS.position(100.0) + 5.0 / 150.0);
        assert!((100..=160).contains(&from_100), "{from_100}");
    }

    #[test]
    fn notches_step_along_one_two_five() {
        assert_eq!(TASKS.notch(2, true), 5);
        assert_eq!(TASKS.notch(5, true), 10);
        assert_eq!(TASKS.notch(7, false), 5);
        assert_eq!(TASKS.notch(1, false), 1, "not below the range");
        assert_eq!(TASKS.notch(1_000_000, true), 1_000_000, "not above it");
        let linear = Rail { lo: 1, hi: 16, logarithmic: false };
        assert_eq!((linear.notch(4, true), linear.notch(4, false), linear.notch(1, false)), (5, 3, 1));
    }
}
