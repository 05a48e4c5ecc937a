//! Every finished run, kept until cleared, and which one is selected. The selected run feeds
//! the core plot, the timeline and the summary; the elapsed-time chart shows them all. A run
//! is from here (this window) or from a result file ([`Source`]), perhaps made on another
//! machine: [`History::machines`] tells which runs share a machine, so that comparisons
//! within a machine never mix two.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Machine, RunResult, SweepSpec};
use crate::report;

use super::lanes::Lanes;

/// Where a run in the history came from.
#[derive(Clone, Debug)]
pub enum Source {
    /// Run in this window.
    Here,
    /// Read from a result file, shared by the runs of that file.
    File(Arc<FileOrigin>),
}

/// A result file the history holds runs of.
#[derive(Debug)]
pub struct FileOrigin {
    pub path: PathBuf,
    pub machine: Machine,
    /// "EPYC 64-core" ([`report::machine_label`]).
    pub machine_label: String,
    /// The file was written on this machine: its runs compare with the runs made here.
    pub this_machine: bool,
    /// The file's runs were the points of this sweep (kept for the sweep view).
    pub sweep: Option<SweepSpec>,
}

impl FileOrigin {
    /// The file's name without its folder ("server.json").
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }
}

impl Source {
    /// Whether the run was made on this machine (here, or a file written here).
    pub fn is_this_machine(&self) -> bool {
        match self {
            Self::Here => true,
            Self::File(origin) => origin.this_machine,
        }
    }

    pub fn file(&self) -> Option<&FileOrigin> {
        match self {
            Self::Here => None,
            Self::File(origin) => Some(origin),
        }
    }
}

/// Which machine each run of the history ran on: machine 0 is this one; the others are
/// numbered in the order their files were opened, files of one machine sharing a number.
#[derive(Debug, Default, PartialEq)]
pub struct Machines {
    /// For each entry, in order, its machine.
    pub of_entry: Vec<usize>,
    /// Each machine's label; `labels[0]` is "this machine".
    pub labels: Vec<String>,
    /// Each machine's logical cores (`None` for this one: the caller knows them).
    pub logical_cores: Vec<Option<u64>>,
}

/// A run's identity in the history; stable across deletions ("#3" stays "#3").
pub type RunId = u64;

#[derive(Debug)]
pub struct Entry {
    pub id: RunId,
    pub result: RunResult,
    /// The spans sorted into lanes once, so each frame only walks them.
    pub lanes: Lanes,
    pub source: Source,
}

impl Entry {
    /// "#3 threads", and for a run from another machine "#3 threads · EPYC 64-core".
    pub fn label(&self) -> String {
        match self.source.file().filter(|o| !o.this_machine) {
            Some(origin) => format!("#{} {} · {}", self.id, self.result.config.backend, origin.machine_label),
            None => format!("#{} {}", self.id, self.result.config.backend),
        }
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
        let lanes = Lanes::with_holds(&result.spans, &result.gil_holds);
        self.push_from(result, lanes, Source::Here)
    }

    /// Adds a run whose lanes are already sorted (on a loading thread), from `source`, and
    /// selects it.
    pub fn push_from(&mut self, result: RunResult, lanes: Lanes, source: Source) -> RunId {
        self.next_id += 1;
        let id = self.next_id;
        self.entries.push(Entry { id, result, lanes, source });
        self.selected = Some(id);
        id
    }

    /// The runs made on this machine (what Export data writes under this machine's name).
    pub fn runs_here(&self) -> Vec<RunResult> {
        self.entries.iter().filter(|e| e.source.is_this_machine()).map(|e| e.result.clone()).collect()
    }

