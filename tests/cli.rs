//! Drives the real binary (`CARGO_BIN_EXE_concurrency-lab`): every backend end to end, the
//! result contract, bad input (exit 2, field/bound/value), faults (panicking tasks, a worker
//! killed mid-run, the CLI killed or interrupted mid-run), and the shapes the lab exists to
//! show. Shapes use generous margins: these machines are shared and noisy.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test's helpers fail the test loudly")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-lab");

/// The tests run one at a time: several of them measure time, and on a 2-core machine a
/// neighbouring test would be a second workload competing for the cores.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lab(args: &[&str]) -> Output {
    let output = Command::new(BIN).args(args).stdin(Stdio::null()).output();
    output.unwrap_or_else(|e| panic!("could not run {BIN}: {e}"))
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `run ARGS --json -` and returns the parsed result file.
fn run_json(args: &[&str]) -> (Output, Value) {
    let output = lab(&[&["run", "--json", "-"], args].concat());
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {}", stderr(&output)));
    (output, json)
}

fn runs(json: &Value) -> &Vec<Value> {
    json["runs"].as_array().unwrap_or_else(|| panic!("no runs in {json}"))
}

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"))
}

/// Asserts the invariants every completed run has.
fn assert_well_formed(run: &Value) {
    let config = &run["config"];
    let tasks = config["tasks"].as_u64().expect("config.tasks");
    let workers = config["workers"].as_u64().expect("config.workers");
    assert_eq!(run["outcome"], "completed", "{}", run["error"]);
    let spans = run["spans"].as_array().expect("spans");
    assert_eq!(spans.len() as u64, tasks, "one span per task");
    let mut seen: Vec<u64> = spans.iter().filter_map(|s| s["task"].as_u64()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..tasks).collect::<Vec<_>>(), "every task exactly once");
    let elapsed = f(&run["elapsed_secs"]);
    assert!(f(&run["setup_secs"]) >= 0.0 && f(&run["setup_secs"]) <= elapsed);
    // Spans come from the repetition closest to the median, which ended by the slowest's end.
    let latest = f(&run["stats"]["max_secs"]);
    let lanes = if config["backend"] == "event-loop" { 1 } else { workers };
    for span in spans {
        let (start, end) = (f(&span["start_secs"]), f(&span["end_secs"]));
        assert!(0.0 <= start && start <= end && end <= latest + 1e-9, "span {span} outside 0..{latest}");
        assert!(span["worker"].as_u64().unwrap_or(u64::MAX) < lanes, "lane of {span}");
    }
    let stats = &run["stats"];
    assert!(f(&stats["min_secs"]) <= f(&stats["median_secs"]) && f(&stats["median_secs"]) <= f(&stats["max_secs"]));
    assert_eq!(run["repetitions"].as_array().map(Vec::len), config["repeat"].as_u64().map(|r| r as usize));
}

