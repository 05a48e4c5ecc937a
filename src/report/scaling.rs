//! Scaling laws, for a series of runs that differ only in how many workers they had: speedup
//! S(N) = T(1) / T(N), efficiency S / N, the Karp–Flatt metric per point, and two laws fitted to
//! the times (pure: the caller picks the points, e.g. only N up to the physical cores for CPU
//! work, and reports the rest apart as oversubscribed).
//!
//! - Amdahl: S(N) = N / (1 + σ(N − 1)), σ the serial fraction (at most 1/σ× however many
//!   workers). Needs 2 distinct N.
//! - The Universal Scalability Law: S(N) = N / (1 + σ(N − 1) + κN(N − 1)), κ the coherency
//!   cost (workers waiting on each other), which makes the curve peak at N* = √((1 − σ) / κ)
//!   and fall after it. Needs 3 distinct N.
//! - Karp–Flatt: e(N) = (1/S − 1/N) / (1 − 1/N), which is exactly σ + κN under the USL: a flat
//!   line says Amdahl, a rising one a coherency cost.
//!
//! Both laws are fitted in the linear form N·T(N) = a + b(N − 1) + cN(N − 1) (so T(1) = a,
//! σ = b/a, κ = c/a) by least squares on the relative error (weights 1/(N·T(N))²), which is
//! robust with the handful of points a sweep has. σ and κ are kept ≥ 0 by also fitting the
//! variants with one or both pinned to 0 and keeping the best feasible one.

use serde::Serialize;

/// One measured point: `n` workers, `secs` elapsed (a median).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measured {
    pub n: u64,
    pub secs: f64,
}

/// A point with what follows from it, given T(1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scaled {
    pub n: u64,
    pub secs: f64,
    pub speedup: f64,
    /// Speedup per worker (1.0: perfect).
    pub efficiency: f64,
    /// The Karp–Flatt metric (undefined at N = 1).
    pub karp_flatt: Option<f64>,
}

/// Speedup, efficiency and Karp–Flatt of each point against `t1_secs` (the measured T(1), or a
/// fit's when no point has one worker).
pub fn scaled(points: &[Measured], t1_secs: f64) -> Vec<Scaled> {
    points
        .iter()
        .map(|p| {
            let speedup = t1_secs / p.secs;
            let n = p.n as f64;
            let karp_flatt = (p.n > 1).then(|| (1.0 / speedup - 1.0 / n) / (1.0 - 1.0 / n));
            Scaled { n: p.n, secs: p.secs, speedup, efficiency: speedup / n, karp_flatt }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Law {
    Amdahl,
    Usl,
}

/// A law fitted to the points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Fit {
    pub law: Law,
    /// The fitted time with one worker.
    pub t1_secs: f64,
    /// The serial fraction (contention).
    pub sigma: f64,
    /// The coherency cost (0 under Amdahl).
    pub kappa: f64,
    /// Where the speedup peaks, N* = √((1 − σ)/κ), when κ > 0.
    pub peak_n: Option<f64>,
    /// How many points it was fitted to.
    pub points: usize,
    /// The root mean square of the relative error between the fitted and the measured times.
    pub rms_relative_error: f64,
}

impl Fit {
    /// The time the law predicts for `n` workers.
    pub fn predict_secs(&self, n: f64) -> f64 {
        self.t1_secs * (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0)) / n
    }

    /// The speedup the law predicts for `n` workers.
    pub fn speedup(&self, n: f64) -> f64 {
        self.t1_secs / self.predict_secs(n)
    }
}

/// Amdahl's law fitted to `points`; `None` with fewer than 2 distinct N or times that no
/// feasible law fits (a non-positive T(1)).
pub fn fit_amdahl(points: &[Measured]) -> Option<Fit> {
    fit(points, Law::Amdahl)
}

/// The USL fitted to `points`; `None` with fewer than 3 distinct N.
pub fn fit_usl(points: &[Measured]) -> Option<Fit> {
    fit(points, Law::Usl)
}

fn fit(points: &[Measured], law: Law) -> Option<Fit> {
    let points: Vec<Measured> =
        points.iter().copied().filter(|p| p.n >= 1 && p.secs.is_finite() && p.secs > 0.0).collect();
    let mut distinct: Vec<u64> = points.iter().map(|p| p.n).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let needed = match law {
        Law::Amdahl => 2,
        Law::Usl => 3,
    };
    if distinct.len() < needed {
        return None;
    }
    // Which of b (σ·a) and c (κ·a) are free; the others are pinned to 0.
    let variants: &[(bool, bool)] = match law {
        Law::Amdahl => &[(true, false), (false, false)],
        Law::Usl => &[(true, true), (true, false), (false, true), (false, false)],
    };
    variants
        .iter()
        .filter_map(|&(free_b, free_c)| solve(&points, free_b, free_c))
        .filter(|&(a, b, c)| a > 0.0 && b >= 0.0 && c >= 0.0)
        .map(|(a, b, c)| {
            let (sigma, kappa) = (b / a, c / a);
            let peak_n = (kappa > 0.0 && sigma < 1.0).then(|| ((1.0 - sigma) / kappa).sqrt());
            let mut fit = Fit { law, t1_secs: a, sigma, kappa, peak_n, points: points.len(), rms_relative_error: 0.0 };
            let squares: f64 = points.iter().map(|p| (fit.predict_secs(p.n as f64) / p.secs - 1.0).powi(2)).sum();
            fit.rms_relative_error = (squares / points.len() as f64).sqrt();
            fit
        })
        .min_by(|x, y| x.rms_relative_error.total_cmp(&y.rms_relative_error))
}

/// Weighted least squares for N·T = a + b(N−1) + cN(N−1) with the free coefficients; the
/// pinned ones are 0. `None` when the system is singular.
fn solve(points: &[Measured], free_b: bool, free_c: bool) -> Option<(f64, f64, f64)> {
    let columns = |n: f64| {
        let mut row = vec![1.0];
        if free_b {
            row.push(n - 1.0);
        }
        if free_c {
            row.push(n * (n - 1.0));
        }
        row
    };
    let k = 1 + usize::from(free_b) + usize::from(free_c);
    let mut ata = vec![vec![0.0; k]; k];
    let mut aty = vec![0.0; k];
    for p in points {
        let n = p.n as f64;
        let y = n * p.secs;
        let w = 1.0 / (y * y);
        let x = columns(n);
        for i in 0..k {
            aty[i] += w * x[i] * y;
            for j in 0..k {
                ata[i][j] += w * x[i] * x[j];
            }
        }
    }
    let coefficients = gauss(ata, aty)?;
    let mut next = coefficients.into_iter();
    let a = next.next()?;
    let b = if free_b { next.next()? } else { 0.0 };
    let c = if free_c { next.next()? } else { 0.0 };
    Some((a, b, c))
}

/// Solves the small system `m · x = v` by Gaussian elimination with partial pivoting.
fn gauss(mut m: Vec<Vec<f64>>, mut v: Vec<f64>) -> Option<Vec<f64>> {
    let k = v.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, pivot);
        v.swap(col, pivot);
        let (upper, lower) = m.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (cell, above) in row.iter_mut().zip(pivot_row).skip(col) {
                *cell -= factor * above;
            }
            v[col + 1 + offset] -= factor * v[col];
        }
    }
    let mut x = vec![0.0; k];
    for row in (0..k).rev() {
        let rest: f64 = (row + 1..k).map(|j| m[row][j] * x[j]).sum();
        x[row] = (v[row] - rest) / m[row][row];
    }
    x.iter().all(|c| c.is_finite()).then_some(x)
}

