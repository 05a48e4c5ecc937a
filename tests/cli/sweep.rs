//! Sweeps through the real binary: the points, the `sweep` section and the report's curves and
//! fits in every export, a stopped sweep keeping its finished points, the sweep presets, and
//! bad value lists refused before anything runs. Structure and mechanisms, not speed-ups.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, code, f, lab, run_json, runs, serial, stderr};

fn sweep_json(args: &[&str]) -> (std::process::Output, Value) {
    let output = lab(&[&["sweep", "--json", "-"], args].concat());
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {}", stderr(&output)));
    (output, json)
}

/// The report's curve of `backend`.
fn curve<'a>(json: &'a Value, backend: &str) -> &'a Value {
    let backends = json["report"]["sweep"]["backends"].as_array().unwrap_or_else(|| panic!("no sweep in {json}"));
    backends.iter().find(|b| b["backend"] == backend).unwrap_or_else(|| panic!("no {backend} curve"))
}

#[test]
fn a_workers_sweep_runs_every_point_and_fits_the_curves() {
    let _serial = serial();
    if !super::claims::two_cores() {
        return;
    }
    let args = ["--backend", "threads,processes", "--size", "20000", "--tasks", "4", "--gil"];
    let (output, json) = sweep_json(&[&args[..], &["--vary", "workers=1,2,4", "--repeat", "3"]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(json["sweep"], serde_json::json!({"vary": "workers", "values": [1, 2, 4]}));
    // Value by value, each on both backends: six full runs.
    let order: Vec<(String, u64)> = runs(&json)
        .iter()
        .map(|r| {
            (r["config"]["backend"].as_str().unwrap_or("").to_owned(), r["config"]["workers"].as_u64().unwrap_or(0))
        })
        .collect();
    let expected =
        [("threads", 1), ("processes", 1), ("threads", 2), ("processes", 2), ("threads", 4), ("processes", 4)];
    assert_eq!(order, expected.map(|(b, w)| (b.to_owned(), w)));
    let threads = curve(&json, "threads");
    let processes = curve(&json, "processes");
    assert_eq!(processes["oversubscribed"], serde_json::json!([4]), "4 workers on 2 cores");
    assert!(processes["amdahl"]["sigma"].is_number() && processes["points"][1]["karp_flatt"].is_number());
    // Every point has a speed-up and every curve its words; which shape they take is a
    // benchmark's business (the suite must pass on a busy machine).
    for curve in [threads, processes] {
        let points = curve["points"].as_array().map_or(0, Vec::len);
        assert_eq!(points, 3, "{curve}");
        assert!((0..3).all(|i| f(&curve["points"][i]["speedup"]) > 0.0), "{curve}");
        assert!(curve["text"].as_str().is_some_and(|t| !t.is_empty()), "{curve}");
    }
    let baseline = f(&threads["points"][0]["speedup"]);
    assert!((baseline - 1.0).abs() < 1e-9, "the 1-worker point is the baseline: {threads}");
}

#[test]
fn every_export_carries_the_sweep() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (csv, md) = (dir.path().join("s.csv"), dir.path().join("s.md"));
    let output = lab(&[
        "sweep",
        "--backend",
        "event-loop",
        "--workload",
        "noop",
        "--vary",
        "tasks=1000,10000",
        "--csv",
        csv.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("sweep over tasks: 1000, 10000") && table.contains("per task"), "{table}");
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(
        markdown.contains("### sweep over tasks: 1000, 10000") && markdown.contains("| event-loop | 10000 |"),
        "{markdown}"
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 3, "a row per point");
}

#[test]
fn a_stopped_sweep_keeps_its_finished_points() {
    let _serial = serial();
    // The first point takes 0.2 s, the second would take 40 s: Ctrl+C lands in the second.
    let child = Command::new(BIN)
        .args(["sweep", "--backend", "threads", "--workload", "sleep", "--tasks", "2", "--workers", "1"])
        .args(["--vary", "size=100,20000", "--json", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), Some(130), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(10), "stopped in {:?}", started.elapsed());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let outcomes: Vec<&str> = runs(&json).iter().map(|r| r["outcome"].as_str().unwrap_or("")).collect();
    assert_eq!(outcomes, ["completed", "cancelled"]);
    assert_eq!(json["sweep"]["values"], serde_json::json!([100, 20000]));
}

#[test]
fn bad_sweeps_are_refused_before_anything_runs() {
    let _serial = serial();
    let cases: [(&[&str], &str); 6] = [
        (&["sweep"], "sweep needs --vary PARAM=VALUES"),
        (&["sweep", "--vary", "workers=4,2"], "values must increase, but 2 comes after 4"),
        (&["sweep", "--vary", "workers=8"], "needs at least 2 values to sweep, got 1"),
        (&["sweep", "--vary", "cores=1,2"], "unknown parameter 'cores'"),
        (
            &["sweep", "--backend", "processes", "--vary", "workers=1,1000"],
            "sweep point workers = 1000 on processes: workers must be between 1 and",
        ),
        (
            &["sweep", "--backend", "threads", "--workload", "noop", "--vary", "workers=1..64", "--repeat", "2"],
            "sweep: 64 points make 128 runs with their repetitions and warm-ups, more than 100; add --yes",
        ),
    ];
    for (args, expected) in cases {
        let started = Instant::now();
        let output = lab(args);
        assert_eq!(code(&output), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{args:?}: {}", stderr(&output));
        assert!(started.elapsed() < Duration::from_secs(5), "{args:?} ran something");
    }
}

#[test]
fn sweep_presets_are_listed_and_run_as_sweeps() {
    let _serial = serial();
    let listed = String::from_utf8_lossy(&lab(&["presets"]).stdout).into_owned();
    for name in ["sweep-cpu-workers", "sweep-cpu-workers-no-gil", "sweep-http-workers"] {
        assert!(listed.contains(name), "{listed}");
    }
    // `run --preset` of a sweep preset runs the sweep, here at a tenth of its size.
    let (output, json) = run_json(&["--preset", "sweep-cpu-workers", "--size", "5000", "--repeat", "1"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(runs(&json).len(), 8, "4 values × 2 backends");
    assert_eq!(json["sweep"]["vary"], "workers");
}
