//! Stop, as a user's system delivers it: Ctrl+C to the whole process group (what a terminal
//! does), SIGTERM from a service manager (to every process), SIGHUP from a closed terminal, and
//! SIGKILL that nothing can catch. Every backend × workload pair is started with long waits
//! (a run that would take minutes) and signalled mid-run: it must end `cancelled` with exit
//! 130 within a generous bound, leave no worker process and no temp file behind.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, children_of, code, kill, runs, serial, stderr, wait_gone, wait_with_timeout};

const BACKENDS: [&str; 8] = [
    "event-loop",
    "threads",
    "processes",
    "event-loop-mt",
    "rayon",
    "event-loop+threads",
    "event-loop+processes",
    "processes+event-loop",
];

const WORKLOADS: [&str; 8] = ["primes", "fib", "sleep", "noop", "http", "file", "mixed", "blocking-sleep"];

/// A run of `workload` that takes minutes on any backend: long tasks, or (no-op, file) many
/// short ones repeated.
fn long_args(workload: &str) -> Vec<&'static str> {
    let args: &[&str] = match workload {
        "primes" => &["--size", "10000000", "--tasks", "4"],
        "fib" => &["--size", "45", "--tasks", "4"],
        "sleep" | "blocking-sleep" | "http" => &["--size", "60000", "--tasks", "4"],
        "mixed" => &["--size", "10000000", "--io-wait", "60000", "--tasks", "4"],
        "noop" => &["--tasks", "1000000", "--repeat", "100"],
        "file" => &["--size", "1024", "--tasks", "64", "--repeat", "100"],
        other => panic!("no long run for {other}"),
    };
    args.to_vec()
}

/// Starts the CLI as the leader of a new process group (as a shell starts a foreground job),
/// with its own temp directory.
pub fn spawn_in_own_group(args: &[&str], tmpdir: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(BIN)
        .args(args)
        .env("TMPDIR", tmpdir)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {BIN}: {e}"))
}

/// Waits until the run has begun (its sampler thread exists, so a repetition is under way),
/// then a little more so that tasks are inside their waits.
pub fn wait_until_running(cli: &Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", cli.id())).into_iter().flatten().flatten();
        let sampling = tasks
            .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
            .any(|c| c.trim() == "lab-sampler");
        if sampling {
            std::thread::sleep(Duration::from_millis(300));
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the run did not start within 20 s");
}

/// Sends `signal` to the process group led by `leader`, as a terminal sends Ctrl+C.
pub fn signal_group(leader: u32, signal: &str) {
    let status = Command::new("kill").args([signal, "--", &format!("-{leader}")]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill {signal} -{leader}");
}

/// Every live worker process of the app with pid `app`, found by scanning all of /proc (not
/// only its children: a worker that escaped would have been re-parented): a `__worker`
/// command line whose environment names `app` as its parent.
pub fn workers_anywhere(app: u32) -> Vec<u32> {
    let parent = format!("CONCURRENCY_LAB_PARENT_PID={app}");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            cmdline.split(|b| *b == 0).any(|arg| arg == b"__worker")
                && environ.split(|b| *b == 0).any(|var| var == parent.as_bytes())
        })
        .filter(|pid| super::alive(*pid))
        .collect()
}

/// What one stopped run looked like.
struct Stopped {
    case: String,
    output: Output,
    stop_secs: f64,
    workers: Vec<u32>,
    app: u32,
    leftovers: Vec<String>,
}

fn stop_one(backend: &str, workload: &str) -> Stopped {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let args = [
        &["run", "--json", "-", "--backend", backend, "--workload", workload, "--workers", "2"],
        &long_args(workload)[..],
    ]
    .concat();
    let cli = spawn_in_own_group(&args, tmp.path());
    wait_until_running(&cli);
    let (app, workers) = (cli.id(), children_of(cli.id()));
    let sent = Instant::now();
    signal_group(app, "-INT");
    let output = wait_with_timeout(cli, Duration::from_secs(30));
    let stop_secs = sent.elapsed().as_secs_f64();
    let leftovers = std::fs::read_dir(tmp.path())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    Stopped { case: format!("{backend} × {workload}"), output, stop_secs, workers, app, leftovers }
}

