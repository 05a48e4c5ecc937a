//! The Python backends through the real binary, in the machine's own `python3` (the tests need
//! one, 3.8 or newer): every workload on each backend with real measurements, the start
//! methods, interleaving, stray prints, a workload that raises, a harness or pool worker that
//! dies, bad interpreters (exit 2 naming the path), and no Python process left behind after
//! Ctrl+C (to the process group, as a terminal sends it) or a SIGKILL of the CLI.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, assert_well_formed, code, f, run_json, runs, serial, stderr};

const PYTHON_BACKENDS: &str = "python-asyncio,python-threads,python-processes";

fn python_run(args: &[&str]) -> Vec<Value> {
    let (output, json) = run_json(args);
    assert_eq!(code(&output), Some(0), "{args:?}: {}", stderr(&output));
    runs(&json).clone()
}

/// What every completed Python run records besides the common invariants.
fn assert_python_measured(run: &Value) {
    assert_well_formed(run);
    let backend = run["config"]["backend"].as_str().unwrap_or_default();
    let python = &run["python"];
    assert_eq!(python["implementation"], "CPython", "{backend}: {python}");
    assert!(python["version"].as_str().is_some_and(|v| v.starts_with('3')), "{backend}: {python}");
    assert!(python["gil_enabled"].is_boolean() && python["free_threaded"].is_boolean(), "{backend}: {python}");
    let startup = f(&run["interpreter_startup_secs"]);
    assert!(startup > 0.0 && startup < 30.0, "{backend}: interpreter start-up {startup}");
    assert!(run["peak_rss_bytes"].as_u64().unwrap_or(0) > 4 << 20, "{backend}: the interpreter's memory");
    assert!(run["cpu_secs"].as_f64().is_some(), "{backend}: CPU time measured");
    // Loop lag only on asyncio (a run too short for one heartbeat has none).
    let lag = &run["loop_lag_max_secs"];
    assert!(!lag.is_number() || backend == "python-asyncio", "{backend}: loop lag {lag}");
    if backend == "python-processes" {
        assert!(python["start_method"].is_string(), "{python}");
    }
}

#[test]
fn every_workload_runs_on_every_python_backend() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (workload, size) in [
        ("primes", "3000"),
        ("fib", "18"),
        ("sleep", "30"),
        ("noop", "0"),
        ("blocking-sleep", "20"),
        ("mixed", "2000"),
        ("file", "16"),
        ("http", "30"),
    ] {
        let args =
            ["--backend", PYTHON_BACKENDS, "--workload", workload, "--size", size, "--tasks", "6", "--workers", "2"];
        let output = Command::new(BIN)
            .arg("run")
            .args(args)
            .args(["--io-wait", "20", "--json", "-"])
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code(&output), Some(0), "{workload}: {}", stderr(&output));
        let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let runs = runs(&json);
        assert_eq!(runs.len(), 3, "{workload}");
        for run in runs {
            assert_python_measured(run);
            if workload == "primes" || workload == "fib" {
                assert!(f(&run["cpu_secs"]) > 0.0, "{workload}: CPU work shows as CPU time");
            }
        }
        if workload == "http" {
            let clients: Vec<&str> = runs.iter().filter_map(|r| r["python"]["http_client"].as_str()).collect();
            assert_eq!(clients.len(), 3, "{clients:?}");
            assert!(clients[0].starts_with("aiohttp") || clients[0].starts_with("asyncio streams"), "{clients:?}");
            assert!(clients[1].starts_with("urllib") && clients[2].starts_with("urllib"), "{clients:?}");
            let table = stderr(&output);
            assert!(table.contains("python-asyncio: ") && table.contains("HTTP client"), "{table}");
        }
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{workload} left files behind in TMPDIR: {left:?}");
    }
}

#[test]
fn waits_overlap_and_cpu_work_blocks_the_real_loop() {
    let _serial = serial();
    let runs = python_run(&[
        "--backend",
        "python-asyncio,python-threads",
        "--workload",
        "sleep",
        "--size",
        "200",
        "--tasks",
        "10",
        "--workers",
        "10",
    ]);
    for run in &runs {
        assert_python_measured(run);
        let busy = f(&run["elapsed_secs"]) - f(&run["setup_secs"]);
        assert!(busy < 1.2, "10 waits of 200 ms in flight at once overlap: {busy} s");
    }
    assert!(runs[0]["loop_lag_max_secs"].is_number(), "the heartbeat ran while the loop waited");
    let cpu = python_run(&["--backend", "python-asyncio", "--size", "4000", "--tasks", "3", "--workers", "3"]);
    let mut spans: Vec<(f64, f64)> =
        cpu[0]["spans"].as_array().into_iter().flatten().map(|s| (f(&s["start_secs"]), f(&s["end_secs"]))).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in spans.windows(2) {
        assert!(pair[1].0 >= pair[0].1 - 1e-6, "CPU tasks on one asyncio loop never overlap: {pair:?}");
    }
    assert!(f(&cpu[0]["loop_lag_max_secs"]) > 0.0);
}

