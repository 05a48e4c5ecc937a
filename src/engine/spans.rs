//! Recording task spans cheaply from many threads. Each lane keeps a local buffer and
//! flushes it into the shared [`SpanLog`] every 1024 spans or 50 ms, so the hot path takes no
//! lock; the sampler thread forwards newly flushed spans to the UI as they arrive.
//! [`RunClock`] gives every timestamp of a repetition one origin, across processes too.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::result::Span;
use super::sys;

/// The origin of a repetition's timestamps: the start of backend setup.
#[derive(Clone, Copy, Debug)]
pub struct RunClock {
    origin_nanos: u64,
    /// The same moment as an `Instant` (read right after; both are `CLOCK_MONOTONIC` on
    /// Linux), so a reading a timer also uses converts without a second clock read.
    origin: Instant,
}

impl RunClock {
    pub fn start() -> Self {
        Self { origin_nanos: sys::monotonic_nanos(), origin: Instant::now() }
    }

    /// Seconds from the origin to `at`.
    pub fn secs_of(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64()
    }

    /// Seconds since the origin.
    pub fn now_secs(&self) -> f64 {
        self.secs_at(sys::monotonic_nanos())
    }

    /// Converts a [`sys::monotonic_nanos`] reading (from any process) to seconds since the origin.
    pub fn secs_at(&self, monotonic_nanos: u64) -> f64 {
        (monotonic_nanos as f64 - self.origin_nanos as f64) / 1e9
    }
}

/// The most spans a log reserves room for before its run (4 Mi spans of 32 bytes).
const MAX_RESERVED_SPANS: u64 = 4 << 20;

/// All spans of one repetition, plus counters the progress reporter reads.
#[derive(Debug, Default)]
pub struct SpanLog {
    spans: Mutex<Vec<Span>>,
    done: AtomicU64,
}

impl SpanLog {
    /// A log with room for `tasks` spans (up to [`MAX_RESERVED_SPANS`]), so a run of a
    /// million tiny tasks does not copy its log as it grows, and written through once, so its
    /// pages are resident before the run's memory baseline: the lab's record of the run is
    /// not the run's memory (whether the allocator hands back pages an earlier repetition
    /// left resident or fresh ones).
    pub fn with_capacity(tasks: u64) -> Self {
        let room = usize::try_from(tasks.min(MAX_RESERVED_SPANS)).unwrap_or(0);
        let mut spans = Vec::with_capacity(room);
        let blank = Span { task: 0, worker: 0, start_secs: 0.0, end_secs: 0.0, ok: false };
        spans.resize(room, blank);
        spans.clear();
        SpanLog { spans: Mutex::new(spans), done: AtomicU64::new(0) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Span>> {
        self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves `batch` into the log.
    pub fn append(&self, batch: &mut Vec<Span>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len() as u64;
        self.lock().append(batch);
        self.done.fetch_add(count, Ordering::Relaxed);
    }

    /// Tasks finished (ok or not) and flushed so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Spans flushed since index `from` (for live views).
    pub fn since(&self, from: usize) -> Vec<Span> {
        self.lock().get(from..).map(<[Span]>::to_vec).unwrap_or_default()
    }

    /// All spans, sorted by start time.
    pub fn into_sorted(self) -> Vec<Span> {
        let mut spans = self.spans.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        spans.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs).then(a.task.cmp(&b.task)));
        spans
    }
}

const FLUSH_SPANS: usize = 1024;
const FLUSH_SECS: f64 = 0.05;

/// A lane's local span buffer; flushes on size, age, and drop.
#[derive(Debug)]
pub struct LaneRecorder<'a> {
    log: &'a SpanLog,
    buffer: Vec<Span>,
    last_flush_secs: f64,
}

impl<'a> LaneRecorder<'a> {
    pub fn new(log: &'a SpanLog) -> Self {
        Self { log, buffer: Vec::with_capacity(FLUSH_SPANS), last_flush_secs: 0.0 }
    }

    #[inline]
    pub fn record(&mut self, span: Span) {
        self.buffer.push(span);
        if self.buffer.len() >= FLUSH_SPANS || span.end_secs - self.last_flush_secs >= FLUSH_SECS {
            self.last_flush_secs = span.end_secs;
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        self.log.append(&mut self.buffer);
    }
}

impl Drop for LaneRecorder<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(task: u64, start: f64) -> Span {
        Span { task, worker: 0, start_secs: start, end_secs: start + 0.001, ok: task.is_multiple_of(2) }
    }

    #[test]
    fn recorders_flush_into_the_log() {
        let log = SpanLog::default();
        {
            let mut a = LaneRecorder::new(&log);
            let mut b = LaneRecorder::new(&log);
            a.record(span(0, 0.002));
            b.record(span(1, 0.001));
            assert_eq!(log.done(), 0, "small, young batches stay local");
        }
        assert_eq!(log.done(), 2);
        assert_eq!(log.since(1).len(), 1);
        let sorted = log.into_sorted();
        assert_eq!(sorted.iter().map(|s| s.task).collect::<Vec<_>>(), vec![1, 0]);
    }

    #[test]
    fn old_batches_flush_early() {
        let log = SpanLog::default();
        let mut lane = LaneRecorder::new(&log);
        lane.record(span(0, 0.0));
        lane.record(span(2, 0.06));
        assert_eq!(log.done(), 2);
    }

    #[test]
    fn clock_converts_foreign_readings() {
        let clock = RunClock::start();
        let later = sys::monotonic_nanos() + 1_500_000_000;
        assert!((clock.secs_at(later) - 1.5).abs() < 0.1);
    }
}
