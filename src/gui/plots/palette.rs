//! Every colour the lab uses, in one place: one colour per backend (plots, legend, history;
//! read from the backend table), task outcomes for the timeline, and per-core lines. Each
//! reads on dark and light themes.

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

/// Errors and warnings in text.
pub fn error_text(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0xff, 0x7b, 0x72) } else { Color32::from_rgb(0xb3, 0x1d, 0x1d) }
}
