//! Every colour the lab uses, in one place: one colour per backend (plots, legend, history;
//! the Python backends share a family of golds),
//! task outcomes for the timeline, and per-core lines. Each reads on dark and light themes.

use eframe::egui::Color32;

use crate::engine::BackendKind;

/// The colour of a backend everywhere it appears.
pub fn backend(kind: BackendKind) -> Color32 {
    match kind {
        BackendKind::EventLoop => Color32::from_rgb(0x3b, 0x8e, 0xea), // blue
        BackendKind::Threads => Color32::from_rgb(0xe8, 0x8a, 0x1a),   // orange
        BackendKind::Processes => Color32::from_rgb(0x2e, 0xa0, 0x5a), // green
        BackendKind::EventLoopMt => Color32::from_rgb(0x17, 0xb0, 0xc4), // cyan
        BackendKind::Rayon => Color32::from_rgb(0xd9, 0x5f, 0xb5),     // pink
        BackendKind::EventLoopThreads => Color32::from_rgb(0xa0, 0x6e, 0x4a), // brown
        BackendKind::EventLoopProcesses => Color32::from_rgb(0xa8, 0xa8, 0x1e), // olive
        BackendKind::ProcessesEventLoop => Color32::from_rgb(0x74, 0x7c, 0xe8), // periwinkle
        BackendKind::Mock => Color32::from_rgb(0x9b, 0x6b, 0xd6),      // violet
        // The user's own Python: one family of golds, light to dark (Python's yellow).
        BackendKind::PythonAsyncio => Color32::from_rgb(0xe0, 0xac, 0x10), // gold
        BackendKind::PythonThreads => Color32::from_rgb(0xc8, 0x96, 0x10), // dark gold
        BackendKind::PythonProcesses => Color32::from_rgb(0x96, 0x6e, 0x0a), // bronze
    }
}

/// A task that finished normally.
pub fn task_ok(dark: bool) -> Color32 {
    if dark { Color32::from_rgb(0x5a, 0xa9, 0xe6) } else { Color32::from_rgb(0x2b, 0x6c, 0xb0) }
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
