//! What else kept the machine busy while a run ran: the rest of the lab's own process (the
//! window, the sampler, progress) and every other program, from the engine's accounting
//! (`RunResult::lab_cpu_secs`, `other_cpu_secs`), as cores on average over the run. Above a
//! quarter of a core either one disturbs the timing: the run gets a `busy_machine` warning
//! ([`super::notes`]) and a verdict that includes it says so ([`super::verdict`]), as hyperfine
//! warns of "interferences from other programs".

use serde::Serialize;

use crate::engine::RunResult;

/// Above this many cores on average, the lab or the other programs disturbed a run.
pub const BUSY_CORES: f64 = 0.25;

/// The CPU the lab and other programs used during a run, in cores on average over its elapsed
/// time (CPU seconds ÷ elapsed seconds: 0.5 is half a core for the whole run).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Load {
    /// The rest of the lab's process: the window, the sampler, progress, exporters.
    pub lab_cores: f64,
    /// Everything else on the machine.
    pub other_cores: f64,
}

impl Load {
    /// `None` where the accounting is absent (not Linux, an older file) or nothing was timed.
    pub fn of(run: &RunResult) -> Option<Self> {
        let elapsed = run.elapsed_secs;
        if elapsed.is_nan() || elapsed <= 0.0 {
            return None;
        }
        let (lab, other) = (run.lab_cpu_secs?, run.other_cpu_secs?);
        Some(Self { lab_cores: lab.max(0.0) / elapsed, other_cores: other.max(0.0) / elapsed })
    }

    /// The lab took more than [`BUSY_CORES`].
    pub fn lab_busy(&self) -> bool {
        self.lab_cores > BUSY_CORES
    }

    /// Other programs took more than [`BUSY_CORES`].
    pub fn others_busy(&self) -> bool {
        self.other_cores > BUSY_CORES
    }

    /// Either one disturbed the run.
    pub fn busy(&self) -> bool {
        self.lab_busy() || self.others_busy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BackendKind;
    use crate::report::sample::{run, with_load};

    #[test]
    fn cores_are_cpu_seconds_over_elapsed() {
        let r = with_load(run(BackendKind::Threads, &[2.0]), 0.1, 1.0);
        assert_eq!(Load::of(&r), Some(Load { lab_cores: 0.05, other_cores: 0.5 }));
        assert_eq!(Load::of(&run(BackendKind::Threads, &[2.0])), None, "no accounting, no load");
    }

    #[test]
    fn a_quarter_core_is_the_threshold() {
        // 0.5 s of 2 s is exactly a quarter: not yet busy; a millisecond more is.
        let at = Load::of(&with_load(run(BackendKind::Threads, &[2.0]), 0.5, 0.5));
        assert_eq!(at.map(|l| l.busy()), Some(false));
        let lab = Load::of(&with_load(run(BackendKind::Threads, &[2.0]), 0.502, 0.0));
        assert_eq!(lab.map(|l| (l.lab_busy(), l.others_busy())), Some((true, false)));
        let others = Load::of(&with_load(run(BackendKind::Threads, &[2.0]), 0.0, 0.502));
        assert_eq!(others.map(|l| (l.lab_busy(), l.others_busy())), Some((false, true)));
    }
}
