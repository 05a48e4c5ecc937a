//! The notes a run deserves beside its figures, each with a severity: what went wrong (an
//! error, failed tasks, a machine too busy to time it), what the workload does differently on
//! this backend, the event loop's lag (a warning when it was blocked), how task steps
//! interleaved, how the emulated GIL changed hands, and which Python interpreter ran a Python
//! run.

use serde::Serialize;

use super::Load;
use crate::engine::{Outcome, RunResult};

/// How a front end should show a note: as information, or as a warning (red in the window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub severity: Severity,
    pub kind: NoteKind,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoteKind {
    /// The run failed (or a task's I/O did), with the engine's message.
    Error { message: String },
    /// Tasks that panicked or failed.
    TasksFailed { failed: u64, total: u64 },
    /// The lab (its window, sampler, progress) or other programs kept more than a quarter of a
    /// core busy on average during the run (`report::BUSY_CORES`): its times are disturbed.
    BusyMachine { lab_cores: f64, other_cores: f64 },
    /// What this workload does differently on this backend.
    Workload { text: &'static str },
    /// An event loop's heartbeat lateness, and whether it was blocked > 100 ms.
    LoopLag { max_secs: f64, p99_secs: f64, blocked: bool },
    /// How many different orders of task steps the repetitions produced.
    Orders { distinct: u64, repetitions: usize },
    /// The interpreter of a Python run: "CPython 3.11.7", its path, its start-up (not in
    /// elapsed), how its pool started workers, the HTTP client the tasks used.
    Python {
        label: String,
        executable: String,
        startup_secs: Option<f64>,
        start_method: Option<String>,
        http_client: Option<String>,
    },
    /// How the emulated GIL was held (runs with the GIL on that recorded holds).
    Gil { holders: GilHolders, recorded: usize, dropped: u64 },
}

/// Who held the emulated GIL during a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum GilHolders {
    /// Worker processes, each with a GIL of its own.
    OwnEach { processes: usize },
    /// One lane, with no other to hand it to.
    Alone,
    /// Lanes of one process taking turns with one GIL.
    Shared { lanes: usize, handovers: usize },
}

/// The GIL note of `run`, when the GIL was on and holds were recorded.
fn gil(run: &RunResult) -> Option<NoteKind> {
    if !run.config.gil || run.gil_holds.is_empty() {
        return None;
    }
    let mut lanes: Vec<u32> = run.gil_holds.iter().map(|h| h.worker).collect();
    lanes.sort_unstable();
    lanes.dedup();
    let holders = if run.config.backend.uses_processes() {
        GilHolders::OwnEach { processes: lanes.len() }
    } else if lanes.len() == 1 {
        GilHolders::Alone
    } else {
        // One GIL for the whole process: holds never overlap, so neighbours in time are turns.
        let handovers = run.gil_holds.windows(2).filter(|pair| pair[0].worker != pair[1].worker).count();
        GilHolders::Shared { lanes: lanes.len(), handovers }
    };
    Some(NoteKind::Gil { holders, recorded: run.gil_holds.len(), dropped: run.gil_holds_dropped })
}

