//! When each lane held the emulated GIL: what makes "threads take turns" visible on the
//! timeline. The [`Gil`](super::gil::Gil) keeps a [`HoldRecorder`] under its own lock and
//! writes to it only when the lock changes hands (acquire, release), never at the checkpoints
//! of CPU work: a switch every 5 ms costs a clock read and a store into a buffer sized up
//! front. Back-to-back holds of one lane (a task ending and the next starting on the same
//! thread) merge into one. Both buffers are capped, so ten minutes of switching stay a few
//! hundred KiB; holds that did not fit are counted, never silently lost. Worker processes
//! send theirs with their span batches, on the machine-wide monotonic clock; a [`HoldLog`]
//! gathers a repetition's holds from this process and from its workers.

use std::sync::Mutex;

use super::result::GilHold;
use super::spans::RunClock;

/// At most this many holds are kept per GIL and per run (two threads trading the lock every
/// 5 ms fill it in about 100 s; a run with one task per thread needs one per task).
pub const MAX_GIL_HOLDS: usize = 20_000;

/// Holds of one lane closer together than this are one hold.
pub const MERGE_GAP_NANOS: u64 = 100_000;
const MERGE_GAP_SECS: f64 = MERGE_GAP_NANOS as f64 / 1e9;

/// One hold as the GIL records it: the holder's lane and monotonic nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawHold {
    pub lane: u32,
    pub start_nanos: u64,
    pub end_nanos: u64,
}

/// The holds of one GIL, recorded while its state lock is held.
#[derive(Debug)]
pub struct HoldRecorder {
    /// Closed holds not yet taken; never grows past its initial capacity.
    holds: Vec<RawHold>,
    /// The hold in progress: lane and start.
    open: Option<(u32, u64)>,
    /// Holds kept over this recorder's life (taken or not), against `cap`.
    kept: usize,
    /// Holds not kept since the last take.
    dropped: u64,
    cap: usize,
}

impl HoldRecorder {
    /// A recorder that keeps at most `cap` holds, with room for all of them reserved now.
    pub fn new(cap: usize) -> Self {
        Self { holds: Vec::with_capacity(cap), open: None, kept: 0, dropped: 0, cap }
    }

    /// Lane `lane` took the lock at `now_nanos`.
    #[inline]
    pub fn acquired(&mut self, lane: u32, now_nanos: u64) {
        self.open = Some((lane, now_nanos));
    }

    /// The holder let go at `now_nanos`.
    #[inline]
    pub fn released(&mut self, now_nanos: u64) {
        let Some((lane, start_nanos)) = self.open.take() else { return };
        if let Some(last) = self.holds.last_mut()
            && last.lane == lane
            && start_nanos.saturating_sub(last.end_nanos) < MERGE_GAP_NANOS
        {
            last.end_nanos = now_nanos;
            return;
        }
        if self.kept >= self.cap {
            self.dropped += 1;
            return;
        }
        self.kept += 1;
        self.holds.push(RawHold { lane, start_nanos, end_nanos: now_nanos });
    }

    /// The closed holds not taken yet, and how many were dropped since the last take.
    pub fn take(&mut self) -> (Vec<RawHold>, u64) {
        (self.holds.drain(..).collect(), std::mem::take(&mut self.dropped))
    }
}

/// A repetition's holds, from every GIL that ran for it (this process's, each worker's).
#[derive(Debug, Default)]
pub struct HoldLog {
    gathered: Mutex<Gathered>,
}

#[derive(Debug, Default)]
struct Gathered {
    holds: Vec<GilHold>,
    dropped: u64,
}

impl HoldLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds holds already on the run's clock, plus `dropped` ones that were not kept. Past
    /// [`MAX_GIL_HOLDS`] for the run, further holds are counted as dropped.
    pub fn add(&self, holds: impl IntoIterator<Item = GilHold>, dropped: u64) {
        let mut gathered = self.gathered.lock().unwrap_or_else(|p| p.into_inner());
        gathered.dropped += dropped;
        for hold in holds {
            if gathered.holds.len() < MAX_GIL_HOLDS {
                gathered.holds.push(hold);
            } else {
                gathered.dropped += 1;
            }
        }
    }

    /// Adds holds of this process's GIL, recorded in monotonic nanoseconds.
    pub fn add_raw(&self, holds: &[RawHold], dropped: u64, clock: &RunClock) {
        let converted = holds.iter().map(|h| GilHold {
            worker: h.lane,
            start_secs: clock.secs_at(h.start_nanos),
            end_secs: clock.secs_at(h.end_nanos),
        });
        self.add(converted, dropped);
    }

    /// Adds the holds worker process `worker` sent, `[start, end]` in monotonic nanoseconds:
    /// its own GIL, on its own lane.
    pub fn add_from_worker(&self, worker: u32, holds: &[(u64, u64)], dropped: u64, clock: &RunClock) {
        let converted = holds.iter().map(|&(start, end)| GilHold {
            worker,
            start_secs: clock.secs_at(start),
            end_secs: clock.secs_at(end),
        });
        self.add(converted, dropped);
    }

    /// Every hold, earliest first, with back-to-back holds of one lane merged; and how many
    /// were dropped.
    pub fn into_parts(self) -> (Vec<GilHold>, u64) {
        let Gathered { holds, dropped } = self.gathered.into_inner().unwrap_or_else(|p| p.into_inner());
        (merged(holds), dropped)
    }
}

