//! A run's task spans sorted into lanes (one per worker), kept once per run: plain data that
//! the history stores for each finished run, the live run fills as spans arrive, and the
//! timeline draws. With the GIL on, it also keeps when each lane held the GIL. It knows
//! nothing of drawing.

use crate::engine::{GilHold, Span};

use super::plots::gil_shade::HoldLanes;

/// Spans grouped by worker lane, each lane sorted by start time, and the run's GIL holds.
#[derive(Debug, Default, Clone)]
pub struct Lanes {
    lanes: Vec<Vec<Span>>,
    end_secs: f64,
    spans: usize,
    holds: HoldLanes,
}

impl Lanes {
    pub fn new(spans: &[Span]) -> Self {
        let mut lanes = Self::default();
        lanes.extend(spans);
        lanes
    }

    /// A finished run's spans and GIL holds.
    pub fn with_holds(spans: &[Span], holds: &[GilHold]) -> Self {
        Self { holds: HoldLanes::new(holds), ..Self::new(spans) }
    }

    pub fn holds(&self) -> &HoldLanes {
        &self.holds
    }

    /// Adds spans (as they arrive during a run), keeping every lane sorted.
    pub fn extend(&mut self, spans: &[Span]) {
        let mut touched = Vec::new();
        for span in spans {
            let lane = span.worker as usize;
            if lane >= self.lanes.len() {
                self.lanes.resize_with(lane + 1, Vec::new);
            }
            let list = &mut self.lanes[lane];
            if list.last().is_some_and(|last| last.start_secs > span.start_secs) {
                touched.push(lane);
            }
            list.push(*span);
            self.end_secs = self.end_secs.max(span.end_secs);
        }
        self.spans += spans.len();
        touched.dedup();
        for lane in touched {
            self.lanes[lane].sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
        }
    }

    /// Each lane's spans, sorted by start time.
    pub fn lanes(&self) -> &[Vec<Span>] {
        &self.lanes
    }

    pub fn lane_count(&self) -> usize {
        self.lanes.len().max(self.holds.lane_count())
    }

    pub fn span_count(&self) -> usize {
        self.spans
    }

    /// The end of the last span.
    pub fn end_secs(&self) -> f64 {
        self.end_secs
    }

    /// The span of `lane` running at `t_secs` (the latest-started one if several overlap),
    /// or the nearest one within `tolerance_secs`.
    pub fn span_at(&self, lane: usize, t_secs: f64, tolerance_secs: f64) -> Option<&Span> {
        let list = self.lanes.get(lane)?;
        let after = list.partition_point(|s| s.start_secs <= t_secs + tolerance_secs);
        // Overlapping spans (an event loop's waits) may start long before `t`; look back a
        // bounded number of them.
        list[..after].iter().rev().take(4096).find(|s| s.end_secs + tolerance_secs >= t_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(task: u64, worker: u32, start: f64, end: f64) -> Span {
        Span { task, worker, start_secs: start, end_secs: end, ok: true }
    }

    #[test]
    fn lanes_stay_sorted_as_spans_arrive_out_of_order() {
        let mut lanes = Lanes::new(&[span(1, 0, 0.5, 0.6)]);
        lanes.extend(&[span(0, 0, 0.1, 0.2), span(2, 2, 0.0, 1.0)]);
        assert_eq!(lanes.lane_count(), 3);
        assert_eq!(lanes.span_count(), 3);
        assert_eq!(lanes.span_at(0, 0.15, 0.0).map(|s| s.task), Some(0));
        assert_eq!(lanes.span_at(0, 0.55, 0.0).map(|s| s.task), Some(1));
        assert_eq!(lanes.span_at(0, 0.3, 0.0), None);
        assert_eq!(lanes.end_secs(), 1.0);
    }
}
