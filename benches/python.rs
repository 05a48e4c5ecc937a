//! Benchmarks of the Python backends, printed as figures (they never fail on noise). Run with
//! `cargo bench --bench python` (needs `python3` on PATH, or `CONCURRENCY_LAB_BENCH_PYTHON`).
//! Configurations that are compared run round by round, side by side; every figure is a median.
//!
//! - The backends cost the workload nothing: python-threads, python-processes and
//!   python-asyncio on primes below 30,000 × 2 (2 workers) against the same work as a plain
//!   script (`benches/articles_primes.py`, the articles' code timed with their `time.time()`
//!   brackets, which like the lab's elapsed time leave the imports out). Target: within 5%.
//! - The emulated GIL's shape against real CPython's, measured in the same rounds: threads ÷
//!   processes with 2 tasks on 2 workers, GIL on, for the lab's Rust threads and processes
//!   (primes below 100,000: tasks long enough that start-up is noise, as CPython's below
//!   30,000 are) and for CPython's. Target: within 10%.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-lab");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/articles_primes.py");
const ROUNDS: usize = 5;
const PRIMES_PYTHON: &str = "30000";
const PRIMES_RUST: &str = "100000";

fn python() -> String {
    std::env::var("CONCURRENCY_LAB_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs the CLI; returns each run's elapsed time, by backend, in order.
fn lab(args: &[&str]) -> Vec<(String, f64)> {
    let output = Command::new(BIN).arg("run").args(args).args(["--python", &python(), "--json", "-"]).output();
    let output = output.unwrap_or_else(|e| panic!("could not run {BIN}: {e}"));
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: bad JSON: {e}"));
    json["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (r["config"]["backend"].as_str().unwrap_or("?").to_owned(), r["elapsed_secs"].as_f64().unwrap_or(f64::NAN))
        })
        .collect()
}

/// Runs the plain script in `mode`; returns its time.time() bracket.
fn script(mode: &str) -> f64 {
    let output = Command::new(python()).args([SCRIPT, mode, PRIMES_PYTHON, "2", "2"]).output();
    let output = output.unwrap_or_else(|e| panic!("could not run {}: {e}", python()));
    assert!(output.status.success(), "{mode}: {}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{mode}: bad JSON: {e}"));
    json["secs"].as_f64().unwrap_or(f64::NAN)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("Concurrency Lab Python benchmarks ({BIN}, {})", python());
    let pairs = [("python-threads", "threads"), ("python-processes", "processes"), ("python-asyncio", "asyncio")];
    let mut lab_secs = vec![Vec::new(); pairs.len()];
    let mut script_secs = vec![Vec::new(); pairs.len()];
    let (mut rust_threads, mut rust_processes) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        eprintln!("round {} of {ROUNDS}", round + 1);
        for (i, (backend, mode)) in pairs.iter().enumerate() {
            let runs = lab(&["--backend", backend, "--size", PRIMES_PYTHON, "--tasks", "2", "--workers", "2"]);
            lab_secs[i].extend(runs.iter().map(|(_, secs)| *secs));
            script_secs[i].push(script(mode));
        }
        let runs =
            lab(&["--backend", "threads,processes", "--size", PRIMES_RUST, "--tasks", "2", "--workers", "2", "--gil"]);
        for (backend, secs) in runs {
            if backend == "threads" { rust_threads.push(secs) } else { rust_processes.push(secs) }
        }
    }

    println!("\n## The Python backends against the plain script: primes below {PRIMES_PYTHON} × 2, 2 workers");
    println!("{:<18} {:>12} {:>12} {:>10}", "backend", "lab", "script", "lab/script");
    let mut medians = Vec::new();
    for (i, (backend, _)) in pairs.iter().enumerate() {
        let (lab, plain) = (median(&mut lab_secs[i]), median(&mut script_secs[i]));
        medians.push(lab);
        let verdict = if (lab / plain - 1.0).abs() <= 0.05 { "within 5%" } else { "OUTSIDE 5%" };
        println!("{backend:<18} {lab:>10.3} s {plain:>10.3} s {:>+9.1}%  {verdict}", (lab / plain - 1.0) * 100.0);
    }

    println!("\n## The emulated GIL against real CPython: threads ÷ processes, 2 tasks, 2 workers, GIL on");
    let cpython = medians[0] / medians[1];
    let emulated = median(&mut rust_threads) / median(&mut rust_processes);
    let verdict = if (emulated / cpython - 1.0).abs() <= 0.10 { "within 10%" } else { "OUTSIDE 10%" };
    println!("CPython (primes below {PRIMES_PYTHON}): {cpython:.2}×");
    println!("lab, GIL emulated (primes below {PRIMES_RUST}): {emulated:.2}×");
    println!("difference {:+.1}%  {verdict}", (emulated / cpython - 1.0) * 100.0);
}