    /// Which machine each run ran on (see [`Machines`]).
    pub fn machines(&self) -> Machines {
        let mut out =
            Machines { labels: vec!["this machine".to_owned()], logical_cores: vec![None], ..Machines::default() };
        let mut seen: Vec<&Machine> = Vec::new();
        for entry in &self.entries {
            let machine = match entry.source.file().filter(|o| !o.this_machine) {
                None => 0,
                Some(origin) => match seen.iter().position(|m| report::same_machine(m, &origin.machine)) {
                    Some(i) => i + 1,
                    None => {
                        seen.push(&origin.machine);
                        out.labels.push(origin.machine_label.clone());
                        out.logical_cores.push(Some(origin.machine.logical_cores));
                        seen.len()
                    }
                },
            };
            out.of_entry.push(machine);
        }
        out
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

    /// Removes every run and returns them, for Undo ([`Self::restore`]).
    pub fn clear(&mut self) -> Cleared {
        let selected = self.selected.take();
        Cleared { entries: std::mem::take(&mut self.entries), selected }
    }

    /// Puts cleared runs back before the ones added since, with their ids; the selection is
    /// theirs unless a run was added since.
    pub fn restore(&mut self, cleared: Cleared) {
        let newer = std::mem::replace(&mut self.entries, cleared.entries);
        if newer.is_empty() {
            self.selected = cleared.selected.or_else(|| self.entries.last().map(|e| e.id));
        }
        self.entries.extend(newer);
    }
}

/// Runs removed by Clear all, kept for Undo.
#[derive(Debug, Default)]
pub struct Cleared {
    entries: Vec<Entry>,
    selected: Option<RunId>,
}

impl Cleared {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Cleared again: the runs cleared earlier come first, as they were in the history.
    pub fn merge(mut self, later: Cleared) -> Cleared {
        self.entries.extend(later.entries);
        Cleared { entries: self.entries, selected: later.selected.or(self.selected) }
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
        let cleared = history.clear();
        assert!(history.is_empty() && history.selected().is_none());
        assert_eq!(cleared.len(), 1);
    }

    #[test]
    fn cleared_runs_come_back_with_their_ids_before_the_newer_ones() {
        let mut history = History::default();
        let a = history.push(sample::run(BackendKind::Threads, 1.0, Outcome::Completed));
        let b = history.push(sample::run(BackendKind::Processes, 0.5, Outcome::Completed));
        history.select(a);
        let first = history.clear();
        history.restore(first);
        assert_eq!(history.entries().iter().map(|e| e.id).collect::<Vec<_>>(), [a, b]);
        assert_eq!(history.selected().map(|e| e.id), Some(a), "the selection comes back too");
        let first = history.clear();
        let c = history.push(sample::run(BackendKind::EventLoop, 2.0, Outcome::Completed));
        let cleared = first.merge(history.clear());
        let d = history.push(sample::run(BackendKind::EventLoop, 2.0, Outcome::Completed));
        history.restore(cleared);
        assert_eq!(history.entries().iter().map(|e| e.id).collect::<Vec<_>>(), [a, b, c, d], "nothing lost");
        assert_eq!(history.selected().map(|e| e.id), Some(d), "a run added since stays selected");
    }

    #[test]
    fn runs_from_files_are_labelled_with_their_machine_and_grouped_by_it() {
        let mut history = History::default();
        history.push(sample::run(BackendKind::Threads, 1.0, Outcome::Completed));
        let origin = |brand: &str, this_machine| {
            let machine = Machine { cpu_brand: brand.into(), ..sample::file().machine };
            let machine_label = report::machine_label(&machine);
            let path = PathBuf::from(format!("/r/{brand}.json"));
            Source::File(Arc::new(FileOrigin { path, machine, machine_label, this_machine, sweep: None }))
        };
        let run = || sample::run(BackendKind::Processes, 0.5, Outcome::Completed);
        let epyc = origin("AMD EPYC 7763 64-Core", false);
        let b = history.push_from(run(), Lanes::default(), epyc.clone());
        history.push_from(run(), Lanes::default(), origin("Intel Xeon", false));
        history.push_from(run(), Lanes::default(), epyc);
        history.push_from(run(), Lanes::default(), origin("Here", true));
        assert_eq!(history.get(b).map(Entry::label), Some(format!("#{b} processes · EPYC 2-core")));
        assert_eq!(
            history.get(b).and_then(|e| e.source.file()).map(FileOrigin::file_name).as_deref(),
            Some("AMD EPYC 7763 64-Core.json")
        );
        let machines = history.machines();
        assert_eq!(machines.of_entry, vec![0, 1, 2, 1, 0], "one number per machine; a file from here is here");
        assert_eq!(machines.labels, vec!["this machine", "EPYC 2-core", "Xeon 2-core"]);
        assert_eq!(history.runs_here().len(), 2, "Export data writes this machine's runs");
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
