//! While a run measures, the window keeps itself to about a tenth of one core, whatever the
//! input. Hovering or dragging over the plots asks egui for a frame per mouse event, and on a
//! software renderer (a VM, a remote desktop, Xvfb) one frame of the lab costs 50-100 ms of CPU
//! (Mesa's rasterizer threads, mostly): at 5 frames a second that is half a core taken from the
//! run being measured. `ctx.request_repaint_after` only schedules frames; it does not stop input
//! from causing more.
//!
//! So before each frame during a run, the UI thread reads what the window's threads (every
//! thread the process had at the start of the frame that started the run: the UI thread, the
//! renderer's; not the run's) used since the last frame, and sleeps until that cost fits [`CPU_SHARE`] of a core, between
//! [`MIN_INTERVAL`] (5 frames a second: a GPU's frames cost a millisecond or two) and
//! [`MAX_INTERVAL`] (1 frame a second, so progress still moves: on a software renderer a frame
//! costs about 100 ms, so the window then takes about a tenth of a core). Input that arrives
//! meanwhile waits and is handled, all of it, in the next frame: a click, a key (Stop, Esc) or
//! closing the window within a second, and such a frame itself does not wait. Between runs the window draws
//! as fast as input asks.

use std::time::{Duration, Instant};

use crate::engine::LabThreads;

/// The shortest time between frames during a run: 5 frames a second.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);
/// The longest: one frame a second however costly a frame is, so progress moves and a click
/// that arrives during the wait is answered within a second. (At 500 ms, Xvfb's lavapipe
/// window took 0.22 cores and the processes run of `cpu-primes-gil` 1.12× as long as headless;
/// at 1 s, see docs/troubleshooting.md.)
pub const MAX_INTERVAL: Duration = Duration::from_secs(1);
/// The share of one core the window may use during a run.
pub const CPU_SHARE: f64 = 0.1;

pub struct FrameLimit {
    enabled: bool,
    last_frame: Option<Instant>,
    /// Between runs: the threads at the last frame's start (a run starts during a frame, so
    /// these are the window's, without the run's).
    idle_threads: Vec<u32>,
    /// During a run: the window's threads, and their CPU seconds at the last frame's start.
    window: Option<(LabThreads, f64)>,
}

impl FrameLimit {
    /// The real window's limit.
    pub fn during_runs() -> Self {
        Self { enabled: true, last_frame: None, idle_threads: Vec::new(), window: None }
    }

    /// No limit: frames as fast as asked (the test harness steps frames itself).
    pub fn none() -> Self {
        Self { enabled: false, last_frame: None, idle_threads: Vec::new(), window: None }
    }

    /// Called at the start of every frame: during a run, sleeps out the rest of the interval
    /// the last frame's cost asks for, unless `urgent` (a key press, a click or a close request
    /// in this frame).
    pub fn pace(&mut self, running: bool, urgent: bool) {
        if !(self.enabled && running) {
            if self.enabled {
                self.idle_threads = LabThreads::ids_now();
            }
            self.window = None;
            self.last_frame = Some(Instant::now());
            return;
        }
        let idle_threads = &self.idle_threads;
        let (threads, cpu_at_last) = self.window.get_or_insert_with(|| {
            let threads = LabThreads::of(idle_threads);
            let secs = threads.secs();
            (threads, secs)
        });
        let cost_secs = threads.secs() - *cpu_at_last;
        let wait = wait_before(self.last_frame, Instant::now(), cost_secs, urgent);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        *cpu_at_last = threads.secs();
        self.last_frame = Some(Instant::now());
    }
}

/// How long a frame starting `now` waits, the last having started at `last_frame` and the
/// window having used `cost_secs` of CPU since.
fn wait_before(last_frame: Option<Instant>, now: Instant, cost_secs: f64, urgent: bool) -> Duration {
    match last_frame {
        Some(last) if !urgent => (last + interval_after(cost_secs)).saturating_duration_since(now),
        _ => Duration::ZERO,
    }
}

/// How long after a frame's start the next may start, given what the window used since.
fn interval_after(cost_secs: f64) -> Duration {
    let wanted = Duration::from_secs_f64((cost_secs.max(0.0) / CPU_SHARE).min(MAX_INTERVAL.as_secs_f64()));
    wanted.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_waits_for_its_cost_to_fit_a_tenth_of_a_core_within_the_bounds() {
        assert_eq!(interval_after(0.002), MIN_INTERVAL, "a GPU's frame: 5 a second");
        assert_eq!(interval_after(0.03), Duration::from_millis(300), "30 ms of CPU: 3 a second");
        assert_eq!(interval_after(0.5), Duration::from_secs(1), "never less than one a second");
        assert_eq!(interval_after(-1.0), MIN_INTERVAL);
    }

    #[test]
    fn a_hover_waits_its_turn_and_a_click_does_not() {
        let last = Instant::now();
        let soon = last + Duration::from_millis(50);
        assert_eq!(wait_before(Some(last), soon, 0.002, false), Duration::from_millis(150));
        assert_eq!(wait_before(Some(last), soon, 0.03, false), Duration::from_millis(250));
        assert_eq!(wait_before(Some(last), soon, 0.03, true), Duration::ZERO, "a click is answered at once");
        assert_eq!(wait_before(None, soon, 0.05, false), Duration::ZERO, "the run's first frame");
        assert_eq!(wait_before(Some(last), last + MAX_INTERVAL * 2, 0.5, false), Duration::ZERO, "a late frame");
    }

    #[test]
    fn the_window_threads_are_read_only_during_a_run_with_the_limit_on() {
        let mut limit = FrameLimit::during_runs();
        limit.pace(false, false);
        assert!(limit.window.is_none());
        assert!(!limit.idle_threads.is_empty(), "between runs it notes the window's threads");
        limit.pace(true, true);
        assert!(limit.window.is_some(), "a run's first frame takes the window's threads");
        limit.pace(false, false);
        assert!(limit.window.is_none(), "and lets them go after the run");
        let mut unlimited = FrameLimit::none();
        unlimited.pace(true, false);
        assert!(unlimited.window.is_none() && unlimited.last_frame.is_some());
    }
}
