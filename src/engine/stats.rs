//! Summary statistics over repetitions.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub median_secs: f64,
    pub mean_secs: f64,
    /// Sample standard deviation (n - 1); 0 for a single value.
    pub stddev_secs: f64,
    pub min_secs: f64,
    pub max_secs: f64,
}

impl Stats {
    /// Statistics of `values` (all zero when empty).
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance =
            if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        Self {
            median_secs: median(values),
            mean_secs: mean,
            stddev_secs: variance.sqrt(),
            min_secs: values.iter().copied().fold(f64::INFINITY, f64::min),
            max_secs: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// The median (mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Index of the value closest to the median (the "representative" repetition).
pub fn closest_to_median(values: &[f64]) -> Option<usize> {
    let m = median(values);
    (0..values.len()).min_by(|&a, &b| (values[a] - m).abs().total_cmp(&(values[b] - m).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_known_values() {
        let s = Stats::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.median_secs, 4.5);
        assert_eq!(s.mean_secs, 5.0);
        assert!((s.stddev_secs - 2.138_089_935).abs() < 1e-6);
        assert_eq!((s.min_secs, s.max_secs), (2.0, 9.0));
    }

    #[test]
    fn single_value_has_no_spread() {
        let s = Stats::of(&[1.5]);
        assert_eq!((s.median_secs, s.stddev_secs, s.min_secs, s.max_secs), (1.5, 0.0, 1.5, 1.5));
        assert_eq!(Stats::of(&[]), Stats::default());
    }

    #[test]
    fn representative_is_closest_to_median() {
        assert_eq!(closest_to_median(&[3.0, 1.0, 2.2, 10.0, 2.0]), Some(2));
        assert_eq!(closest_to_median(&[]), None);
    }
}
