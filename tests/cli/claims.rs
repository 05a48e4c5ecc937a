//! The claims of the Python concurrency articles (ARCHITECTURE.md, "The claims"), one shape
//! test per bundled preset at a reduced size, plus the newer backends end to end and the bad
//! input of the I/O workloads (a server that can't bind, a temp dir that can't be written).
//! Directions with generous margins, never stopwatch bounds.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{BIN, assert_well_formed, code, f, run_json, runs, serial, stderr};

/// Runs a preset with overrides; returns its runs keyed by backend name.
fn preset(name: &str, extra: &[&str]) -> Vec<Value> {
    let (output, json) = run_json(&[&["--preset", name], extra].concat());
    assert_eq!(code(&output), Some(0), "{name}: {}", stderr(&output));
    let runs = runs(&json).clone();
    for run in &runs {
        assert_well_formed(run);
    }
    runs
}

fn by<'a>(runs: &'a [Value], backend: &str) -> &'a Value {
    runs.iter().find(|r| r["config"]["backend"] == backend).unwrap_or_else(|| panic!("no {backend} run"))
}

fn elapsed(runs: &[Value], backend: &str) -> f64 {
    f(&by(runs, backend)["elapsed_secs"])
}

/// Whether this machine has the two cores a parallel shape needs; says so when it does not (a
/// one-core machine cannot show a parallel speed-up, so such a test checks nothing there).
pub fn two_cores() -> bool {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if cores < 2 {
        eprintln!("SKIPPED: this check needs 2 cores, the machine has {cores}");
    }
    cores >= 2
}

/// `Err(message)` unless `cond`: a shape that did not hold this time.
macro_rules! check {
    ($cond:expr, $($why:tt)+) => {
        let held: bool = $cond;
        if !held {
            return Err(format!($($why)+));
        }
    };
}

/// Timing shapes get three tries: a neighbour's build can take a core away for a moment,
/// which says nothing about the claim. Each try is a fresh run.
fn holds(claim: &str, mut attempt: impl FnMut() -> Result<(), String>) {
    let mut misses = Vec::new();
    for _ in 0..3 {
        match attempt() {
            Ok(()) => return,
            Err(why) => misses.push(why),
        }
    }
    panic!("{claim} did not hold in 3 tries: {misses:#?}");
}

#[test]
fn claim_1_gil_threads_take_turns_processes_use_both_cores() {
    let _serial = serial();
    holds("claim 1", || {
        let runs = preset("cpu-primes-gil", &["--size", "30000", "--repeat", "3", "--warmup", "0"]);
        let threads = f(&by(&runs, "threads")["effective_parallelism"]);
        check!(threads < 1.25, "GIL threads used {threads:.2} cores");
        // The timeline's evidence: the two threads' GIL holds alternate.
        let holds = by(&runs, "threads")["gil_holds"].as_array().cloned().unwrap_or_default();
        let handovers = holds.windows(2).filter(|w| w[0]["worker"] != w[1]["worker"]).count();
        check!(handovers >= 2, "GIL threads handed the GIL over {handovers} times");
        // And the processes' evidence: each held its own GIL, at the same time (which is
        // what makes them faster where two cores are free; the speed-up is a benchmark's).
        let processes = super::intervals(by(&runs, "processes"), "gil_holds");
        check!(super::lanes_overlap(&processes), "processes' GIL holds never overlapped: {processes:?}");
        Ok(())
    });
}

#[test]
fn claim_2_without_the_gil_threads_run_in_parallel() {
    let _serial = serial();
    if !two_cores() {
        return;
    }
    holds("claim 2", || {
        let runs = preset("cpu-primes-no-gil", &["--size", "30000", "--repeat", "3", "--warmup", "0"]);
        let (l, t) = (elapsed(&runs, "event-loop"), elapsed(&runs, "threads"));
        check!(t < 0.85 * l, "free threads ({t:.3} s) vs one loop ({l:.3} s)");
        Ok(())
    });
}

