//! While a run measures, the window draws at most one frame every [`REPAINT_AFTER`], whatever
//! the input: hovering or dragging over the plots asks egui for a frame per mouse event, and
//! on a software renderer (a VM, a remote desktop, Xvfb) each frame costs tens of ms of CPU
//! taken from the run being measured. `ctx.request_repaint_after` only schedules frames; it
//! does not stop input from causing more. So before a frame during a run, the UI thread sleeps
//! until the interval since the last frame has passed: the input that arrives meanwhile waits
//! and is handled, all of it, in the next frame (at most 200 ms later; Stop included). Between
//! runs the window draws as fast as input asks.

use std::time::{Duration, Instant};

pub use super::run_controller::REPAINT_AFTER;

#[derive(Debug)]
pub struct FrameLimit {
    /// The shortest time between frames during a run (`None`: no limit, as in tests).
    interval: Option<Duration>,
    last_frame: Option<Instant>,
}

impl FrameLimit {
    /// The real window's limit: [`REPAINT_AFTER`] between frames during a run.
    pub fn during_runs() -> Self {
        Self { interval: Some(REPAINT_AFTER), last_frame: None }
    }

    /// No limit: frames as fast as asked (the test harness steps frames itself).
    pub fn none() -> Self {
        Self { interval: None, last_frame: None }
    }

    /// Called at the start of every frame: sleeps out the rest of the interval when a run is
    /// in flight.
    pub fn pace(&mut self, running: bool) {
        let wait = self.wait_at(Instant::now(), running);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        self.last_frame = Some(Instant::now());
    }

    /// How long a frame starting at `now` must wait.
    fn wait_at(&self, now: Instant, running: bool) -> Duration {
        match (self.interval, self.last_frame) {
            (Some(interval), Some(last)) if running => (last + interval).saturating_duration_since(now),
            _ => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_during_a_run_wait_out_the_interval_and_others_do_not() {
        let start = Instant::now();
        let limit = FrameLimit { interval: Some(REPAINT_AFTER), last_frame: Some(start) };
        let soon = start + Duration::from_millis(50);
        assert_eq!(limit.wait_at(soon, true), REPAINT_AFTER - Duration::from_millis(50));
        assert_eq!(limit.wait_at(soon, false), Duration::ZERO, "no run: input is answered at once");
        assert_eq!(limit.wait_at(start + REPAINT_AFTER * 2, true), Duration::ZERO, "a late frame waits no more");
        let unlimited = FrameLimit { interval: None, last_frame: Some(start) };
        assert_eq!(unlimited.wait_at(soon, true), Duration::ZERO);
        assert_eq!(FrameLimit::during_runs().wait_at(soon, true), Duration::ZERO, "the first frame never waits");
    }
}