#[test]
fn every_start_method_runs_and_is_recorded() {
    let _serial = serial();
    for method in ["fork", "spawn", "forkserver"] {
        let runs = python_run(&[
            "--backend",
            "python-processes",
            "--size",
            "3000",
            "--tasks",
            "4",
            "--workers",
            "2",
            "--start-method",
            method,
        ]);
        let run = &runs[0];
        assert_python_measured(run);
        assert_eq!(run["python"]["start_method"], method);
        assert_eq!(run["config"]["start_method"], method);
        assert!(f(&run["setup_secs"]) > 0.0, "{method}: the pool's start-up is the measured setup");
        let lanes: Vec<u64> =
            run["spans"].as_array().into_iter().flatten().filter_map(|s| s["worker"].as_u64()).collect();
        assert!(lanes.iter().all(|l| *l < 2), "{method}: lanes {lanes:?}");
    }
    // The pool is warm before the first task: with spawn (workers start lazily, one per
    // submit), four sleeping tasks on four workers still run on four processes, all started
    // after the pool said it was ready.
    let runs = python_run(&[
        "--backend",
        "python-processes",
        "--start-method",
        "spawn",
        "--workload",
        "sleep",
        "--size",
        "200",
        "--tasks",
        "4",
        "--workers",
        "4",
    ]);
    let setup = f(&runs[0]["setup_secs"]);
    let spans = runs[0]["spans"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut lanes: Vec<u64> = spans.iter().filter_map(|s| s["worker"].as_u64()).collect();
    lanes.sort_unstable();
    assert_eq!(lanes, [0, 1, 2, 3], "one task per warmed worker");
    assert!(spans.iter().all(|s| f(&s["start_secs"]) >= setup), "tasks start after the warm-up ({setup} s)");
    let output = super::lab(&["run", "--backend", "python-processes", "--start-method", "vfork"]);
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
}

#[test]
fn steps_record_the_order_of_interleaving() {
    let _serial = serial();
    let runs = python_run(&[
        "--backend",
        PYTHON_BACKENDS,
        "--workload",
        "noop",
        "--tasks",
        "4",
        "--workers",
        "4",
        "--steps",
        "5",
        "--repeat",
        "4",
    ]);
    for run in &runs {
        assert_python_measured(run);
        let order = run["step_order"].as_array().map(Vec::len);
        assert_eq!(order, Some(20), "every step of every task recorded: {}", run["config"]["backend"]);
        assert!(run["distinct_orders"].as_u64().is_some_and(|d| (1..=4).contains(&d)));
    }
    assert_eq!(runs[0]["distinct_orders"], 1, "one asyncio loop interleaves the same way every time");
}

#[test]
fn stray_prints_cannot_corrupt_the_protocol() {
    let _serial = serial();
    let output = Command::new(BIN)
        .args(["run", "--backend", PYTHON_BACKENDS, "--workload", "noop", "--tasks", "20", "--json", "-"])
        .env("CONCURRENCY_LAB_PYTHON_NOISE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
    for run in runs(&json) {
        assert_python_measured(run);
    }
}

#[test]
fn a_task_that_raises_fails_the_run_with_pythons_traceback() {
    let _serial = serial();
    for backend in ["python-asyncio", "python-threads", "python-processes"] {
        let (output, json) =
            run_json(&["--backend", backend, "--workload", "noop", "--tasks", "6", "--panic-every", "3"]);
        assert_eq!(code(&output), Some(1), "{backend}: {}", stderr(&output));
        let run = &runs(&json)[0];
        assert_eq!(run["outcome"], "failed", "{backend}");
        let error = run["error"].as_str().unwrap_or_default();
        assert!(error.contains("Traceback (most recent call last)"), "{backend}: {error}");
        assert!(error.contains("RuntimeError: injected failure in task "), "{backend}: {error}");
        assert_eq!(run["spans"].as_array().map(Vec::len), Some(6), "{backend}: every span kept");
        assert_eq!(run["tasks_failed"], 2, "{backend}");
    }
}

/// A shell script that answers the lab's probe as `answer` says, pretending to be Python.
fn fake_python(dir: &Path, name: &str, answer: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\necho '{answer}'\n")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

#[test]
fn a_missing_old_or_wrong_interpreter_is_bad_input_naming_the_path() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let old = fake_python(
        dir.path(),
        "python3.7",
        r#"concurrency-lab-probe {"version": "3.7.17", "implementation": "CPython", "major": 3, "minor": 7, "executable": "", "free_threaded": false, "start_methods": ["fork"], "default_start_method": "fork", "aiohttp": false}"#,
    );
    let chatty = fake_python(dir.path(), "not-python", "hello, I am a shell script");
    let cases = [
        ("/no/such/python3".to_owned(), "--python /no/such/python3: no such file".to_owned()),
        (chatty.clone(), format!("--python {chatty} is not a Python interpreter")),
        (old.clone(), format!("--python {old} is Python 3.7.17; the Python backends need Python 3.8 or newer")),
    ];
    for (python, expected) in cases {
        let output = super::lab(&["run", "--backend", "threads,python-threads", "--python", &python]);
        assert_eq!(code(&output), Some(2), "{python}: {}", stderr(&output));
        assert!(stderr(&output).contains(&expected), "{python}: {}", stderr(&output));
    }
    let output = Command::new(BIN)
        .args(["run", "--backend", "python-asyncio"])
        .env("PATH", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--python python3: not found on PATH"), "{}", stderr(&output));
    // Rust backends never need an interpreter.
    let output = super::lab(&["run", "--backend", "threads", "--python", "/no/such/python3", "--size", "100"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
}

// ---- no Python process outlives a run ----

fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect()).unwrap_or_default()
}

/// Live (not zombie) processes of process group `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let fields = stat_fields(*pid);
            // state, ppid, pgrp, ...
            fields.first().is_some_and(|s| s != "Z") && fields.get(2) == Some(&pgid.to_string())
        })
        .collect()
}