/// At reduced sizes (fib(32..36), tens of milliseconds in Rust) the claim's direction still
/// shows; the preset's own sizes make each run last long enough to watch (shapes, not
/// stopwatches: ARCHITECTURE.md, "Tests").
#[test]
fn claim_3_fib_on_a_process_pool_beats_a_gil_thread_pool() {
    let _serial = serial();
    if !two_cores() {
        return;
    }
    holds("claim 3", || {
        let runs = preset("fib-process-pool", &["--size", "32,34,36", "--repeat", "3", "--warmup", "0"]);
        let (p, t) = (elapsed(&runs, "processes"), elapsed(&runs, "threads"));
        check!(p < t, "process pool ({p:.3} s) vs GIL thread pool ({t:.3} s)");
        let parallel = f(&by(&runs, "processes")["effective_parallelism"]);
        let turns = f(&by(&runs, "threads")["effective_parallelism"]);
        check!(parallel > turns, "process pool parallelism {parallel:.2} vs GIL threads {turns:.2}");
        Ok(())
    });
}

#[test]
fn claim_4_three_requests_overlap_on_a_loop_and_on_threads() {
    let _serial = serial();
    holds("claim 4", || {
        let runs = preset("http-three-requests", &["--size", "100", "--repeat", "1"]);
        let one_worker = elapsed(&runs, "processes");
        check!(one_worker >= 0.27, "one worker does the three 100 ms requests in turn: {one_worker:.3} s");
        for backend in ["event-loop", "threads"] {
            let overlapped = elapsed(&runs, backend);
            check!(overlapped < 0.7 * one_worker, "{backend}: {overlapped:.3} s vs one worker {one_worker:.3} s");
        }
        Ok(())
    });
}

#[test]
fn claim_5_slow_io_many_connections_favours_the_loop() {
    let _serial = serial();
    holds("claim 5", || {
        let runs = preset("http-many-slow", &["--size", "20"]);
        let processes = elapsed(&runs, "processes");
        check!(processes >= 125.0 * 0.02 * 0.9, "8 processes need 125 rounds: {processes:.2} s");
        for backend in ["event-loop", "threads", "processes+event-loop"] {
            let e = elapsed(&runs, backend);
            check!(e < processes / 3.0, "{backend}: {e:.2} s vs processes {processes:.2} s");
        }
        let (l, t) = (elapsed(&runs, "event-loop"), elapsed(&runs, "threads"));
        check!(l < 2.0 * t, "the loop ({l:.3} s) is at least close to 100 threads ({t:.3} s)");
        Ok(())
    });
}

#[test]
fn claim_6_fast_io_few_connections_threads_are_as_good() {
    let _serial = serial();
    holds("claim 6", || {
        let runs = preset("http-fast-few", &["--repeat", "3", "--warmup", "0"]);
        let (l, t) = (elapsed(&runs, "event-loop"), elapsed(&runs, "threads"));
        check!(t < 1.5 * l && l < 1.5 * t, "threads {t:.3} s vs event loop {l:.3} s");
        Ok(())
    });
}

#[test]
fn claim_7_a_blocking_sleep_serializes_the_loop_and_lag_shows_it() {
    let _serial = serial();
    let runs = preset("blocking-sleep-in-async", &["--size", "50", "--repeat", "1"]);
    let looped = by(&runs, "event-loop");
    assert!(f(&looped["elapsed_secs"]) >= 0.8 * 10.0 * 0.05, "serialized: {}", looped["elapsed_secs"]);
    assert!(f(&looped["loop_lag_max_secs"]) > 0.1, "lag {}", looped["loop_lag_max_secs"]);
    assert_eq!(looped["loop_blocked"], true);
    let offloaded = by(&runs, "event-loop+threads");
    assert!(f(&offloaded["elapsed_secs"]) < 0.5 * f(&looped["elapsed_secs"]));
    assert!(f(&offloaded["loop_lag_max_secs"]) < f(&looped["loop_lag_max_secs"]));
    assert!(by(&runs, "threads")["loop_lag_max_secs"].is_null(), "threads have no loop");
}

