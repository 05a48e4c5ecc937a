//! The lab's own cost as the work grows, measured with its own sweep: no-op tasks from 1,000
//! to 1,000,000 on each in-process backend. A no-op task is nothing but the backend's own
//! cost (dispatch, scheduling, the span it records), so (elapsed − setup) ÷ tasks is the lab's
//! cost per task; the target is that it stays within 2× across the range. The setup (a pool's
//! threads starting, a runtime built) is a cost per run, not per task: shown in its own column,
//! and elapsed ÷ tasks beside it. Memory per task is the run's peak memory (above its
//! baseline) ÷ tasks.

use std::process::Command;

use serde_json::Value;

use super::{BIN, median};

const BACKENDS: [&str; 4] = ["event-loop", "event-loop-mt", "threads", "rayon"];
const TASKS: &str = "tasks=1000,10000,100000,1000000";

pub fn lab_cost() {
    println!("\n## lab-cost: per-task cost of no-op tasks, 1,000 to 1,000,000 (a sweep over tasks, 2 workers)");
    let output = Command::new(BIN)
        .args(["sweep", "--vary", TASKS, "--workload", "noop", "--workers", "2", "--repeat", "5", "--warmup", "1"])
        .args(["--backend", &BACKENDS.join(","), "--json", "-"])
        .output()
        .unwrap_or_else(|e| panic!("could not run {BIN}: {e}"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("bad JSON: {e}"));
    let runs = json["runs"].as_array().cloned().unwrap_or_default();
    println!(
        "{:<14} {:>9} {:>12} {:>10} {:>14} {:>14} {:>16}",
        "backend", "tasks", "median", "setup", "elapsed ÷ N", "per task", "memory per task"
    );
    for backend in BACKENDS {
        let mut per_task = Vec::new();
        for run in runs.iter().filter(|r| r["config"]["backend"] == backend) {
            let tasks = run["config"]["tasks"].as_f64().unwrap_or(f64::NAN);
            let repetitions = run["repetitions"].as_array().cloned().unwrap_or_default();
            let field = |name: &str| -> Vec<f64> { repetitions.iter().filter_map(|r| r[name].as_f64()).collect() };
            let elapsed = median(&mut field("elapsed_secs"));
            let setup = median(&mut field("setup_secs"));
            let memory = run["peak_rss_bytes"].as_f64().map_or("—".to_owned(), |b| format!("{:.0} B", b / tasks));
            let cost = (elapsed - setup) / tasks;
            println!(
                "{backend:<14} {tasks:>9} {:>9.2} ms {:>7.0} µs {:>11.0} ns {:>11.0} ns {memory:>16}",
                elapsed * 1e3,
                setup * 1e6,
                elapsed / tasks * 1e9,
                cost * 1e9
            );
            per_task.push(cost);
        }
        let (lo, hi) = per_task.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &c| (lo.min(c), hi.max(c)));
        println!(
            "{backend:<14} largest ÷ smallest per-task cost: {:.2}× (target ≤ 2×: {}); 1,000,000 tasks ÷ 1,000: {:.2}×",
            hi / lo,
            super::verdict(hi / lo <= 2.0),
            per_task.last().zip(per_task.first()).map_or(f64::NAN, |(last, first)| last / first)
        );
    }
}
