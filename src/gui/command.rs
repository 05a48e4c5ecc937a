//! What the panels ask for. Panels draw and return commands; `app.rs` applies them once per
//! frame, so no panel mutates state another panel is drawing from.

use crate::presets::Preset;

use super::history::RunId;

#[derive(Debug)]
#[must_use]
pub enum UiCommand {
    /// Run the configured experiment on the selected backend.
    Run,
    /// Run the same workload on every backend, one after another.
    RunAllBackends,
    Stop,
    LoadPreset(Box<Preset>),
    /// Run the loaded preset as the CLI does: each of its backends, with its worker counts (a
    /// sweep preset as a sweep).
    RunPreset,
    /// Run the sweep the Sweep mode's controls describe (over the limit: ask first).
    RunSweep,
    /// The user confirmed the sweep waiting in the dialog.
    ConfirmSweep,
    /// The user declined it.
    CancelSweep,
    Select(RunId),
    Delete(RunId),
    /// Clear the history (undoable).
    ClearHistory,
    /// Put the runs Clear all removed back (Undo in the status bar, Ctrl+Z).
    UndoClear,
    /// Ask where to save the figure of the runs shown as PNG (Ctrl+S).
    SavePng,
    /// Ask where to write the history as JSON or CSV.
    ExportData,
    /// Ask for result files to open (typed paths or the system's dialog) into the history.
    OpenResults,
    /// Close the window (Ctrl+Q); a run in progress is stopped first.
    Quit,
}