#[test]
fn claim_8_the_loop_interleaves_deterministically_threads_do_not() {
    let _serial = serial();
    let runs = preset("interleaving", &["--backend", "event-loop", "--size", "5000", "--repeat", "5"]);
    assert_eq!(by(&runs, "event-loop")["distinct_orders"], 1);
    let order = by(&runs, "event-loop")["step_order"].as_array().map(Vec::len);
    assert_eq!(order, Some(4 * 5), "every step of every task recorded");
    holds("claim 8 (threads)", || {
        let runs = preset("interleaving", &["--backend", "threads", "--size", "5000", "--repeat", "20"]);
        let distinct = by(&runs, "threads")["distinct_orders"].as_u64().unwrap_or(0);
        check!(distinct > 1, "threads gave {distinct} order(s) in 20 repetitions");
        Ok(())
    });
}

#[test]
fn claim_9_hybrids_keep_the_waits_on_the_loop_and_move_the_cpu_off_it() {
    let _serial = serial();
    holds("claim 9", || {
        // CPU parts of a few milliseconds against 50 ms waits: the waits decide, as in the preset.
        let runs = preset("hybrids", &["--size", "5000", "--io-wait", "50", "--repeat", "1"]);
        let threads = elapsed(&runs, "threads");
        for hybrid in ["event-loop+threads", "event-loop+processes", "processes+event-loop"] {
            let e = elapsed(&runs, hybrid);
            check!(e < 0.8 * threads, "{hybrid}: {e:.3} s vs 2 GIL threads {threads:.3} s");
        }
        let blocked = f(&by(&runs, "event-loop")["loop_lag_max_secs"]);
        let offloaded = f(&by(&runs, "event-loop+processes")["loop_lag_max_secs"]);
        check!(offloaded < blocked, "offloading frees the loop: lag {offloaded:.3} vs {blocked:.3} s");
        Ok(())
    });
}

#[test]
fn claim_10_loop_tasks_cost_less_memory_than_threads() {
    let _serial = serial();
    let runs = preset("memory-many-tasks", &["--tasks", "2000", "--size", "200"]);
    let rss = |backend| by(&runs, backend)["peak_rss_bytes"].as_u64().expect("peak_rss_bytes");
    assert!(rss("event-loop") < rss("threads"), "loop {} vs 1,000 threads {}", rss("event-loop"), rss("threads"));
    assert!(rss("event-loop") < rss("processes+event-loop"), "8 processes add their own footprint");
}

// ---- the new backends and workloads, end to end ----

const NEW_BACKENDS: &str =
    "event-loop,threads,processes,event-loop-mt,rayon,event-loop+threads,event-loop+processes,processes+event-loop";

#[test]
fn new_backends_run_every_workload_and_count_failed_tasks() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    for workload in
        [&["primes", "5000"][..], &["http", "5"], &["file", "16"], &["mixed", "5000"], &["blocking-sleep", "5"]]
    {
        let args = ["--backend", NEW_BACKENDS, "--workload", workload[0], "--size", workload[1]];
        let rest = ["--tasks", "9", "--workers", "2", "--panic-every", "3", "--io-wait", "5", "--steps", "2"];
        let output = Command::new(BIN)
            .args([&["run", "--json", "-"], &args[..], &rest[..]].concat())
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(code(&output), Some(0), "{workload:?}: {}", stderr(&output));
        let json: Value = serde_json::from_slice(&output.stdout).expect("the CLI prints JSON");
        assert_eq!(runs(&json).len(), 8, "{workload:?}: every backend ran");
        for run in runs(&json) {
            assert_well_formed(run);
            let backend = run["config"]["backend"].as_str().expect("config.backend");
            assert_eq!(run["tasks_failed"], 3, "{backend} {workload:?}: injected panics counted");
            assert!(run["cpu_secs"].as_f64().is_some(), "{backend} measured its CPU time");
            let has_loop = backend.contains("event-loop");
            assert_eq!(run["loop_lag_max_secs"].is_number(), has_loop, "{backend}: loop lag");
            assert!(run["distinct_orders"].as_u64().is_some_and(|d| d >= 1), "{backend}: orders");
        }
    }
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "file runs leave nothing behind");
}

