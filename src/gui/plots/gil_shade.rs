//! The GIL on the timeline. With the GIL on, a lane's task bars are drawn pale (the task is
//! running but not holding the GIL: waiting for it, or for I/O) and the stretches when the
//! lane held the GIL are drawn over them in full colour, so threads taking turns show as
//! alternating stripes. Holds narrower than a pixel are never merged into a solid bar (that
//! would show two lanes holding one GIL at once): each pixel column gets the share of its
//! time the lane held the GIL, drawn as the shade's opacity.

use crate::engine::GilHold;

/// Holds grouped by lane, each lane sorted by start time.
#[derive(Debug, Default, Clone)]
pub struct HoldLanes {
    lanes: Vec<Vec<(f64, f64)>>,
    count: usize,
}

impl HoldLanes {
    pub fn new(holds: &[GilHold]) -> Self {
        let mut lanes: Vec<Vec<(f64, f64)>> = Vec::new();
        for hold in holds {
            let lane = hold.worker as usize;
            if lane >= lanes.len() {
                lanes.resize_with(lane + 1, Vec::new);
            }
            lanes[lane].push((hold.start_secs, hold.end_secs));
        }
        for lane in &mut lanes {
            lane.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Self { lanes, count: holds.len() }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Lanes up to the highest that held the GIL.
    pub fn lane_count(&self) -> usize {
        self.lanes.len()
    }

    /// Seconds lane `lane` held the GIL within `start_secs..end_secs`.
    pub fn held_within(&self, lane: usize, start_secs: f64, end_secs: f64) -> f64 {
        let Some(list) = self.lanes.get(lane) else { return 0.0 };
        let first = list.partition_point(|h| h.1 <= start_secs);
        list[first..]
            .iter()
            .take_while(|h| h.0 < end_secs)
            .map(|h| (h.1.min(end_secs) - h.0.max(start_secs)).max(0.0))
            .sum()
    }
}

/// A stretch of one lane to shade: pixels from the start of the time axis, and the share of
/// that stretch the lane held the GIL (0..=1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shade {
    pub lane: usize,
    pub x0: f32,
    pub x1: f32,
    pub held: f32,
}

/// The shades for a time axis of `width_px` pixels covering `0..=t_end_secs`: whole columns
/// held throughout are merged into one shade; partly held columns get their share.
pub fn shades(holds: &HoldLanes, t_end_secs: f64, width_px: f32) -> Vec<Shade> {
    let mut out = Vec::new();
    if t_end_secs <= 0.0 || width_px <= 0.0 {
        return out;
    }
    let px_per_sec = f64::from(width_px) / t_end_secs;
    for (lane, list) in holds.lanes.iter().enumerate() {
        let mut column = Column { lane, index: -1, held: 0.0 };
        for &(start, end) in list {
            let (a, b) = ((start * px_per_sec).max(0.0), (end * px_per_sec).max(0.0));
            let (first, last) = (a.floor(), b.floor());
            if first == last {
                column.add(&mut out, first as i64, b - a);
                continue;
            }
            column.add(&mut out, first as i64, first + 1.0 - a);
            if last > first + 1.0 {
                column.flush(&mut out);
                push(&mut out, Shade { lane, x0: (first + 1.0) as f32, x1: last as f32, held: 1.0 });
            }
            if b > last {
                column.add(&mut out, last as i64, b - last);
            }
        }
        column.flush(&mut out);
    }
    out
}

/// The pixel column being filled for one lane.
struct Column {
    lane: usize,
    index: i64,
    /// Pixels of it held so far (0..=1).
    held: f64,
}

impl Column {
    fn add(&mut self, out: &mut Vec<Shade>, index: i64, held_px: f64) {
        if index != self.index {
            self.flush(out);
            self.index = index;
        }
        self.held += held_px;
    }

    fn flush(&mut self, out: &mut Vec<Shade>) {
        // Below 1% of a column the shade would not show.
        if self.index >= 0 && self.held >= 0.01 {
            let x0 = self.index as f32;
            push(out, Shade { lane: self.lane, x0, x1: x0 + 1.0, held: self.held.min(1.0) as f32 });
        }
        self.held = 0.0;
        self.index = -1;
    }
}

/// Appends `shade`, extending the previous one when it continues it at the same share.
fn push(out: &mut Vec<Shade>, shade: Shade) {
    if let Some(last) = out.last_mut()
        && last.lane == shade.lane
        && last.x1 >= shade.x0
        && (last.held - shade.held).abs() < 0.02
    {
        last.x1 = last.x1.max(shade.x1);
        return;
    }
    out.push(shade);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(worker: u32, start_secs: f64, end_secs: f64) -> GilHold {
        GilHold { worker, start_secs, end_secs }
    }

    /// Two lanes trading the GIL every 5 ms for `secs`.
    fn taking_turns(secs: f64) -> Vec<GilHold> {
        let turns = (secs / 0.005) as u32;
        (0..turns).map(|i| hold(i % 2, f64::from(i) * 0.005, f64::from(i + 1) * 0.005)).collect()
    }

    #[test]
    fn wide_turns_show_as_alternating_stripes() {
        // 100 ms over 1000 px: each 5 ms turn is 50 px, fully held.
        let holds = HoldLanes::new(&taking_turns(0.1));
        let shades = shades(&holds, 0.1, 1000.0);
        let lane0: Vec<_> = shades.iter().filter(|s| s.lane == 0).collect();
        assert_eq!(lane0.len(), 10, "{lane0:?}");
        assert!(lane0.iter().all(|s| s.held == 1.0 && (s.x1 - s.x0 - 50.0).abs() < 1.01), "{lane0:?}");
        for pair in lane0.windows(2) {
            assert!(pair[1].x0 >= pair[0].x1 + 49.0, "a gap while lane 1 holds it: {pair:?}");
        }
    }

    #[test]
    fn narrow_turns_shade_both_lanes_half_instead_of_merging_into_solid_bars() {
        // 10 s over 500 px: each 5 ms turn is a quarter of a pixel.
        let holds = HoldLanes::new(&taking_turns(10.0));
        let shades = shades(&holds, 10.0, 500.0);
        for lane in 0..2 {
            let lane_shades: Vec<_> = shades.iter().filter(|s| s.lane == lane).collect();
            assert!(lane_shades.len() < 20, "merged into few shades: {}", lane_shades.len());
            let covered: f32 = lane_shades.iter().map(|s| s.x1 - s.x0).sum();
            assert!((covered - 500.0).abs() < 2.0, "lane {lane} spans the axis: {covered}");
            assert!(lane_shades.iter().all(|s| (s.held - 0.5).abs() < 0.03), "half held: {lane_shades:?}");
        }
    }

    #[test]
    fn held_time_within_a_span() {
        let holds = HoldLanes::new(&[hold(1, 0.0, 0.1), hold(1, 0.2, 0.3), hold(0, 0.0, 1.0)]);
        assert!((holds.held_within(1, 0.05, 0.25) - 0.1).abs() < 1e-9);
        assert_eq!(holds.held_within(3, 0.0, 1.0), 0.0);
        assert_eq!((holds.count(), holds.lane_count()), (3, 2));
        assert!(HoldLanes::default().is_empty());
    }
}
