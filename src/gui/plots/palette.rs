//! Every colour the lab uses, in one place: one colour per backend (plots, legend, history;
//! read from the backend table), task outcomes for the timeline, per-core lines, and whose
//! cores were busy (the run's, the lab's, other programs'). Each reads on dark and light
//! themes; the tests hold every backend's colour apart from every other's (in OKLab) and
//! readable on both themes' backgrounds.

use eframe::egui::Color32;

use crate::engine::BackendKind;

/// The colour of a backend everywhere it appears (its row of the backend table).
pub fn backend(kind: BackendKind) -> Color32 {
    let [r, g, b] = kind.info().colour;
    Color32::from_rgb(r, g, b)
}

/// A task that finished normally.
pub fn task_ok(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0x5a, 0xa9, 0xe6) } else { Color32::from_rgb(0x2b, 0x6c, 0xb0) }
}

/// A task running without the GIL (waiting for it, or for I/O), when the run emulates one; the
/// stretches that held it are drawn over it in [`task_ok`].
pub fn gil_waiting(dark: bool) -> Color32 {
    task_ok(dark).gamma_multiply(0.3)
}

/// A task that panicked.
pub fn task_failed() -> Color32 {
    Color32::from_rgb(0xd6, 0x3a, 0x3a)
}

/// Per-core lines cycle through these; the mean is drawn in the text colour, thicker.
const CORES: [Color32; 8] = [
    Color32::from_rgb(0xe4, 0x57, 0x5a),
    Color32::from_rgb(0x4c, 0x9b, 0xd8),
    Color32::from_rgb(0x59, 0xb3, 0x6b),
    Color32::from_rgb(0xd9, 0x9a, 0x2b),
    Color32::from_rgb(0xa3, 0x6a, 0xd1),
    Color32::from_rgb(0x2f, 0xb3, 0xb0),
    Color32::from_rgb(0xd6, 0x6a, 0xa8),
    Color32::from_rgb(0x8a, 0x8f, 0x3a),
];

pub fn core(index: usize) -> Color32 {
    CORES[index % CORES.len()]
}

/// The lab's own cores (the window, the sampler) in the core plot: a muted grey, stacked over
/// the run's.
pub fn lab_cores(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0x9a, 0x9a, 0x9a) } else { Color32::from_rgb(0x80, 0x80, 0x80) }
}

/// Other programs' cores in the core plot: paler still, stacked over the lab's.
pub fn other_cores(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0x5c, 0x5c, 0x66) } else { Color32::from_rgb(0xb4, 0xb4, 0xc0) }
}

/// Errors and warnings in text.
pub fn error_text(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0xff, 0x7b, 0x72) } else { Color32::from_rgb(0xb3, 0x1d, 0x1d) }
}

#[cfg(test)]
mod tests {
    use eframe::egui::{Color32, Visuals};

    use super::backend;
    use crate::engine::BackendKind;

    fn linear(channel: u8) -> f64 {
        let c = f64::from(channel) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    }

    /// OKLab (Björn Ottosson's), where a distance is a perceived difference.
    fn oklab(c: Color32) -> [f64; 3] {
        let (r, g, b) = (linear(c.r()), linear(c.g()), linear(c.b()));
        let l = (0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b).cbrt();
        let m = (0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b).cbrt();
        let s = (0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b).cbrt();
        [
            0.210_454_255_3 * l + 0.793_617_785 * m - 0.004_072_046_8 * s,
            1.977_998_495_1 * l - 2.428_592_205 * m + 0.450_593_709_9 * s,
            0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766 * s,
        ]
    }

    fn distance(a: Color32, b: Color32) -> f64 {
        let (a, b) = (oklab(a), oklab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    /// WCAG's contrast ratio.
    fn contrast(a: Color32, b: Color32) -> f64 {
        let luminance = |c: Color32| 0.2126 * linear(c.r()) + 0.7152 * linear(c.g()) + 0.0722 * linear(c.b());
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_backend_colour_is_apart_from_every_other() {
        // 0.1 in OKLab: python-asyncio and python-threads were 0.07 apart (two golds).
        for (i, &a) in BackendKind::ALL.iter().enumerate() {
            for &b in &BackendKind::ALL[..i] {
                let d = distance(backend(a), backend(b));
                assert!(d >= 0.1, "{a} and {b} are {d:.3} apart in OKLab");
            }
        }
    }

    #[test]
    fn every_backend_colour_reads_on_both_themes() {
        for visuals in [Visuals::dark(), Visuals::light()] {
            for background in [visuals.panel_fill, visuals.extreme_bg_color, visuals.window_fill] {
                for &kind in BackendKind::ALL {
                    let ratio = contrast(backend(kind), background);
                    assert!(ratio >= 2.0, "{kind} on {background:?}: contrast {ratio:.2}");
                }
            }
        }
    }
}