#[test]
fn the_gil_applies_to_every_in_process_thread_pool() {
    let _serial = serial();
    let (output, json) = run_json(&[
        "--backend",
        "rayon,event-loop-mt,event-loop+threads",
        "--workload",
        "primes",
        "--size",
        "20000",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--gil",
    ]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(runs(&json).len(), 3);
    for run in runs(&json) {
        let parallelism = f(&run["effective_parallelism"]);
        assert!(parallelism < 1.25, "{}: GIL on, yet {parallelism:.2} cores busy", run["config"]["backend"]);
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

// ---- bad input: clear errors, nothing left behind ----

#[test]
fn an_http_server_that_cannot_bind_fails_the_run_clearly() {
    let _serial = serial();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (output, json) =
        run_json(&["--backend", "event-loop,processes", "--workload", "http", "--tasks", "3", "--http-bind", &addr]);
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert_eq!(runs(&json).len(), 2);
    for run in runs(&json) {
        assert_eq!(run["outcome"], "failed");
        let error = run["error"].as_str().unwrap_or_default();
        assert!(error.contains(&format!("could not start the HTTP server on {addr}")), "{error}");
        assert!(error.contains("in use"), "{error}");
    }
    // Nothing else holds the port: once we let go, it can be bound again.
    drop(taken);
    assert!(std::net::TcpListener::bind(&addr).is_ok(), "{addr} was left bound");
    #[cfg(target_os = "linux")]
    assert!(super::children_of(std::process::id()).is_empty(), "no worker process left");
}

#[test]
fn a_file_run_in_an_unwritable_temp_dir_fails_clearly() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // A path under a regular file can't be a directory, even for root.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let bad = file.join("tmp");
    let output = Command::new(BIN)
        .args(["run", "--json", "-", "--backend", "event-loop,threads,processes", "--workload", "file", "--tasks", "3"])
        .env("TMPDIR", &bad)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("the CLI prints JSON");
    assert_eq!(runs(&json).len(), 3);
    for run in runs(&json) {
        assert_eq!(run["outcome"], "failed");
        let error = run["error"].as_str().unwrap_or_default();
        assert!(error.contains(&bad.display().to_string()) && error.contains("TMPDIR"), "{error}");
    }
    assert_eq!(leftovers(dir.path()), vec!["plain-file".to_owned()]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_worker_killed_mid_run_fails_the_hybrid_process_backends_too() {
    use std::time::Duration;
    let _serial = serial();
    for backend in ["event-loop+processes", "processes+event-loop"] {
        let cli = Command::new(BIN)
            .args(["run", "--json", "-", "--backend", backend, "--workload", "mixed", "--size", "20000"])
            .args(["--io-wait", "50", "--tasks", "2000", "--workers", "2"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let workers = super::wait_for_workers(&cli, 2);
        assert_eq!(workers.len(), 2, "{backend}: two worker processes");
        std::thread::sleep(Duration::from_millis(300));
        super::kill(workers[1], "-KILL");
        let output = super::wait_with_timeout(cli, Duration::from_secs(20));
        assert_eq!(code(&output), Some(1), "{backend}: {}", stderr(&output));
        let json: Value = serde_json::from_slice(&output.stdout).expect("the CLI prints JSON");
        let error = runs(&json)[0]["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(&format!("(pid {})", workers[1])) && error.contains("SIGKILL"), "{backend}: {error}");
        assert!(super::wait_gone(&workers, Duration::from_secs(3)).is_empty(), "{backend}: workers reaped");
    }
}

#[cfg(unix)]
#[test]
fn http_connections_beyond_the_open_files_limit_are_refused_up_front() {
    let _serial = serial();
    let script =
        format!("ulimit -n 256 && exec '{BIN}' run --backend event-loop --workload http --tasks 1000 --workers 1000");
    let output = Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).output();
    let output = output.unwrap();
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    let msg = stderr(&output);
    assert!(msg.contains("1000 HTTP connections at once need about 2064 open files, but the limit is 256"), "{msg}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_worker_killed_mid_file_run_leaves_no_temp_file() {
    use std::time::Duration;
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cli = Command::new(BIN)
        .args(["run", "--backend", "processes", "--workload", "file", "--size", "4096", "--tasks", "5000"])
        .args(["--workers", "2"])
        .env("TMPDIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let workers = super::wait_for_workers(&cli, 2);
    assert_eq!(workers.len(), 2);
    std::thread::sleep(Duration::from_millis(300));
    super::kill(workers[0], "-KILL");
    let output = super::wait_with_timeout(cli, Duration::from_secs(20));
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "temp files of the killed worker are removed");
}