#[test]
fn every_backend_runs_cpu_work_and_measures_it() {
    let _serial = serial();
    let (output, json) = run_json(&[
        "--backend",
        "event-loop,threads,processes",
        "--size",
        "10000",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--repeat",
        "2",
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(json["version"], 1);
    assert!(json["machine"]["logical_cores"].as_u64().unwrap_or(0) >= 1);
    let runs = runs(&json);
    assert_eq!(runs.len(), 3);
    for run in runs {
        assert_well_formed(run);
        let cpu = f(&run["cpu_secs"]);
        assert!(cpu > 0.0, "{} measured no CPU time", run["config"]["backend"]);
        let parallelism = f(&run["effective_parallelism"]);
        assert!((parallelism - cpu / f(&run["elapsed_secs"])).abs() < 1e-9);
        // The app itself holds megabytes; the run's memory is apart from it.
        assert!(run["baseline_rss_bytes"].as_u64().is_some_and(|b| b > 1 << 20), "{}", run["baseline_rss_bytes"]);
        assert!(run["peak_rss_bytes"].is_u64(), "{}: memory measured", run["config"]["backend"]);
    }
    // Worker processes are memory the run paid for: each one's whole footprint counts.
    assert!(runs[2]["peak_rss_bytes"].as_u64().is_some_and(|p| p > 2 << 20), "{}", runs[2]["peak_rss_bytes"]);
    let workers: Vec<u64> =
        runs[2]["spans"].as_array().into_iter().flatten().filter_map(|s| s["worker"].as_u64()).collect();
    assert!(workers.contains(&0) && workers.contains(&1), "both worker processes ran tasks: {workers:?}");
}

#[test]
fn cpu_samples_cover_the_run() {
    let _serial = serial();
    let (output, json) = run_json(&[
        "--backend",
        "threads",
        "--workload",
        "sleep",
        "--size",
        "100",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--sample-interval",
        "50",
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let run = &runs(&json)[0];
    let samples = run["cpu_samples"].as_array().expect("cpu_samples");
    assert!(samples.len() >= 2, "a 200 ms run sampled every 50 ms has samples: {}", samples.len());
    let cores = json["machine"]["logical_cores"].as_u64().expect("machine.logical_cores") as usize;
    for sample in samples {
        let per_core = sample["per_core"].as_array().expect("per_core");
        assert_eq!(per_core.len(), cores);
        assert!(per_core.iter().all(|p| (0.0..=100.0).contains(&f(p))));
    }
    assert_eq!(run["sampler"]["interval_millis"], 50);
}

#[test]
fn size_lists_cycle_across_tasks() {
    let _serial = serial();
    let (output, json) = run_json(&[
        "--backend",
        "processes",
        "--workload",
        "fib",
        "--size",
        "18,20,22",
        "--tasks",
        "6",
        "--workers",
        "2",
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let run = &runs(&json)[0];
    assert_eq!(run["config"]["workload"]["size"], serde_json::json!([18, 20, 22]));
    assert_well_formed(run);
}

#[test]
fn exports_are_written_and_agree() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (json, csv, md) = (path("r.json"), path("r.csv"), path("r.md"));
    let output = lab(&[
        "run",
        "--backend",
        "mock,threads",
        "--workload",
        "noop",
        "--tasks",
        "10",
        "--json",
        &json,
        "--csv",
        &csv,
        "--markdown",
        &md,
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(summary.contains("mock") && summary.contains("threads"), "summary on stdout: {summary}");
    let parsed: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(runs(&parsed).len(), 2);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.lines().count(), 3, "{csv_text}");
    assert!(csv_text.lines().nth(1).unwrap().starts_with("mock,noop,0,10,2,false,completed,"));
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert_eq!(md_text.lines().filter(|l| l.starts_with("| `")).count(), 2, "{md_text}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn mock_backend_is_exact() {
    let _serial = serial();
    let (output, json) = run_json(&["--backend", "mock", "--workload", "noop", "--tasks", "4", "--workers", "2"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let run = &runs(&json)[0];
    let lanes: Vec<u64> = run["spans"].as_array().into_iter().flatten().filter_map(|s| s["worker"].as_u64()).collect();
    assert_eq!(lanes, vec![0, 1, 0, 1]);
    assert!((f(&run["elapsed_secs"]) - 0.003).abs() < 1e-9, "1 ms setup + 2 rounds of 1 ms");
}

#[test]
fn presets_are_listed_and_runnable_by_name() {
    let _serial = serial();
    let output = lab(&["presets"]);
    assert_eq!(code(&output), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for id in ["cpu-primes-gil", "cpu-primes-no-gil", "fib-process-pool", "io-many-sleeps", "noop-dispatch"] {
        assert!(text.lines().any(|l| l.starts_with(id) && l.contains("bundled")), "{id} missing from:\n{text}");
    }
    let (output, json) = run_json(&["--preset", "cpu-primes-gil", "--size", "5000", "--repeat", "1", "--warmup", "0"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let backends: Vec<&str> = runs(&json).iter().filter_map(|r| r["config"]["backend"].as_str()).collect();
    assert_eq!(backends, vec!["event-loop", "threads", "processes"]);
    assert!(runs(&json).iter().all(|r| r["config"]["gil"] == true));
}

// ---- bad input: exit 2, nothing runs, the message names field, bound and value ----

fn assert_bad_input(args: &[&str], expected: &[&str]) {
    let output = lab(args);
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "args {args:?}: {err}");
    for part in expected {
        assert!(err.contains(part), "args {args:?}: expected {part:?} in:\n{err}");
    }
    assert!(output.stdout.is_empty(), "nothing ran, nothing printed: {}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn out_of_range_values_are_refused() {
    let _serial = serial();
    assert_bad_input(&["run", "--tasks", "0"], &["tasks must be between 1 and 1000000, got 0"]);
    assert_bad_input(&["run", "--tasks", "2000000"], &["tasks", "1000000", "got 2000000"]);
    assert_bad_input(
        &["run", "--backend", "threads", "--workers", "0"],
        &["backend threads: workers must be between 1 and 1024", "got 0"],
    );
    assert_bad_input(&["run", "--backend", "threads", "--workers", "5000"], &["1024", "got 5000"]);
    assert_bad_input(
        &["run", "--backend", "processes", "--workers", "999"],
        &["cores) for the processes backend, got 999"],
    );
    assert_bad_input(
        &["run", "--workload", "primes", "--size", "0"],
        &["workload.size must be between 2 and 1000000 for primes, got 0"],
    );
    assert_bad_input(
        &["run", "--workload", "primes", "--size", "2000000"],
        &["workload.size must be between 2 and 1000000 for primes, got 2000000"],
    );
    assert_bad_input(&["run", "--workload", "fib", "--size", "99"], &["between 1 and 45 for fib, got 99"]);
    assert_bad_input(&["run", "--repeat", "0"], &["repeat must be between 1 and 100, got 0"]);
    assert_bad_input(
        &["run", "--sample-interval", "10"],
        &["sample_interval_millis must be between 50 and 1000, got 10"],
    );
    assert_bad_input(&["run", "--tasks", "-1"], &["'-1'"]);
}

#[test]
fn unknown_names_are_refused() {
    let _serial = serial();
    assert_bad_input(&["run", "--backend", "fibers"], &["unknown backend 'fibers'", "event-loop, threads, processes"]);
    assert_bad_input(&["run", "--workload", "mine-bitcoin"], &["unknown workload 'mine-bitcoin'"]);
    assert_bad_input(&["run", "--preset", "no-such-preset"], &["no-such-preset", "cpu-primes-gil"]);
    assert_bad_input(&["frobnicate"], &["frobnicate"]);
}

fn preset_file(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("mine.toml");
    std::fs::write(&path, body).unwrap();
    path
}

const PRESET: &str = "version = 1\nname = \"mine\"\ndescription = \"d\"\nbackends = [\"threads\"]\n\
    [workload]\nkind = \"noop\"\n[run]\ntasks = 3\nworkers = 2\n";

#[test]
fn broken_presets_name_file_line_and_column() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let good = preset_file(dir.path(), PRESET);
    let output = lab(&["run", "--preset", &good.display().to_string()]);
    assert_eq!(code(&output), Some(0), "a good preset file runs: {}", stderr(&output));

    let cases = [
        (PRESET.replace("tasks = 3", "taks = 3"), vec!["line 8, column 1", "unknown field `taks`"]),
        (PRESET.replace("[run]", "[run"), vec!["line 7"]),
        (PRESET.replace("tasks = 3", "tasks = \"three\""), vec!["line 8", "invalid type"]),
        (PRESET.replace("workers = 2", "workers = 0"), vec!["workers must be between 1 and 1024", "got 0"]),
        (PRESET.replace("version = 1", "version = 9"), vec!["version must be 1, got 9"]),
    ];
    for (body, expected) in cases {
        let path = preset_file(dir.path(), &body);
        let shown = path.display().to_string();
        let mut expected = expected.clone();
        expected.push(&shown);
        assert_bad_input(&["run", "--preset", &shown], &expected);
    }
}

#[test]
fn unwritable_export_paths_fail_before_any_work() {
    let _serial = serial();
    assert_bad_input(
        &["run", "--workload", "sleep", "--size", "5000", "--json", "/nonexistent-dir/out.json"],
        &["--json /nonexistent-dir/out.json", "directory /nonexistent-dir does not exist"],
    );
    let start = Instant::now();
    assert_bad_input(
        &["run", "--workload", "sleep", "--size", "5000", "--csv", "/proc/out.csv"],
        &["--csv /proc/out.csv"],
    );
    assert!(start.elapsed() < Duration::from_secs(4), "refused before the 5 s tasks ran");
}

#[cfg(target_os = "linux")]
#[test]
fn worker_counts_beyond_rlimit_nproc_are_refused() {
    let _serial = serial();
    let script =
        format!("ulimit -u 200 && exec {BIN} run --backend threads --workers 1000 --workload noop --tasks 1000");
    let output = Command::new("bash").args(["-c", &script]).output().unwrap();
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "{err}");
    assert!(err.contains("workers: 1000 threads would exceed the per-user process limit (RLIMIT_NPROC = 200"), "{err}");
}

// ---- faults ----

#[test]
fn panicking_tasks_are_counted_and_the_run_goes_on() {
    let _serial = serial();
    for backend in ["event-loop", "threads", "processes"] {
        for workload in ["noop", "sleep"] {
            let args = [
                "--backend",
                backend,
                "--workload",
                workload,
                "--size",
                "1",
                "--tasks",
                "9",
                "--workers",
                "2",
                "--panic-every",
                "3",
            ];
            let (output, json) = run_json(&args);
            assert_eq!(code(&output), Some(0), "{backend}/{workload}: {}", stderr(&output));
            let run = &runs(&json)[0];
            assert_eq!(run["outcome"], "completed");
            assert_eq!(
                (run["tasks_ok"].as_u64(), run["tasks_failed"].as_u64()),
                (Some(6), Some(3)),
                "{backend}/{workload}"
            );
            let failed: Vec<u64> = run["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["ok"] == false)
                .filter_map(|s| s["task"].as_u64())
                .collect();
            let mut failed = failed;
            failed.sort_unstable();
            assert_eq!(failed, vec![2, 5, 8], "{backend}/{workload}");
        }
    }
}

/// Child pids of `pid` (all its threads' children).
#[cfg(target_os = "linux")]
fn children_of(pid: u32) -> Vec<u32> {
    // A process that is gone has no children; any other failure to read /proc fails the test
    // instead of passing for "no children".
    let tasks = match std::fs::read_dir(format!("/proc/{pid}/task")) {
        Ok(tasks) => tasks,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("reading /proc/{pid}/task: {e}"),
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|text| text.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

/// Alive = exists and is not a zombie (this VM's init may not reap orphans promptly).
#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[cfg(target_os = "linux")]
fn wait_for_workers(cli: &Child, count: usize) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let workers = children_of(cli.id());
        if workers.len() >= count || Instant::now() > deadline {
            return workers;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
fn wait_gone(pids: &[u32], within: Duration) -> Vec<u32> {
    let deadline = Instant::now() + within;
    loop {
        let living: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if living.is_empty() || Instant::now() > deadline {
            return living;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
fn spawn_long_processes_run(extra: &[&str]) -> Child {
    let args = [
        &["run", "--backend", "processes", "--workload", "sleep", "--size", "100", "--tasks", "200", "--workers", "2"],
        extra,
    ]
    .concat();
    Command::new(BIN).args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[cfg(target_os = "linux")]
fn kill(pid: u32, signal: &str) {
    let status = Command::new("kill").args([signal, &pid.to_string()]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
}

#[cfg(target_os = "linux")]
fn wait_with_timeout(child: Child, within: Duration) -> Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(within) {
        Ok(Ok(output)) => output,
        _ => {
            kill(pid, "-KILL");
            panic!("the CLI did not exit within {within:?}");
        }
    }
}

/// A worker process's memory is its own, not what the app held when it started the worker.
/// Linux's `ru_maxrss` counts both (the child shares the app's memory until it execs): before,
/// 4 workers started by a CLI of 57 MiB read 227 MiB instead of about 33.
#[cfg(target_os = "linux")]
#[test]
fn worker_memory_is_the_workers_own_not_the_apps() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // 1,000 HTTP requests at once on the loop first: the CLI grows to tens of MiB.
    let preset = preset_file(
        dir.path(),
        "version = 1\nname = \"m\"\ndescription = \"d\"\nbackends = [\"event-loop\", \"processes\"]\n\
         [workload]\nkind = \"http\"\nsize = 50\n[run]\ntasks = 1000\nworkers = 4\n\
         [run.workers_for]\nevent-loop = 1000\n",
    );
    let (output, json) = run_json(&["--preset", preset.to_str().unwrap()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let processes = &runs(&json)[1];
    let baseline = f(&processes["baseline_rss_bytes"]);
    let peak = f(&processes["peak_rss_bytes"]);
    const MIB: f64 = 1024.0 * 1024.0;
    assert!(baseline >= 30.0 * MIB, "the loop's 1,000 requests grew the app first: {:.1} MiB", baseline / MIB);
    assert!(
        peak < 2.0 * baseline,
        "4 workers of about 8 MiB each, not 4 × the app's {:.1} MiB: {:.1} MiB",
        baseline / MIB,
        peak / MIB
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_worker_killed_mid_run_fails_the_run_with_its_signal() {
    let _serial = serial();
    let cli = spawn_long_processes_run(&["--json", "-"]);
    let workers = wait_for_workers(&cli, 2);
    assert_eq!(workers.len(), 2, "two worker processes");
    std::thread::sleep(Duration::from_millis(300));
    kill(workers[1], "-KILL");
    let output = wait_with_timeout(cli, Duration::from_secs(10));
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("the CLI prints JSON");
    let run = &runs(&json)[0];
    assert_eq!(run["outcome"], "failed");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.contains(&format!("worker process 1 (pid {})", workers[1])), "{error}");
    assert!(error.contains("killed by signal 9 (SIGKILL)"), "{error}");
    let spans = run["spans"].as_array().map(Vec::len).unwrap_or(0);
    assert!(spans > 0 && spans < 200, "partial spans kept: {spans}");
    assert!(wait_gone(&workers, Duration::from_secs(3)).is_empty(), "the other worker was stopped too");
}

#[cfg(target_os = "linux")]
#[test]
fn killing_the_cli_leaves_no_worker_behind() {
    let _serial = serial();
    let mut cli = spawn_long_processes_run(&[]);
    let workers = wait_for_workers(&cli, 2);
    assert_eq!(workers.len(), 2);
    kill(cli.id(), "-KILL");
    let _ = cli.wait();
    let survivors = wait_gone(&workers, Duration::from_secs(3));
    assert!(survivors.is_empty(), "orphaned workers: {survivors:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_cancels_within_a_second_and_keeps_the_partial_result() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("partial.json");
    let cli = spawn_long_processes_run(&["--json", &json_path.display().to_string()]);
    let workers = wait_for_workers(&cli, 2);
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    kill(cli.id(), "-INT");
    let output = wait_with_timeout(cli, Duration::from_secs(10));
    assert!(sent.elapsed() < Duration::from_secs(1), "stopped in {:?}", sent.elapsed());
    assert_eq!(code(&output), Some(130), "{}", stderr(&output));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(runs(&json)[0]["outcome"], "cancelled");
    assert!(runs(&json)[0]["spans"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(wait_gone(&workers, Duration::from_secs(2)).is_empty(), "workers reaped on cancel");
}

// ---- shapes: what the lab exists to show (generous margins) ----

fn median_elapsed(args: &[&str]) -> f64 {
    let (output, json) = run_json(args);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    f(&runs(&json)[0]["elapsed_secs"])
}

/// Whether two spans (or holds) of different lanes overlap in time: `(lane, start, end)`.
fn lanes_overlap(list: &[(u64, f64, f64)]) -> bool {
    list.iter().any(|a| list.iter().any(|b| a.0 != b.0 && a.1 < b.2 && b.1 < a.2))
}

/// `(lane, start, end)` of a run's spans, or of its GIL holds.
fn intervals(run: &Value, key: &str) -> Vec<(u64, f64, f64)> {
    let list = run[key].as_array().into_iter().flatten();
    list.map(|s| (s["worker"].as_u64().unwrap_or(u64::MAX), f(&s["start_secs"]), f(&s["end_secs"]))).collect()
}

/// The mechanism, not a stopwatch (the suite must pass on a busy machine; the speed-ups are
/// benchmarks' business: ARCHITECTURE.md, "Tests"): two GIL threads never hold the GIL at the
/// same time and so never keep more than one core busy; two processes each hold their own at
/// the same time; without the GIL two threads run their tasks at the same time.
#[test]
fn the_gil_serializes_threads_but_not_processes() {
    let _serial = serial();
    let args = ["--workload", "primes", "--size", "30000", "--tasks", "2", "--workers", "2"];
    let (output, json) = run_json(&[&["--backend", "threads,processes", "--gil"], &args[..]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let (threads, processes) = (&runs(&json)[0], &runs(&json)[1]);
    let parallelism = f(&threads["effective_parallelism"]);
    assert!(parallelism < 1.2, "with the GIL, 2 threads used {parallelism:.2} cores");
    let held = intervals(threads, "gil_holds");
    assert!(!held.is_empty() && !lanes_overlap(&held), "GIL threads take turns: {held:?}");
    let held = intervals(processes, "gil_holds");
    assert!(lanes_overlap(&held), "processes hold their own GILs at once: {held:?}");
    let (output, json) = run_json(&[&["--backend", "threads", "--no-gil"], &args[..]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let spans = intervals(&runs(&json)[0], "spans");
    assert!(lanes_overlap(&spans), "without the GIL both threads run at once: {spans:?}");
    assert_eq!(runs(&json)[0]["gil_holds"], serde_json::json!([]));
}

#[test]
fn the_event_loop_overlaps_waits() {
    let _serial = serial();
    let elapsed = median_elapsed(&[
        "--backend",
        "event-loop",
        "--workload",
        "sleep",
        "--size",
        "100",
        "--tasks",
        "50",
        "--workers",
        "50",
    ]);
    assert!(elapsed < 1.0, "50 waits of 100 ms in flight at once took {elapsed:.2} s (serial: 5 s)");
    let one_at_a_time = median_elapsed(&[
        "--backend",
        "event-loop",
        "--workload",
        "sleep",
        "--size",
        "20",
        "--tasks",
        "10",
        "--workers",
        "1",
    ]);
    assert!(one_at_a_time >= 0.19, "in-flight limit 1 serializes: {one_at_a_time:.3} s");
}

#[test]
fn cpu_work_blocks_the_event_loop() {
    let _serial = serial();
    let (output, json) = run_json(&[
        "--backend",
        "event-loop",
        "--workload",
        "primes",
        "--size",
        "20000",
        "--tasks",
        "3",
        "--workers",
        "3",
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let run = &runs(&json)[0];
    let mut spans: Vec<(f64, f64)> =
        run["spans"].as_array().into_iter().flatten().map(|s| (f(&s["start_secs"]), f(&s["end_secs"]))).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in spans.windows(2) {
        assert!(pair[1].0 >= pair[0].1 - 1e-6, "CPU tasks on one loop never overlap: {pair:?}");
    }
    assert!(f(&run["effective_parallelism"]) < 1.2);
}

/// The window's launch flags are checked before a window opens (no display needed).
#[test]
fn bad_launch_flags_fail_before_the_window_opens() {
    let _serial = serial();
    let output = lab(&["--preset", "no-such-preset"]);
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no-such-preset"), "{}", stderr(&output));
    let output = lab(&["--png-path", "/no/such/dir/plots.png"]);
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--png-path: directory /no/such/dir does not exist"), "{}", stderr(&output));
    // Launch flags belong to the window, not to a subcommand.
    let output = lab(&["--preset", "cpu-primes-gil", "presets"]);
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
}

/// The claims of the Python concurrency articles as presets (ARCHITECTURE.md, "The claims"), the
/// newer backends and workloads, and their bad input.
#[path = "cli/claims.rs"]
mod claims;

/// The GIL's holds in the result: recorded on every backend, turns between threads.
#[path = "cli/gil_holds.rs"]
mod gil_holds;
/// The Python backends in the machine's own interpreter.
#[cfg(target_os = "linux")]
#[path = "cli/python.rs"]
mod python;
/// Stop on every backend × workload, signals to the process group, nothing left behind.
#[cfg(target_os = "linux")]
#[path = "cli/stop.rs"]
mod stop;

/// Export targets of every kind: files, links, FIFOs, devices, bad paths, closed pipes.
#[cfg(target_os = "linux")]
#[path = "cli/outputs.rs"]
mod outputs;

/// Sweeps: every point, the curves and fits in every export, Stop, bad value lists.
#[cfg(target_os = "linux")]
#[path = "cli/sweep.rs"]
mod sweep;

/// `--png` (the window's charts offscreen) and `report` (a directory of them).
#[cfg(target_os = "linux")]
#[path = "cli/png_report.rs"]
mod png_report;

/// Untrusted input (preset files) is bounded; memory-hungry configs are refused.
#[cfg(target_os = "linux")]
#[path = "cli/untrusted.rs"]
mod untrusted;

/// Result files from several machines side by side; bad files refused naming them.
#[cfg(target_os = "linux")]
#[path = "cli/compare.rs"]
mod compare;

/// What an installed tool ships: completions, man pages; installed in a venv, its Python.
#[cfg(target_os = "linux")]
#[path = "cli/install.rs"]
mod install;
