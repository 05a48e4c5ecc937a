//! `compare`: result files from two machines side by side. One file is made here with
//! `run --json`; its twin claims a 64-core EPYC (as if brought home from a server). Bad files
//! (not a result, a gigabyte, a FIFO, missing) exit 2 naming the file, quickly.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, code, lab, stderr};

/// Runs `compare ARGS`, failing the test if it hangs.
fn compare(args: &[&Path]) -> Output {
    let child = Command::new(BIN)
        .arg("compare")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    super::wait_with_timeout(child, Duration::from_secs(30))
}

/// A result file of three backends made here, and the same file as if from an EPYC server
/// where processes ran twenty times faster than the fastest backend here.
fn two_machines(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let here = dir.join("here.json");
    let out =
        lab(&["run", "--preset", "noop-dispatch", "--tasks", "2000", "--json", here.to_str().unwrap_or_default()]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let mut json: Value = serde_json::from_slice(&std::fs::read(&here).unwrap()).unwrap();
    json["machine"]["cpu_brand"] = "AMD EPYC 7763 64-Core".into();
    json["machine"]["physical_cores"] = 64.into();
    json["machine"]["logical_cores"] = 64.into();
    json["machine"]["a_field_from_a_newer_lab"] = true.into();
    // On the server, processes beat the fastest backend here twentyfold; the rest as here.
    let fastest =
        json["runs"].as_array().unwrap().iter().map(|r| r["elapsed_secs"].as_f64().unwrap()).fold(f64::MAX, f64::min);
    for run in json["runs"].as_array_mut().unwrap() {
        if run["config"]["backend"] == "processes" {
            run["elapsed_secs"] = (fastest / 20.0).into();
            for rep in run["repetitions"].as_array_mut().unwrap() {
                rep["elapsed_secs"] = (fastest / 20.0).into();
            }
        }
    }
    let server = dir.join("server.json");
    std::fs::write(&server, serde_json::to_vec(&json).unwrap()).unwrap();
    (here, server)
}

#[test]
fn two_machines_are_set_side_by_side_with_their_ratios() {
    let _serial = super::serial();
    let dir = tempfile::tempdir().unwrap();
    let (here, server) = two_machines(dir.path());
    let brand = serde_json::from_slice::<Value>(&std::fs::read(&here).unwrap()).unwrap()["machine"]["cpu_brand"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let out = compare(&[&here, &server]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("server.json: EPYC 64-core — AMD EPYC 7763 64-Core"), "{text}");
    assert!(text.contains(&brand), "the machine here is named: {brand}\n{text}");
    assert!(text.contains("noop × 2,000 tasks") || text.contains("2,000 tasks"), "the work is named\n{text}");
    // The EPYC's ratio beside this machine's, and each backend's time on both.
    assert!(text.contains("On the EPYC 64-core machine, ") && text.contains(" faster than "), "{text}");
    assert!(text.contains("processes: ") && text.contains("× faster there)"), "{text}");

    let out = Command::new(BIN).args(["compare", "--json", "-"]).arg(&here).arg(&server).output().unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["files"][1]["label"], "EPYC 64-core");
    let ratio = &json["groups"][0]["across"][0]["ratio"];
    assert_eq!(ratio["fast"], "processes", "{json}");
    assert!(ratio["other_factor"].as_f64().unwrap() > ratio["reference_factor"].as_f64().unwrap());
}

#[test]
fn bad_files_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    // A minimal valid file, written by hand: no run needed to test refusals.
    let json = r#"{"version": 1, "machine": {"cpu_brand": "X", "logical_cores": 2, "physical_cores": 2,
        "os": "Linux", "total_memory_bytes": 1024}, "runs": []}"#;
    std::fs::write(&good, json).unwrap();
    let out = compare(&[&good]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("The files hold no runs."));

    let other = dir.path().join("package.json");
    std::fs::write(&other, r#"{"name": "left-pad", "version": "1.3.0"}"#).unwrap();
    let out = compare(&[&good, &other]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(err.contains("package.json: not a Concurrency Lab result file"), "{err}");
    assert!(out.stdout.is_empty(), "nothing is compared when a file is bad");

    // A gigabyte (sparse: it costs no disk) is refused by its size, before any read.
    let big = dir.path().join("big.json");
    std::fs::File::create(&big).unwrap().set_len(1 << 30).unwrap();
    let started = Instant::now();
    let out = compare(&[&big]);
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("big.json: 1073741824 bytes (1.0 GiB), larger than the 512.0 MiB"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10), "refused by size, not read: {:?}", started.elapsed());

    let fifo = dir.path().join("fifo.json");
    assert!(Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()));
    let out = compare(&[&fifo, &dir.path().join("missing.json")]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("fifo.json: not a regular file (a FIFO)") && err.contains("missing.json: could not open"),
        "{err}"
    );

    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &json[..json.len() / 2]).unwrap();
    let out = compare(&[&cut]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("cut.json: line "), "{}", stderr(&out));
}
