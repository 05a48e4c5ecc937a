//! Axis helpers shared by the plots: seconds labels, 1-2-5 steps, and grid marks at a fixed
//! step (egui_plot would otherwise thin the tick labels out).

use egui_plot::GridMark;

/// A seconds axis label: "0" at zero, else with a unit ("20.0 ms").
pub fn secs(value: f64) -> String {
    if value.abs() < 1e-12 { "0".to_owned() } else { crate::report::format::duration(value) }
}

/// The smallest 1, 2 or 5 × 10^k not below `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// Grid marks every `step` within `bounds`.
pub fn marks((lo, hi): (f64, f64), step: f64) -> Vec<GridMark> {
    let mut out = Vec::new();
    if step.is_nan() || step <= 0.0 || !lo.is_finite() || !hi.is_finite() {
        return out;
    }
    let mut value = (lo / step).ceil() * step;
    while value <= hi && out.len() < 1000 {
        out.push(GridMark { value, step_size: step });
        value += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_five() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
    }

    #[test]
    fn marks_fall_on_the_step_inside_the_bounds() {
        let values: Vec<f64> = marks((-5.0, 45.0), 20.0).iter().map(|m| m.value).collect();
        assert_eq!(values, [0.0, 20.0, 40.0]);
        assert!(marks((0.0, 1.0), 0.0).is_empty() && marks((0.0, f64::INFINITY), 1.0).is_empty());
        assert_eq!(secs(0.0), "0");
        assert_eq!(secs(0.02), "20.0 ms");
    }
}