/// The notes of `run`, warnings first.
pub fn notes(run: &RunResult) -> Vec<Note> {
    let warning = |kind| Note { severity: Severity::Warning, kind };
    let info = |kind| Note { severity: Severity::Info, kind };
    let mut notes = Vec::new();
    if let Some(message) = &run.error {
        notes.push(warning(NoteKind::Error { message: message.clone() }));
    }
    if run.tasks_failed > 0 {
        let total = if run.outcome == Outcome::Completed { run.config.tasks } else { run.tasks_ok + run.tasks_failed };
        notes.push(warning(NoteKind::TasksFailed { failed: run.tasks_failed, total }));
    }
    if let Some(load) = Load::of(run).filter(Load::busy) {
        notes.push(warning(NoteKind::BusyMachine { lab_cores: load.lab_cores, other_cores: load.other_cores }));
    }
    if let Some(text) = run.config.workload.kind.note_on(run.config.backend) {
        notes.push(info(NoteKind::Workload { text }));
    }
    if let (Some(max_secs), Some(p99_secs)) = (run.loop_lag_max_secs, run.loop_lag_p99_secs) {
        let blocked = run.loop_blocked == Some(true);
        let lag = NoteKind::LoopLag { max_secs, p99_secs, blocked };
        notes.push(if blocked { warning(lag) } else { info(lag) });
    }
    if let Some(distinct) = run.distinct_orders {
        notes.push(info(NoteKind::Orders { distinct, repetitions: run.repetitions.len() }));
    }
    if let Some(python) = &run.python {
        notes.push(info(NoteKind::Python {
            label: python.label(),
            executable: python.executable.clone(),
            startup_secs: run.interpreter_startup_secs,
            start_method: python.start_method.clone(),
            http_client: python.http_client.clone(),
        }));
    }
    if let Some(gil) = gil(run) {
        notes.push(info(gil));
    }
    notes.sort_by_key(|note| std::cmp::Reverse(note.severity));
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Workload, WorkloadKind};
    use crate::report::sample::run;

    #[test]
    fn a_blocked_loop_is_a_warning_and_a_healthy_one_is_information() {
        let mut r = run(BackendKind::EventLoop, &[1.0]);
        r.loop_lag_max_secs = Some(0.25);
        r.loop_lag_p99_secs = Some(0.2);
        r.loop_blocked = Some(true);
        let blocked = Note {
            severity: Severity::Warning,
            kind: NoteKind::LoopLag { max_secs: 0.25, p99_secs: 0.2, blocked: true },
        };
        assert_eq!(notes(&r), vec![blocked]);
        r.loop_blocked = Some(false);
        assert_eq!(notes(&r)[0].severity, Severity::Info);
    }

    #[test]
    fn errors_and_failed_tasks_come_first() {
        let mut r = run(BackendKind::EventLoop, &[1.0]);
        r.config.workload = Workload::new(WorkloadKind::File, 4);
        r.distinct_orders = Some(1);
        r.tasks_failed = 2;
        r.error = Some("task 3 failed: disk full".to_owned());
        let kinds: Vec<(Severity, &str)> = notes(&r)
            .iter()
            .map(|n| {
                let kind = match n.kind {
                    NoteKind::Error { .. } => "error",
                    NoteKind::TasksFailed { .. } => "tasks",
                    NoteKind::Workload { .. } => "workload",
                    NoteKind::LoopLag { .. } => "lag",
                    NoteKind::Orders { .. } => "orders",
                    NoteKind::Gil { .. } => "gil",
                    NoteKind::Python { .. } => "python",
                    NoteKind::BusyMachine { .. } => "busy",
                };
                (n.severity, kind)
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Severity::Warning, "error"),
                (Severity::Warning, "tasks"),
                (Severity::Info, "workload"),
                (Severity::Info, "orders")
            ]
        );
    }

    #[test]
    fn a_busy_machine_is_a_warning_above_a_quarter_core() -> Result<(), serde_json::Error> {
        use crate::report::sample::with_load;
        let busy = |r: &RunResult| notes(r).into_iter().find(|n| matches!(n.kind, NoteKind::BusyMachine { .. }));
        // 2 s elapsed: 0.5 s is a quarter of a core, not more.
        let quiet = with_load(run(BackendKind::Threads, &[2.0]), 0.5, 0.5);
        assert_eq!(busy(&quiet), None);
        assert_eq!(busy(&run(BackendKind::Threads, &[2.0])), None, "no accounting, no note");
        let others = with_load(run(BackendKind::Threads, &[2.0]), 0.02, 1.0);
        let kind = NoteKind::BusyMachine { lab_cores: 0.01, other_cores: 0.5 };
        assert_eq!(busy(&others), Some(Note { severity: Severity::Warning, kind }));
        let window = with_load(run(BackendKind::Threads, &[2.0]), 0.6, 0.0);
        assert!(busy(&window).is_some(), "the lab's own window counts too");
        // Warnings first, and its kind is `busy_machine` where `loop_lag` is.
        let mut looped = with_load(run(BackendKind::EventLoop, &[2.0]), 0.0, 1.0);
        looped.loop_lag_max_secs = Some(0.001);
        looped.loop_lag_p99_secs = Some(0.001);
        let json = serde_json::to_value(notes(&looped))?;
        assert_eq!(json[0]["severity"], "warning");
        assert_eq!(json[0]["kind"]["kind"], "busy_machine");
        assert_eq!(
            (json[0]["kind"]["lab_cores"].as_f64(), json[0]["kind"]["other_cores"].as_f64()),
            (Some(0.0), Some(0.5))
        );
        assert_eq!(json[1]["kind"]["kind"], "loop_lag");
        Ok(())
    }
}