/// The whole matrix, four runs at a time (each stop is bounded generously: the machine is
/// shared, and four runs compete for its cores).
#[test]
fn ctrl_c_stops_every_backend_and_workload_promptly() {
    let _serial = serial();
    let cases: Vec<(&str, &str)> = BACKENDS.iter().flat_map(|b| WORKLOADS.iter().map(move |w| (*b, *w))).collect();
    let mut stopped = Vec::new();
    for batch in cases.chunks(4) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch.iter().map(|(b, w)| scope.spawn(move || stop_one(b, w))).collect();
            stopped.extend(handles.into_iter().map(|h| h.join().unwrap_or_else(|_| panic!("a case panicked"))));
        });
    }
    let mut problems = Vec::new();
    for s in &stopped {
        let json: Value = serde_json::from_slice(&s.output.stdout).unwrap_or_default();
        let outcome = json["runs"].as_array().and_then(|r| r.first()).map(|r| r["outcome"].clone()).unwrap_or_default();
        if code(&s.output) != Some(130) || outcome != "cancelled" {
            problems.push(format!("{}: exit {:?}, outcome {outcome}: {}", s.case, code(&s.output), stderr(&s.output)));
        }
        if s.stop_secs > 5.0 {
            problems.push(format!("{}: took {:.2} s to stop", s.case, s.stop_secs));
        }
        let mut survivors = wait_gone(&s.workers, Duration::from_secs(2));
        survivors.extend(workers_anywhere(s.app));
        if !survivors.is_empty() {
            problems.push(format!("{}: workers {survivors:?} outlived the CLI", s.case));
        }
        if !s.leftovers.is_empty() {
            problems.push(format!("{}: left {:?} in TMPDIR", s.case, s.leftovers));
        }
    }
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), stopped.len(), problems.join("\n"));
    stopped.sort_by(|a, b| a.stop_secs.total_cmp(&b.stop_secs));
    if let (Some(median), Some(slowest)) = (stopped.get(stopped.len() / 2), stopped.last()) {
        eprintln!(
            "{} backend × workload pairs stopped (signal to exit, four at a time): median {:.3} s, slowest {:.3} s ({})",
            stopped.len(),
            median.stop_secs,
            slowest.stop_secs,
            slowest.case
        );
    }
}

/// A service manager (systemd's KillMode=control-group, `docker stop`) sends SIGTERM to every
/// process at once; a closed terminal sends SIGHUP. The workers ignore both and obey the app,
/// which writes its partial result and exits 128 + the signal.
#[test]
fn sigterm_and_sighup_to_every_process_end_the_run_cancelled() {
    let _serial = serial();
    for (signal, exit) in [("-TERM", 143), ("-HUP", 129)] {
        for backend in ["processes", "processes+event-loop", "event-loop+processes"] {
            let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let json_path = out.path().join("partial.json");
            let args = ["run", "--backend", backend, "--workload", "blocking-sleep", "--size", "60000", "--tasks", "8"];
            let args = [&args[..], &["--workers", "2", "--json", json_path.to_str().unwrap_or_default()]].concat();
            let cli = spawn_in_own_group(&args, tmp.path());
            wait_until_running(&cli);
            let (app, workers) = (cli.id(), children_of(cli.id()));
            assert!(!workers.is_empty(), "{backend}: worker processes started");
            assert_eq!(workers_anywhere(app).len(), workers.len(), "{backend}: the /proc scan finds them");
            for pid in workers.iter().chain([&cli.id()]) {
                kill(*pid, signal);
            }
            let output = wait_with_timeout(cli, Duration::from_secs(20));
            let case = format!("{backend} {signal}");
            assert_eq!(code(&output), Some(exit), "{case}: {}", stderr(&output));
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap_or_default()).unwrap_or_default();
            assert_eq!(runs(&json)[0]["outcome"], "cancelled", "{case}: {}", runs(&json)[0]["error"]);
            assert!(wait_gone(&workers, Duration::from_secs(3)).is_empty(), "{case}: workers reaped");
            assert_eq!(workers_anywhere(app), Vec::<u32>::new(), "{case}: no worker anywhere");
            let names: Vec<String> = std::fs::read_dir(out.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, vec!["partial.json".to_owned()], "{case}: no export temp file left");
        }
    }
}

/// Nothing survives even SIGKILL: the run's temp directory stays behind (nothing can remove
/// it then), and the next `file` run sweeps it because its owner is gone.
#[test]
fn a_sigkilled_file_run_is_swept_by_the_next_run() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run_dirs = || -> Vec<String> {
        std::fs::read_dir(tmp.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("concurrency-lab-run-"))
            .collect()
    };
    for backend in ["threads", "processes"] {
        let args = ["run", "--backend", backend, "--workload", "file", "--size", "4096", "--tasks", "100000"];
        let mut cli = spawn_in_own_group(&[&args[..], &["--workers", "2"]].concat(), tmp.path());
        wait_until_running(&cli);
        let (app, workers) = (cli.id(), children_of(cli.id()));
        kill(app, "-KILL");
        let _ = cli.wait();
        assert!(wait_gone(&workers, Duration::from_secs(3)).is_empty(), "{backend}: workers die with the app");
        assert_eq!(workers_anywhere(app), Vec::<u32>::new(), "{backend}: no worker anywhere");
        assert_eq!(run_dirs().len(), 1, "{backend}: the killed run's directory is left: {:?}", run_dirs());
        let after = Command::new(BIN)
            .args(["run", "--backend", "threads", "--workload", "file", "--size", "4", "--tasks", "2"])
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code(&after), Some(0), "{}", stderr(&after));
        assert_eq!(run_dirs(), Vec::<String>::new(), "{backend}: swept by the next run");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).into_iter().flatten().flatten().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
