//! Export targets of every kind, through the real binary: a regular file keeps its mode, a
//! new one gets what the umask allows, a symlink stays a link while its target is replaced,
//! a FIFO is written to its reader, a link to /dev/null leaves the device alone, a directory,
//! a socket, a bad parent or the same file twice are refused before the run, and a closed
//! stdout loses neither the other outputs nor the process (no panic).

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, assert_bad_input, code, lab, runs, serial, stderr};

/// A quick run (the mock backend) writing the given outputs.
fn quick(outputs: &[&str]) -> Output {
    lab(&[&["run", "--backend", "mock", "--workload", "noop", "--tasks", "4"], outputs].concat())
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn regular_files_keep_their_mode_and_new_ones_follow_the_umask() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let old = dir.path().join("old.json");
    std::fs::write(&old, "old").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap_or_else(|e| panic!("{e}"));
    let output = quick(&["--json", &old.display().to_string()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap_or_default()).unwrap_or_default();
    assert_eq!(runs(&json).len(), 1, "replaced with the result");
    assert_eq!(mode(&old), 0o640, "the mode is kept");

    let new = dir.path().join("new.csv");
    let script = format!("umask 027 && exec '{BIN}' run --backend mock --workload noop --csv '{}'", new.display());
    let output =
        Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&new), 0o640, "rw-rw-rw- less the umask 027");
    assert_eq!(names(dir.path()), vec!["new.csv", "old.json"], "no temp file left");
}

#[test]
fn symlinks_stay_links_and_their_targets_are_replaced() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap_or_else(|e| panic!("{e}"));
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap_or_else(|e| panic!("{e}"));
    let to_null = dir.path().join("null.md");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap_or_else(|e| panic!("{e}"));
    let output = quick(&["--csv", &link.display().to_string(), "--markdown", &to_null.display().to_string()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert!(std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()), "still a link");
    assert!(std::fs::read_to_string(&real).unwrap_or_default().starts_with("backend,"), "its target replaced");
    assert!(std::fs::symlink_metadata(&to_null).is_ok_and(|m| m.file_type().is_symlink()));
    assert!(
        std::fs::metadata("/dev/null").is_ok_and(|m| m.file_type().is_char_device()),
        "/dev/null is a device still"
    );
    assert_eq!(names(dir.path()), vec!["link.csv", "null.md", "real.csv"], "no temp file left");
}

#[test]
fn a_fifo_is_written_to_its_reader() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fifo = dir.path().join("results.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo))
    };
    let output = quick(&["--json", &fifo.display().to_string()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let got = reader.join().unwrap_or_else(|_| panic!("reader panicked")).unwrap_or_default();
    let json: Value = serde_json::from_str(&got).unwrap_or_default();
    assert_eq!(runs(&json).len(), 1, "the reader got the JSON: {got:.200}");
    assert!(std::fs::metadata(&fifo).is_ok_and(|m| m.file_type().is_fifo()), "still a FIFO");
}

#[test]
fn bad_targets_are_refused_before_the_run() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let at = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(dir.path().join("file"), "").unwrap_or_else(|e| panic!("{e}"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("socket")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("out.json", dir.path().join("alias.json")).unwrap_or_else(|e| panic!("{e}"));
    let long = at(&"n".repeat(300));
    let slow = ["run", "--workload", "sleep", "--size", "5000", "--backend", "threads"];
    let start = Instant::now();
    let dir_shown = dir.path().display().to_string();
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (vec!["--json".into(), dir_shown.clone()], vec![format!("{dir_shown} is a directory")]),
        (vec!["--csv".into(), at("socket")], vec!["is a socket".into()]),
        (vec!["--csv".into(), format!("{}/out.csv", at("file"))], vec!["not a directory".into()]),
        (vec!["--csv".into(), at("missing/out.csv")], vec!["does not exist".into()]),
        (vec!["--markdown".into(), long], vec!["too long".into()]),
        (
            vec!["--json".into(), at("out.json"), "--csv".into(), at("alias.json")],
            vec!["--json and --csv both write to".into()],
        ),
        (
            vec!["--json".into(), "-".into(), "--csv".into(), "-".into()],
            vec!["only one export can go to stdout".into()],
        ),
    ];
    for (outputs, expected) in cases {
        let args: Vec<&str> = slow.iter().copied().chain(outputs.iter().map(String::as_str)).collect();
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        assert_bad_input(&args, &expected);
    }
    assert!(start.elapsed() < Duration::from_secs(20), "every case refused before its 5 s run");
    assert_eq!(names(dir.path()), vec!["alias.json", "file", "socket"], "nothing was created");
}

/// `| head -0`: stdout closes before the JSON is written. The CSV is still written, the failure
/// is reported, the exit code says an output failed, and nothing panics.
#[test]
fn a_closed_stdout_loses_no_other_output_and_panics_nowhere() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("r.csv");
    let script = format!(
        "'{BIN}' run --backend mock --workload sleep --size 200 --tasks 2 --json - --csv '{}' | head -c 0",
        csv.display()
    );
    let output = Command::new("bash")
        .args(["-c", &format!("{script}; exit ${{PIPESTATUS[0]}}")])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = stderr(&output);
    assert_eq!(code(&output), Some(1), "{err}");
    assert!(err.contains("--json: cannot write the json to stdout") && err.contains("Broken pipe"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(std::fs::read_to_string(&csv).unwrap_or_default().starts_with("backend,"), "the CSV was written");

    // No stderr at all (a closed terminal): still no panic, and the run's own outcome decides.
    let mut child = Command::new(BIN)
        .args(["run", "--backend", "mock", "--workload", "noop", "--tasks", "2", "--csv", &csv.display().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(child.stderr.take());
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.code(), Some(0), "a closed stderr is not a failure (101 would be a panic)");
}

/// `--trace`: a Perfetto trace of every run, its tasks on tracks where no two overlap (an
/// event loop's 20 tasks in flight on one lane take 20 tracks), written like every export.
#[test]
fn a_trace_lays_out_every_task_without_overlaps() {
    let _serial = super::serial();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.trace.json");
    let output = super::lab(&[
        "run",
        "--backend",
        "event-loop,threads",
        "--workload",
        "sleep",
        "--size",
        "50",
        "--tasks",
        "20",
        "--workers",
        "20",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(super::code(&output), Some(0), "{}", super::stderr(&output));
    let trace: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let tasks = events.iter().filter(|e| e["ph"] == "X" && e["name"].as_str().is_some_and(|n| n.starts_with("task ")));
    let mut tracks: std::collections::BTreeMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in tasks {
        let (ts, dur) = (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap());
        tracks.entry((e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap())).or_default().push((ts, ts + dur));
    }
    assert_eq!(tracks.values().map(Vec::len).sum::<usize>(), 40, "every task of both runs");
    for (track, mut spans) in tracks.clone() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "{track:?} overlaps");
    }
    assert!(tracks.keys().filter(|(pid, _)| *pid == 1).count() >= 10, "the loop's waits overlap: many tracks");
    let names: Vec<&str> =
        events.iter().filter(|e| e["name"] == "process_name").filter_map(|e| e["args"]["name"].as_str()).collect();
    assert!(names.len() == 2 && names[1].starts_with("run 2: threads"), "{names:?}");
}
