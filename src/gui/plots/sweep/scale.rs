//! The axes of the sweep charts. egui_plot has no logarithmic axis, so a log axis is drawn in
//! log10 units and labelled with the real values: [`Scale`] maps a value to the plot and back,
//! and [`value_marks`] / [`log_marks`] place the tick labels (thinned so they never touch).

use egui_plot::GridMark;

/// One axis: linear, or log10 when its values span a decade or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub log: bool,
}

/// The least factor between the smallest and the largest value that makes an axis logarithmic.
const DECADE: f64 = 10.0;

impl Scale {
    /// Logarithmic when `lo..=hi` (both > 0) spans a decade or more.
    pub fn for_range(lo: f64, hi: f64) -> Self {
        Self { log: lo > 0.0 && hi.is_finite() && hi / lo >= DECADE }
    }

    /// Where `value` goes on the plot (values ≤ 0 can't be drawn on a log axis: `None`).
    pub fn to_plot(self, value: f64) -> Option<f64> {
        match self.log {
            true if value > 0.0 => Some(value.log10()),
            true => None,
            false => value.is_finite().then_some(value),
        }
    }

    pub fn from_plot(self, position: f64) -> f64 {
        if self.log { 10f64.powf(position) } else { position }
    }

    /// `n` positions evenly spread on the plot from `lo` to `hi` (for a curve: even in log
    /// space on a log axis, so a fitted law looks smooth on it).
    pub fn sample(self, lo: f64, hi: f64, n: usize) -> Vec<f64> {
        let (Some(a), Some(b)) = (self.to_plot(lo), self.to_plot(hi)) else { return Vec::new() };
        let steps = n.max(2) - 1;
        (0..=steps).map(|i| self.from_plot(a + (b - a) * i as f64 / steps as f64)).collect()
    }
}

/// The spacing egui_plot is told between labels: past its fading range, so each label we keep
/// shows whole (we thin them ourselves).
const REPORTED_SPACING_PX: f64 = 1000.0;

/// Grid marks at `positions` (plot units, increasing) within `bounds`, keeping one only when it
/// is at least `min_px` points from the last one kept, on an axis `length_px` points long.
pub fn thinned(positions: &[f64], bounds: (f64, f64), length_px: f32, min_px: f32) -> Vec<GridMark> {
    let (lo, hi) = bounds;
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || length_px <= 0.0 {
        return Vec::new();
    }
    let px_per_unit = f64::from(length_px) / span;
    let step_size = REPORTED_SPACING_PX / px_per_unit;
    let mut kept: Vec<GridMark> = Vec::new();
    for &value in positions.iter().filter(|v| (lo..=hi).contains(*v)) {
        if kept.last().is_none_or(|last| (value - last.value) * px_per_unit >= f64::from(min_px)) {
            kept.push(GridMark { value, step_size });
        }
    }
    kept
}

/// The positions of 1, 2 and 5 × 10^k in log10 units between `bounds` (themselves log10), or
/// only the powers of ten when more than 4 decades show.
pub fn log_marks(bounds: (f64, f64)) -> Vec<f64> {
    let (lo, hi) = bounds;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let mantissas: &[f64] = if hi - lo > 4.0 { &[1.0] } else { &[1.0, 2.0, 5.0] };
    let mut out = Vec::new();
    let mut decade = lo.floor() as i32;
    while f64::from(decade) <= hi.ceil() && out.len() < 200 {
        for m in mantissas {
            let at = (m * 10f64.powi(decade)).log10();
            if (lo..=hi).contains(&at) {
                out.push(at);
            }
        }
        decade += 1;
    }
    out
}

/// A count for an axis label: "8", "1k", "1.5k", "1M".
pub fn count(value: f64) -> String {
    let rounded = value.round();
    if (value - rounded).abs() > 1e-6 * value.abs().max(1.0) {
        return format!("{value:.2}");
    }
    match rounded {
        v if v >= 1e6 => trim(v / 1e6, "M"),
        v if v >= 1e4 => trim(v / 1e3, "k"),
        v => format!("{v:.0}"),
    }
}

fn trim(v: f64, unit: &str) -> String {
    let text = format!("{v:.1}");
    format!("{}{unit}", text.strip_suffix(".0").unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decade_makes_an_axis_logarithmic() {
        assert!(Scale::for_range(1.0, 16.0).log);
        assert!(!Scale::for_range(1.0, 8.0).log);
        assert!(!Scale::for_range(0.0, 100.0).log, "0 has no logarithm");
        let log = Scale { log: true };
        assert_eq!(log.to_plot(100.0), Some(2.0));
        assert_eq!(log.to_plot(0.0), None);
        assert!((log.from_plot(3.0) - 1000.0).abs() < 1e-9);
        let samples = log.sample(1.0, 100.0, 3);
        assert!((samples[1] - 10.0).abs() < 1e-9, "even in log space: {samples:?}");
    }

    #[test]
    fn marks_are_thinned_to_the_room_they_have() {
        let positions: Vec<f64> = (0..=10).map(f64::from).collect();
        // 100 points for 10 units: 10 points apart; keep one every 30 points or more.
        let kept: Vec<f64> = thinned(&positions, (0.0, 10.0), 100.0, 30.0).iter().map(|m| m.value).collect();
        assert_eq!(kept, [0.0, 3.0, 6.0, 9.0]);
        assert!(thinned(&positions, (1.0, 1.0), 100.0, 30.0).is_empty());
        let marks: Vec<String> = log_marks((0.0, 1.5)).iter().map(|&m| count(10f64.powf(m))).collect();
        assert_eq!(marks, ["1", "2", "5", "10", "20"]);
        assert_eq!(log_marks((-1.0, 5.0)).len(), 7, "decades only over more than 4 decades");
        assert_eq!(
            (count(1024.0), count(100_000.0), count(1_500_000.0)),
            ("1024".into(), "100k".into(), "1.5M".into())
        );
    }
}
