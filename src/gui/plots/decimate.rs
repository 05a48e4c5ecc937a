//! Fewer points than pixels: a line with more points than the plot has columns is reduced to
//! the first, minimum, maximum and last point of each column, which keeps every peak visible.

/// Reduces `points` (sorted by x) to at most ~4 per bucket, `buckets` buckets over the x range.
pub fn decimate(points: &[[f64; 2]], buckets: usize) -> Vec<[f64; 2]> {
    if buckets == 0 || points.len() <= buckets * 4 {
        return points.to_vec();
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return Vec::new() };
    let (x0, x1) = (first[0], last[0]);
    let width = (x1 - x0).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(buckets * 4);
    let mut start = 0;
    while start < points.len() {
        let bucket = (((points[start][0] - x0) / width) * buckets as f64) as usize;
        let end =
            start + points[start..].partition_point(|p| (((p[0] - x0) / width) * buckets as f64) as usize <= bucket);
        let column = &points[start..end];
        let (mut lo, mut hi) = (column[0], column[0]);
        for p in column {
            if p[1] < lo[1] {
                lo = *p;
            }
            if p[1] > hi[1] {
                hi = *p;
            }
        }
        let (a, b) = if lo[0] <= hi[0] { (lo, hi) } else { (hi, lo) };
        for p in [column[0], a, b, column[column.len() - 1]] {
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_short_series_and_every_peak_of_long_ones() {
        let short = [[0.0, 1.0], [1.0, 2.0]];
        assert_eq!(decimate(&short, 100), short.to_vec());
        let mut long: Vec<[f64; 2]> = (0..10_000).map(|i| [f64::from(i), 50.0]).collect();
        long[4321][1] = 100.0;
        long[7000][1] = 0.0;
        let out = decimate(&long, 100);
        assert!(out.len() <= 400, "{}", out.len());
        assert!(out.contains(&[4321.0, 100.0]) && out.contains(&[7000.0, 0.0]));
        assert_eq!(out.first(), long.first());
        assert_eq!(out.last(), long.last());
        assert!(out.windows(2).all(|w| w[0][0] <= w[1][0]), "still sorted by x");
    }
}