/// Live processes running a lab harness (their command line names its temp dir).
fn harnesses() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            cmdline.contains("concurrency-lab-python-") && stat_fields(*pid).first().is_some_and(|s| s != "Z")
        })
        .collect()
}

/// The harness `cli` started, once it and its `workers` pool processes exist.
fn wait_for_pool(cli: &Child, workers: usize) -> (u32, Vec<u32>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let harness = harnesses().into_iter().find(|pid| stat_fields(*pid).get(1) == Some(&cli.id().to_string()));
        if let Some(harness) = harness {
            let members = group_members(harness);
            if members.len() > workers {
                return (harness, members);
            }
        }
        assert!(Instant::now() < deadline, "the harness and its {workers} workers did not show up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_group_gone(pgid: u32, within: Duration) -> Vec<u32> {
    let deadline = Instant::now() + within;
    loop {
        let left = group_members(pgid);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_long_python_run(method: &str, extra: &[&str]) -> Child {
    let args = [
        "run",
        "--backend",
        "python-processes",
        "--start-method",
        method,
        "--workload",
        "sleep",
        "--size",
        "100",
        "--tasks",
        "200",
        "--workers",
        "2",
    ];
    // setsid: the CLI leads its own session and process group, as a shell job does.
    Command::new("setsid")
        .arg(BIN)
        .args(args)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn kill(target: &str, signal: &str) {
    let status = Command::new("kill").args([signal, "--", target]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill {signal} {target}");
}

#[test]
fn ctrl_c_to_the_process_group_leaves_no_python_behind() {
    let _serial = serial();
    for method in ["fork", "forkserver"] {
        let cli = spawn_long_python_run(method, &["--json", "-"]);
        let (harness, members) = wait_for_pool(&cli, 2);
        std::thread::sleep(Duration::from_millis(500));
        let sent = Instant::now();
        kill(&format!("-{}", cli.id()), "-INT");
        let output = super::wait_with_timeout(cli, Duration::from_secs(10));
        assert!(sent.elapsed() < Duration::from_secs(2), "{method}: stopped in {:?}", sent.elapsed());
        assert_eq!(code(&output), Some(130), "{method}: {}", stderr(&output));
        let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let run = &runs(&json)[0];
        assert_eq!(run["outcome"], "cancelled", "{method}");
        assert!(run["spans"].as_array().is_some_and(|s| !s.is_empty()), "{method}: partial spans kept");
        let left = wait_group_gone(harness, Duration::from_secs(3));
        assert!(left.is_empty(), "{method}: Python processes left after Ctrl+C: {left:?} (of {members:?})");
    }
}

#[test]
fn killing_the_cli_leaves_no_python_behind() {
    let _serial = serial();
    for method in ["fork", "spawn", "forkserver"] {
        let mut cli = spawn_long_python_run(method, &[]);
        let (harness, members) = wait_for_pool(&cli, 2);
        kill(&cli.id().to_string(), "-KILL");
        let _ = cli.wait();
        let left = wait_group_gone(harness, Duration::from_secs(5));
        assert!(left.is_empty(), "{method}: orphaned Python processes: {left:?} (of {members:?})");
    }
}

#[test]
fn a_dead_harness_or_pool_worker_fails_the_run_and_nothing_is_left() {
    let _serial = serial();
    // A pool worker killed: Python's pool breaks, and says so.
    let cli = spawn_long_python_run("fork", &["--json", "-"]);
    let (harness, members) = wait_for_pool(&cli, 2);
    std::thread::sleep(Duration::from_millis(300));
    let worker = members.iter().copied().find(|pid| *pid != harness).unwrap_or_else(|| panic!("{members:?}"));
    kill(&worker.to_string(), "-KILL");
    let output = super::wait_with_timeout(cli, Duration::from_secs(15));
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let run = &runs(&json)[0];
    assert_eq!(run["outcome"], "failed");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.contains("BrokenProcessPool") && error.contains("Traceback"), "{error}");
    let spans = run["spans"].as_array().map(Vec::len).unwrap_or(0);
    assert!(spans > 0 && spans < 200, "partial spans kept: {spans}");
    assert!(wait_group_gone(harness, Duration::from_secs(3)).is_empty());

    // The harness itself killed.
    let cli = spawn_long_python_run("spawn", &["--json", "-"]);
    // The harness, its resource tracker and both workers; then a few tasks' time.
    let (harness, _) = wait_for_pool(&cli, 3);
    std::thread::sleep(Duration::from_millis(800));
    kill(&harness.to_string(), "-KILL");
    let output = super::wait_with_timeout(cli, Duration::from_secs(15));
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let run = &runs(&json)[0];
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.contains(&format!("the Python harness (pid {harness}) was killed by signal 9")), "{error}");
    assert!(run["spans"].as_array().is_some_and(|s| !s.is_empty()), "partial spans kept");
    assert!(wait_group_gone(harness, Duration::from_secs(3)).is_empty());
}

// ---- the shape the articles report, in the real interpreter (generous margins) ----

/// The mechanism, not a stopwatch (the ratio is `benches/python.rs`'s business): under
/// CPython's GIL two threads never keep more than one core busy, while two pool processes run
/// their tasks at the same time, each in its own interpreter.
#[test]
fn cpython_threads_take_turns_where_its_processes_use_both_cores() {
    let _serial = serial();
    let runs = python_run(&[
        "--preset",
        "python-primes-vs-rust",
        "--backend",
        "python-threads,python-processes",
        "--size",
        "12000",
        "--repeat",
        "1",
    ]);
    for run in &runs {
        assert_python_measured(run);
    }
    let (threads, processes) = (&runs[0], &runs[1]);
    if threads["python"]["gil_enabled"] == true {
        let cores = f(&threads["effective_parallelism"]);
        assert!(cores < 1.2, "under CPython's GIL 2 threads used {cores:.2} cores");
    }
    let spans = super::intervals(processes, "spans");
    assert!(super::lanes_overlap(&spans), "two pool processes ran their tasks at once: {spans:?}");
}

/// No free-threaded build is needed to check what the lab does with one: a wrapper that
/// answers the probe as a free-threaded 3.14 would, then records its arguments and runs the
/// real python3 (which ignores -X options it does not know, as 3.11 does, or refuses gil=0).
#[test]
fn a_free_threaded_build_is_run_with_the_gil_off() {
    let _serial = serial();
    let Ok(real) = which_python3() else { return };
    let version = Command::new(&real).args(["-c", "import sys; print(sys.version_info[:2] < (3, 13))"]).output();
    if !version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "True") {
        return; // a 3.13+ default build refuses -X gil=0 at start-up: nothing to wrap
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let args = dir.path().join("args");
    let script = dir.path().join("python3.14t");
    let probe = r#"concurrency-lab-probe {"version": "3.14.0", "implementation": "CPython", "major": 3, "minor": 14, "executable": "", "free_threaded": true, "start_methods": ["fork", "spawn", "forkserver"], "default_start_method": "forkserver", "aiohttp": false}"#;
    let body = format!(
        "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then echo '{probe}'; exit 0; fi\necho \"$@\" > '{}'\nexec '{real}' \"$@\"\n",
        args.display()
    );
    std::fs::write(&script, body).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let runs = python_run(&[
        "--backend",
        "python-threads",
        "--python",
        &script.display().to_string(),
        "--size",
        "2000",
        "--tasks",
        "2",
    ]);
    assert_python_measured(&runs[0]);
    let args = std::fs::read_to_string(&args).unwrap_or_default();
    assert!(args.starts_with("-X gil=0 "), "the interpreter was started as: {args}");
    // What ran is recorded as the interpreter reported it after its imports (here: the real,
    // default build underneath, GIL on).
    assert_eq!(runs[0]["python"]["gil_enabled"], true);
}

fn which_python3() -> Result<String, String> {
    let output = Command::new("sh").args(["-c", "command -v python3"]).output().map_err(|e| e.to_string())?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if path.is_empty() { Err("no python3 on PATH".to_owned()) } else { Ok(path) }
}
