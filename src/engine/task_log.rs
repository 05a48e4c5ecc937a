//! What tasks leave behind besides their spans: the order in which task steps ran (only when
//! tasks have more than one step: the interleaving probe) and the first I/O error. Shared by
//! every lane of a repetition; worker processes send theirs over the pipe with timestamps on
//! the machine-wide monotonic clock, so all steps sort into one order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::TasksFailed;
use super::sys;

#[derive(Debug, Default)]
pub struct TaskLog {
    /// `(monotonic nanos, task, step)`; `None` when steps are not recorded.
    steps: Option<Mutex<Vec<(u64, u64, u32)>>>,
    first_error: Mutex<Option<(u64, String)>>,
    errors: AtomicU64,
}

impl TaskLog {
    pub fn new(record_steps: bool) -> Self {
        Self { steps: record_steps.then(|| Mutex::new(Vec::new())), ..Self::default() }
    }

    pub fn records_steps(&self) -> bool {
        self.steps.is_some()
    }

    /// Step `step` of `task` starts now, on this process.
    #[inline]
    pub fn step(&self, task: u64, step: u32) {
        if let Some(steps) = &self.steps {
            let mut steps = steps.lock().unwrap_or_else(|p| p.into_inner());
            // Read the clock under the lock, so in-process records are in push order.
            steps.push((sys::monotonic_nanos(), task, step));
        }
    }

    /// Steps recorded elsewhere (a worker process), with their own timestamps.
    pub fn foreign_steps(&self, records: impl IntoIterator<Item = (u64, u64, u32)>) {
        if let Some(steps) = &self.steps {
            steps.lock().unwrap_or_else(|p| p.into_inner()).extend(records);
        }
    }

    /// Task `task` failed with an I/O error; the first one is kept for the run's message.
    pub fn error(&self, task: u64, message: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        if first.is_none() {
            *first = Some((task, message.to_owned()));
        }
    }

    /// The first error not yet taken, as `(task, message)` (a worker process forwards it).
    pub fn take_error(&self) -> Option<(u64, String)> {
        self.first_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Step records not yet taken, as `(monotonic nanos, task, step)`.
    pub fn take_steps(&self) -> Vec<(u64, u64, u32)> {
        self.steps
            .as_ref()
            .map(|s| std::mem::take(&mut *s.lock().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
    }

    /// How many tasks failed with an error, and the first one's, if any did.
    pub fn error_summary(&self) -> Option<TasksFailed> {
        let (task, message) = self.first_error.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
        Some(TasksFailed { count: self.errors.load(Ordering::Relaxed), task, message })
    }

    /// The order of steps as `(task, step)`, earliest first (None when not recorded).
    pub fn step_order(&self) -> Option<Vec<(u64, u32)>> {
        let steps = self.steps.as_ref()?;
        let mut steps = std::mem::take(&mut *steps.lock().unwrap_or_else(|p| p.into_inner()));
        steps.sort_by_key(|(nanos, _, _)| *nanos);
        Some(steps.into_iter().map(|(_, task, step)| (task, step)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_come_back_in_time_order() {
        let log = TaskLog::new(true);
        log.step(0, 0);
        log.step(1, 0);
        log.foreign_steps([(0, 7, 0)]);
        assert_eq!(log.step_order(), Some(vec![(7, 0), (0, 0), (1, 0)]));
        assert_eq!(TaskLog::new(false).step_order(), None);
    }

    #[test]
    fn the_first_error_is_kept_and_counted() {
        let log = TaskLog::new(false);
        assert_eq!(log.error_summary(), None);
        log.error(3, "boom");
        log.error(4, "bang");
        let summary = log.error_summary().map(|e| e.to_string());
        assert_eq!(summary.as_deref(), Some("2 tasks failed; the first: task 3 failed: boom"));
    }
}