/// The shape of a measured speedup curve, when it is one a reader should be told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// More workers were no faster at all (a GIL, or one loop thread running the work).
    Flat,
    /// Faster per worker than one worker alone (caches, or less contention per worker).
    Superlinear,
}

/// Within this factor of 1 (flat) or of N (linear), a speedup is "the same".
const SHAPE_MARGIN: f64 = 1.1;

/// Flat when no point with more workers beat one worker by more than 10%; superlinear when a
/// point beat N× by more than 10%.
pub fn shape(points: &[Scaled]) -> Option<Shape> {
    let more: Vec<&Scaled> = points.iter().filter(|p| p.n > 1).collect();
    if more.is_empty() {
        return None;
    }
    if more.iter().any(|p| p.speedup > p.n as f64 * SHAPE_MARGIN) {
        Some(Shape::Superlinear)
    } else if more.iter().all(|p| p.speedup < SHAPE_MARGIN) {
        Some(Shape::Flat)
    } else {
        None
    }
}

/// A serial fraction too small to bound the speedup within any worker count a machine has.
const NEGLIGIBLE: f64 = 0.01;
/// A serial fraction from which more workers gain next to nothing.
const SERIAL: f64 = 0.9;

/// A fit in words: "σ = 0.05, κ = 0.0020: the speedup peaks at about 22 workers (7.3×)".
pub fn describe(fit: &Fit) -> String {
    match (fit.law, fit.peak_n) {
        (Law::Usl, Some(peak)) => format!(
            "σ = {:.3}, κ = {}: the speedup peaks at about {:.0} workers ({:.1}×) and falls after it",
            fit.sigma,
            if fit.kappa >= 1e-3 { format!("{:.4}", fit.kappa) } else { format!("{:.1e}", fit.kappa) },
            peak,
            fit.speedup(peak)
        ),
        // σ above 1: each added worker made the whole slower (contention, or a busy machine).
        _ if fit.sigma > 1.05 => format!("σ = {:.3}: slower with more workers than with one", fit.sigma),
        _ if fit.sigma >= SERIAL => format!("σ = {:.3}: serial, no faster than one worker", fit.sigma),
        _ if fit.sigma < NEGLIGIBLE => {
            format!("σ = {:.3}: next to no serial part, it scales with the workers it gets", fit.sigma)
        }
        _ if fit.sigma > 0.0 => {
            format!("σ = {:.3}: at most {}× however many workers (1/σ)", fit.sigma, two_digits(1.0 / fit.sigma))
        }
        _ => "σ = 0: parallel as far as was measured".to_owned(),
    }
}

