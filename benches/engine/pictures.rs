//! What pictures cost: `--png` (1600x900, offscreen) added to a run, as the difference of the
//! medians of the same run's wall time with and without it, interleaved round by round
//! (target ≤ 1 s on the software renderer); and the wall time of `report` over every bundled
//! claim (target ≤ 6 minutes on 2 cores). Wall times through the binary: the picture is
//! the binary's cost, not the workload's.

use std::process::{Command, Stdio};
use std::time::Instant;

use super::{BIN, ROUNDS, median};

/// The binary's wall time for `args`, or why it failed.
fn wall(args: &[&str]) -> Result<f64, String> {
    let started = Instant::now();
    let output = Command::new(BIN).args(args).stdin(Stdio::null()).output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    Ok(started.elapsed().as_secs_f64())
}

pub fn png_cost() {
    println!("\n## png: what --png 1600x900 adds to `run` (cpu-primes-gil, 1 repetition each backend)");
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return println!("no temp dir: {e}"),
    };
    let png = dir.path().join("bench.png");
    let png = png.to_string_lossy();
    let base = ["run", "--preset", "cpu-primes-gil", "--repeat", "1", "--warmup", "0"];
    let with_png = [&base[..], &["--png", &png]].concat();
    let (mut plain, mut pictured) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        match (wall(&base), wall(&with_png)) {
            (Ok(a), Ok(b)) => {
                plain.push(a);
                pictured.push(b);
            }
            (Err(e), _) | (_, Err(e)) => return println!("skipped: {e}"),
        }
    }
    let (a, b) = (median(&mut plain), median(&mut pictured));
    let added = b - a;
    println!("without: {a:.2} s, with --png: {b:.2} s (medians of {ROUNDS}): --png adds {added:.2} s");
    println!("target ≤ 1 s: {}", super::verdict(added <= 1.0));
}

pub fn report_wall() {
    println!("\n## report: `concurrency-lab report --out DIR` over every bundled claim, once");
    let Ok(dir) = tempfile::tempdir() else { return println!("no temp dir") };
    let out = dir.path().join("report");
    match wall(&["report", "--out", &out.to_string_lossy()]) {
        Ok(secs) => {
            println!("{secs:.1} s wall time");
            println!("target ≤ 360 s: {}", super::verdict(secs <= 360.0));
        }
        Err(e) => println!("failed: {e}"),
    }
}
