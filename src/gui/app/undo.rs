//! Clear all, undoable: the cleared runs (and the finished sweeps whose points they were) are
//! kept, and Undo in the status bar or Ctrl+Z puts them back with their ids, before any run
//! made since. Clearing again keeps both sets, so nothing cleared is lost until the window
//! closes.

use super::super::history::Cleared;
use super::super::panels::status_bar::Status;
use super::super::sweeps::Sweep;
use super::LabApp;

/// What Undo puts back.
#[derive(Debug, Default)]
pub(super) struct UndoClear {
    runs: Cleared,
    sweeps: Vec<Sweep>,
}

impl LabApp {
    /// How many cleared runs Undo would bring back (0: nothing to undo).
    pub fn undoable_runs(&self) -> usize {
        self.undo.as_ref().map_or(0, |u| u.runs.len())
    }

    pub(super) fn clear_history(&mut self) {
        let runs = self.history.clear();
        let sweeps = self.sweeps.clear();
        if runs.is_empty() {
            return;
        }
        let count = runs.len();
        let undo = match self.undo.take() {
            Some(earlier) => {
                let mut all = earlier.sweeps;
                all.extend(sweeps);
                UndoClear { runs: earlier.runs.merge(runs), sweeps: all }
            }
            None => UndoClear { runs, sweeps },
        };
        self.undo = Some(undo);
        let runs = if count == 1 { "1 run".to_owned() } else { format!("{count} runs") };
        self.status = Status::info(format!("Cleared {runs}. Undo (Ctrl+Z) brings them back."));
    }

    pub(super) fn undo_clear(&mut self) {
        let Some(undo) = self.undo.take() else { return };
        let count = undo.runs.len();
        self.history.restore(undo.runs);
        self.sweeps.restore(undo.sweeps);
        let runs = if count == 1 { "1 run".to_owned() } else { format!("{count} runs") };
        self.status = Status::info(format!("Restored {runs} to the history."));
    }
}
