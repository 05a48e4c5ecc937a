//! Event-loop health: a heartbeat task asks to wake every 1 ms and records how late it woke.
//! A loop that runs short callbacks wakes it within about a millisecond (tokio's timer
//! resolution); a loop blocked by CPU work or a blocking call wakes it late by the length of
//! the block. Max and p99 lateness go into the result; a run whose loop was blocked longer
//! than 100 ms (asyncio debug mode's slow-callback threshold) is flagged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How often the heartbeat asks to wake.
pub const HEARTBEAT: Duration = Duration::from_millis(1);

/// asyncio's `loop.slow_callback_duration` default: longer blocks are flagged.
pub const BLOCKED_THRESHOLD_SECS: f64 = 0.1;

/// How late the heartbeat woke: the worst time and the 99th percentile, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopLag {
    pub max_secs: f64,
    pub p99_secs: f64,
}

impl LoopLag {
    /// Whether the loop was blocked longer than [`BLOCKED_THRESHOLD_SECS`].
    pub fn blocked(&self) -> bool {
        self.max_secs > BLOCKED_THRESHOLD_SECS
    }

    /// The worse of two loops (several worker processes each run one).
    pub fn worst(self, other: Self) -> Self {
        Self { max_secs: self.max_secs.max(other.max_secs), p99_secs: self.p99_secs.max(other.p99_secs) }
    }
}

#[derive(Debug, Default)]
struct Beats {
    lates_nanos: Vec<u64>,
    /// When the beat now waiting is due: a loop blocked until the run ended never woke it,
    /// and that lateness counts too.
    due: Option<Instant>,
}

/// Lateness samples of one loop.
#[derive(Clone, Debug, Default)]
pub struct LagRecorder(Arc<Mutex<Beats>>);

impl LagRecorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Beats> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs forever (abort it, or drop the future, when the run ends).
    pub async fn heartbeat(self) {
        let mut due = Instant::now() + HEARTBEAT;
        loop {
            self.lock().due = Some(due);
            tokio::time::sleep_until(due).await;
            let now = Instant::now();
            let late = u64::try_from(now.saturating_duration_since(due).as_nanos()).unwrap_or(u64::MAX);
            self.lock().lates_nanos.push(late);
            due = now + HEARTBEAT;
        }
    }

    /// Max and p99 so far, counting the beat still waiting if it is overdue; `None` if the
    /// heartbeat never started.
    pub fn summary(&self) -> Option<LoopLag> {
        let beats = self.lock();
        let mut lates = beats.lates_nanos.clone();
        if let Some(due) = beats.due {
            let overdue = Instant::now().saturating_duration_since(due);
            if !overdue.is_zero() {
                lates.push(u64::try_from(overdue.as_nanos()).unwrap_or(u64::MAX));
            }
        }
        summarize(&mut lates)
    }
}

fn summarize(lates_nanos: &mut [u64]) -> Option<LoopLag> {
    if lates_nanos.is_empty() {
        return None;
    }
    lates_nanos.sort_unstable();
    let max = *lates_nanos.last()?;
    let rank = (lates_nanos.len() * 99).div_ceil(100).saturating_sub(1);
    let p99 = lates_nanos.get(rank).copied().unwrap_or(max);
    Some(LoopLag { max_secs: max as f64 / 1e9, p99_secs: p99 as f64 / 1e9 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_lateness() {
        let mut lates: Vec<u64> = (1..=100).map(|i| i * 1_000_000).collect();
        let lag = summarize(&mut lates).unwrap();
        assert_eq!((lag.max_secs, lag.p99_secs), (0.1, 0.099));
        assert!(!lag.blocked());
        assert!(LoopLag { max_secs: 0.2, p99_secs: 0.0 }.blocked());
        assert_eq!(summarize(&mut []), None);
    }

    #[test]
    fn a_blocked_loop_shows_up() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let recorder = LagRecorder::default();
        runtime.block_on(async {
            let beat = tokio::spawn(recorder.clone().heartbeat());
            tokio::time::sleep(Duration::from_millis(5)).await;
            std::thread::sleep(Duration::from_millis(60));
            tokio::time::sleep(Duration::from_millis(5)).await;
            beat.abort();
        });
        let lag = recorder.summary().expect("the heartbeat ran");
        assert!(lag.max_secs >= 0.05, "{lag:?}");
    }

    #[test]
    fn a_beat_that_never_woke_still_counts() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let recorder = LagRecorder::default();
        runtime.block_on(async {
            let beat = tokio::spawn(recorder.clone().heartbeat());
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(40));
            beat.abort();
        });
        let lag = recorder.summary().expect("the heartbeat ran");
        assert!(lag.max_secs >= 0.03, "{lag:?}");
    }
}
