//! Every finished run, kept until cleared, and which one is selected. The selected run feeds
//! the core plot, the timeline and the summary; the elapsed-time chart shows them all.

use crate::engine::RunResult;

use super::lanes::Lanes;

/// A run's identity in the history; stable across deletions ("#3" stays "#3").
pub type RunId = u64;

#[derive(Debug)]
pub struct Entry {
    pub id: RunId,
    pub result: RunResult,
    /// The spans sorted into lanes once, so each frame only walks them.
    pub lanes: Lanes,
}

impl Entry {
    /// "#3 threads".
    pub fn label(&self) -> String {
        format!("#{} {}", self.id, self.result.config.backend)
    }
}

#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
    next_id: RunId,
    selected: Option<RunId>,
}

impl History {
    /// Adds a finished run and selects it.
    pub fn push(&mut self, result: RunResult) -> RunId {
        self.next_id += 1;
        let id = self.next_id;
        let lanes = Lanes::with_holds(&result.spans, &result.gil_holds);
        self.entries.push(Entry { id, result, lanes });
        self.selected = Some(id);
        id
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: RunId) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn selected(&self) -> Option<&Entry> {
        self.selected.and_then(|id| self.get(id))
    }

    pub fn select(&mut self, id: RunId) {
        if self.get(id).is_some() {
            self.selected = Some(id);
        }
    }

    /// Removes one run; the selection moves to its neighbour.
    pub fn delete(&mut self, id: RunId) {
        let Some(index) = self.entries.iter().position(|e| e.id == id) else { return };
        self.entries.remove(index);
        if self.selected == Some(id) {
            let neighbour = self.entries.get(index).or_else(|| self.entries.last());
            self.selected = neighbour.map(|e| e.id);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.selected = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome};
    use crate::export::sample;

    #[test]
    fn push_selects_and_delete_moves_the_selection() {
        let mut history = History::default();
        let a = history.push(sample::run(BackendKind::Threads, 1.0, Outcome::Completed));
        let b = history.push(sample::run(BackendKind::Processes, 0.5, Outcome::Completed));
        let c = history.push(sample::run(BackendKind::EventLoop, 2.0, Outcome::Completed));
        assert_eq!(history.selected().map(|e| e.id), Some(c));
        history.select(b);
        history.delete(b);
        assert_eq!(history.selected().map(|e| e.id), Some(c), "the next run takes over");
        history.delete(c);
        assert_eq!(history.selected().map(|e| e.id), Some(a), "or the last one");
        assert_eq!(history.entries().len(), 1);
        history.clear();
        assert!(history.is_empty() && history.selected().is_none());
    }

    #[test]
    fn ids_stay_stable_after_deletion() {
        let mut history = History::default();
        let a = history.push(sample::run(BackendKind::Threads, 1.0, Outcome::Completed));
        history.delete(a);
        let b = history.push(sample::run(BackendKind::Threads, 1.0, Outcome::Completed));
        assert!(b > a);
        assert_eq!(history.get(b).map(Entry::label), Some(format!("#{b} threads")));
    }
}