/// 1.25 → "1.2", 12.5 → "12", 125 → "125": two significant digits, or the whole number.
fn two_digits(x: f64) -> String {
    if x < 10.0 { format!("{x:.1}") } else { format!("{x:.0}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times that follow the USL exactly, times a deterministic noise of up to ±`noise`.
    fn usl_points(sigma: f64, kappa: f64, ns: &[u64], noise: f64) -> Vec<Measured> {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        ns.iter()
            .map(|&n| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
                let nf = n as f64;
                let secs = 2.0 * (1.0 + sigma * (nf - 1.0) + kappa * nf * (nf - 1.0)) / nf;
                Measured { n, secs: secs * (1.0 + noise * (2.0 * unit - 1.0)) }
            })
            .collect()
    }

    #[test]
    fn the_usl_fit_recovers_known_parameters_through_noise() {
        let points = usl_points(0.05, 0.002, &[1, 2, 4, 8, 16, 32, 64], 0.02);
        let fit = fit_usl(&points).expect("seven points");
        assert!((fit.sigma - 0.05).abs() <= 0.02, "σ {}", fit.sigma);
        assert!((fit.kappa - 0.002).abs() <= 0.001, "κ {}", fit.kappa);
        let peak = fit.peak_n.expect("κ > 0 peaks");
        assert!((peak - (0.95f64 / 0.002).sqrt()).abs() < 6.0, "N* {peak}");
        assert!(fit.rms_relative_error < 0.03, "{}", fit.rms_relative_error);
    }

    #[test]
    fn exact_data_is_fitted_exactly() {
        let points = usl_points(0.1, 0.01, &[1, 2, 3, 4, 6, 8], 0.0);
        let fit = fit_usl(&points).expect("six points");
        assert!((fit.sigma - 0.1).abs() < 1e-9 && (fit.kappa - 0.01).abs() < 1e-9, "{fit:?}");
        assert!((fit.t1_secs - 2.0).abs() < 1e-9);
        // Karp–Flatt is σ + κN, exactly.
        for p in scaled(&points, fit.t1_secs).iter().filter(|p| p.n > 1) {
            let e = p.karp_flatt.expect("N > 1");
            assert!((e - (0.1 + 0.01 * p.n as f64)).abs() < 1e-9, "e({}) = {e}", p.n);
        }
    }

    #[test]
    fn fits_need_enough_distinct_points_and_stay_non_negative() {
        let two = usl_points(0.2, 0.0, &[1, 2, 2], 0.0);
        assert!(fit_usl(&two).is_none(), "the USL needs 3 distinct N");
        let amdahl = fit_amdahl(&two).expect("Amdahl from 2");
        assert!((amdahl.sigma - 0.2).abs() < 1e-9, "{amdahl:?}");
        // Better than linear (superlinear): an unconstrained σ would be negative; it is pinned.
        let super_linear = [Measured { n: 1, secs: 1.0 }, Measured { n: 2, secs: 0.4 }, Measured { n: 4, secs: 0.2 }];
        let fit = fit_usl(&super_linear).expect("a feasible variant");
        assert!(fit.sigma >= 0.0 && fit.kappa >= 0.0, "{fit:?}");
        assert_eq!(shape(&scaled(&super_linear, 1.0)), Some(Shape::Superlinear));
    }

    #[test]
    fn a_gil_bound_curve_is_flat_and_said_to_be_serial() {
        // Two threads under a GIL: no faster than one.
        let points = [Measured { n: 1, secs: 0.71 }, Measured { n: 2, secs: 0.72 }];
        assert_eq!(shape(&scaled(&points, 0.71)), Some(Shape::Flat));
        let fit = fit_amdahl(&points).expect("two points");
        assert!(fit.sigma > 0.95, "{fit:?}");
        assert!(describe(&fit).starts_with("σ = 1.0"), "{}", describe(&fit));
        // Processes on 2 cores: nearly linear.
        let parallel = [Measured { n: 1, secs: 1.42 }, Measured { n: 2, secs: 0.72 }];
        let fit = fit_amdahl(&parallel).expect("two points");
        assert!(fit.sigma < 0.05, "{fit:?}");
        assert_eq!(shape(&scaled(&parallel, 1.42)), None, "neither flat nor superlinear");
    }

    #[test]
    fn the_words_name_the_peak() {
        let fit = fit_usl(&usl_points(0.05, 0.002, &[1, 2, 4, 8, 16, 32, 64], 0.0)).expect("fit");
        let words = describe(&fit);
        assert!(words.starts_with("σ = 0.050, κ = 0.0020: the speedup peaks at about 22 workers"), "{words}");
    }
}
