//! A sweep's curve as rows, shared by the CLI table and the Markdown export: per backend and
//! value, the median ± σ and, for a `workers` sweep, speedup, efficiency and Karp–Flatt (or the
//! cost per task / per unit of size), then the backend's fitted laws in words.

use super::format::duration;
use crate::engine::Vary;
use crate::report::SweepReport;

/// The header and one row per point, each backend's points together.
pub fn rows(sweep: &SweepReport) -> (Vec<String>, Vec<Vec<String>>) {
    let by_workers = sweep.vary == Vary::Workers;
    let mut header = vec!["backend".to_owned(), sweep.vary.to_string(), "median ± σ".to_owned()];
    if by_workers {
        header.extend(["speedup", "efficiency", "Karp–Flatt"].map(str::to_owned));
    } else {
        header.push(if sweep.vary == Vary::Tasks { "per task" } else { "per unit of size" }.to_owned());
    }
    let percent = |e: f64| format!("{:.0}%", e * 100.0);
    let rows = sweep
        .backends
        .iter()
        .flat_map(|b| {
            b.points.iter().map(move |p| {
                let mut row = vec![
                    b.backend.to_string(),
                    p.value.to_string(),
                    format!("{} ± {}", duration(p.median_secs), duration(p.stddev_secs)),
                ];
                let dash = || "—".to_owned();
                if by_workers {
                    row.push(p.speedup.map_or_else(dash, |s| format!("{s:.2}×")));
                    row.push(p.efficiency.map_or_else(dash, percent));
                    row.push(p.karp_flatt.map_or_else(dash, |e| format!("{e:.3}")));
                } else {
                    row.push(p.per_unit_secs.map_or_else(dash, duration));
                }
                row
            })
        })
        .collect();
    (header, rows)
}

/// "sweep over workers: 1, 2, 4, 8".
pub fn title(sweep: &SweepReport) -> String {
    let values: Vec<String> = sweep.values.iter().map(u64::to_string).collect();
    format!("sweep over {}: {}", sweep.vary, values.join(", "))
}
