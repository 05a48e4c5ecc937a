//! What the engine tells its consumers while a run goes on. The GUI and the CLI are two
//! sinks of the same stream; nothing in the engine prints.

use super::config::BackendKind;
use super::result::{CpuSample, Outcome, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A repetition began (`warmup` ones are not measured).
    RepetitionStarted {
        backend: BackendKind,
        index: u32,
        of: u32,
        warmup: bool,
    },
    /// Tasks finished so far in this repetition.
    Progress {
        done: u64,
        total: u64,
        elapsed_secs: f64,
    },
    /// Newly finished spans (batched).
    TasksFinished(Vec<Span>),
    CpuSample(CpuSample),
    /// The run ended; the full result is the return value of `run_experiment`.
    Finished {
        backend: BackendKind,
        outcome: Outcome,
        elapsed_secs: f64,
    },
}

/// A consumer of events. Called from the engine's threads, so it must be cheap and `Sync`.
pub trait EventSink: Sync {
    fn emit(&self, event: Event);
}

/// Drops every event.
#[derive(Debug, Default)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: Event) {}
}

impl<F: Fn(Event) + Sync> EventSink for F {
    fn emit(&self, event: Event) {
        self(event);
    }
}
