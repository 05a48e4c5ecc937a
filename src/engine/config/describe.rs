//! A config in words, for the table's heading, the summary and the window: "primes below
//! 100,000 × 2 tasks, 2 threads, GIL on".

use super::{ExperimentConfig, WorkloadKind, thousands};

impl ExperimentConfig {
    /// One task's work: the workload, its I/O wait (mixed) and its steps.
    fn describe_task(&self) -> String {
        let mut text = self.workload.describe();
        if self.workload.kind == WorkloadKind::Mixed {
            text.push_str(&format!(" of {} ms", thousands(self.io_wait_millis)));
        }
        if self.steps > 1 {
            text.push_str(&format!(" in {} steps", self.steps));
        }
        text
    }

    /// The part every backend of a comparison shares: "primes below 100,000 × 2 tasks, GIL on".
    pub fn describe_work(&self) -> String {
        format!("{} × {} tasks{}", self.describe_task(), thousands(self.tasks), if self.gil { ", GIL on" } else { "" })
    }

    /// "primes below 100,000 × 2 tasks, 2 threads, GIL on".
    pub fn describe(&self) -> String {
        format!(
            "{} × {} tasks, {} {}{}",
            self.describe_task(),
            thousands(self.tasks),
            thousands(self.workers),
            self.backend.workers_meaning(),
            if self.gil { ", GIL on" } else { "" }
        )
    }
}