/// Sorts `holds` by start and merges a hold into the one just before it when both are the same
/// lane's and less than the merge gap apart (batches from a worker process are recorded
/// separately, so one lane's holds may continue across them). Only neighbours merge: a lane's
/// two holds with another lane's in between stay two, or one merged hold would cover the time
/// the other lane held the GIL.
pub fn merged(mut holds: Vec<GilHold>) -> Vec<GilHold> {
    holds.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs).then(a.worker.cmp(&b.worker)));
    let mut out: Vec<GilHold> = Vec::with_capacity(holds.len());
    for hold in holds {
        match out.last_mut() {
            Some(last) if last.worker == hold.worker && hold.start_secs - last.end_secs < MERGE_GAP_SECS => {
                last.end_secs = last.end_secs.max(hold.end_secs);
            }
            _ => out.push(hold),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn back_to_back_holds_of_one_lane_merge_and_turns_do_not() {
        let mut r = HoldRecorder::new(100);
        // Lane 0 finishes a task and starts the next 10 µs later: one hold.
        r.acquired(0, 0);
        r.released(5 * MS);
        r.acquired(0, 5 * MS + 10_000);
        r.released(10 * MS);
        // Lane 1 takes over, then lane 0 again: three holds in all.
        r.acquired(1, 10 * MS + 20_000);
        r.released(15 * MS);
        r.acquired(0, 15 * MS + 20_000);
        r.released(20 * MS);
        let (holds, dropped) = r.take();
        let lanes: Vec<u32> = holds.iter().map(|h| h.lane).collect();
        assert_eq!(lanes, vec![0, 1, 0]);
        assert_eq!((holds[0].start_nanos, holds[0].end_nanos), (0, 10 * MS));
        assert_eq!(dropped, 0);
        assert_eq!(r.take(), (vec![], 0), "taken once");
    }

    #[test]
    fn the_cap_keeps_the_first_holds_and_counts_the_rest() {
        let mut r = HoldRecorder::new(3);
        for i in 0..10u64 {
            r.acquired(u32::try_from(i % 2).unwrap_or(0), i * 10 * MS);
            r.released(i * 10 * MS + 5 * MS);
            if i == 1 {
                assert_eq!(r.take().0.len(), 2, "taking does not reset the cap");
            }
        }
        let (holds, dropped) = r.take();
        assert_eq!(holds.len(), 1);
        assert_eq!(dropped, 7);
        assert!(r.holds.capacity() >= 3, "the buffer keeps its reserved room");
    }

    #[test]
    fn a_release_without_an_acquire_records_nothing() {
        let mut r = HoldRecorder::new(3);
        r.released(MS);
        assert_eq!(r.take(), (vec![], 0));
    }

    #[test]
    fn the_log_merges_across_batches_and_caps_the_run() {
        let log = HoldLog::new();
        let clock = RunClock::start();
        let origin = crate::engine::sys::monotonic_nanos();
        // A worker process's hold continues across two batches; its lane is the worker's index.
        log.add_from_worker(1, &[(origin, origin + 5 * MS)], 0, &clock);
        log.add_from_worker(1, &[(origin + 5 * MS + 1000, origin + 9 * MS)], 2, &clock);
        let local = RawHold { lane: 3, start_nanos: origin + 10 * MS, end_nanos: origin + 11 * MS };
        log.add_raw(&[local], 0, &clock);
        let (holds, dropped) = log.into_parts();
        assert_eq!(dropped, 2);
        let lanes: Vec<u32> = holds.iter().map(|h| h.worker).collect();
        assert_eq!(lanes, vec![1, 3], "sorted by start, merged per lane: {holds:?}");
        assert!((holds[0].end_secs - holds[0].start_secs - 0.009).abs() < 1e-6, "{holds:?}");

        // One GIL, two lanes: lane 1 lets go, lane 0 holds it for 40 µs, lane 1 takes it back
        // 10 µs later. Lane 1's two holds stay two: merged, they would cover lane 0's.
        let turns = HoldLog::new();
        let hold = |lane, start: u64, end: u64| RawHold { lane, start_nanos: origin + start, end_nanos: origin + end };
        turns.add_raw(
            &[hold(1, 0, 5 * MS), hold(0, 5 * MS + 5_000, 5 * MS + 45_000), hold(1, 5 * MS + 55_000, 9 * MS)],
            0,
            &clock,
        );
        let (holds, _) = turns.into_parts();
        assert_eq!(holds.iter().map(|h| h.worker).collect::<Vec<_>>(), [1, 0, 1], "{holds:?}");
        assert!(holds.windows(2).all(|w| w[0].end_secs <= w[1].start_secs), "{holds:?}");

        let capped = HoldLog::new();
        let many =
            (0..MAX_GIL_HOLDS + 5).map(|i| GilHold { worker: 0, start_secs: i as f64, end_secs: i as f64 + 0.5 });
        capped.add(many, 0);
        let (holds, dropped) = capped.into_parts();
        assert_eq!((holds.len(), dropped), (MAX_GIL_HOLDS, 5));
    }
}
