//! Benchmarks of the engine, printed as figures (they never fail on noise). Run with
//! `cargo bench --bench engine` (add a word, e.g. `-- efficiency`, to run only the sections
//! whose name contains it). Every backend runs through the real binary
//! (`CARGO_BIN_EXE_concurrency-lab`), so worker processes are the app's own `__worker`, not
//! this bench harness. Configurations that are compared are interleaved round by round, so a
//! ratio comes from runs taken side by side. Every figure is a median.
//!
//! - efficiency: the articles' work (primes below 100,000, every divisor tried), 2 tasks,
//!   1 vs 2 workers, on threads and processes, with and without the GIL. Targets: GIL off,
//!   both ≥ 1.90× (2.0 is the limit on 2 cores); GIL on, threads ≤ 1.10× while processes
//!   stay ≥ 1.90×.
//! - overhead: the threads backend, 1 task, vs the same function in a plain loop (target:
//!   within 3%).
//! - dispatch: no-op tasks per second on each backend.
//! - lab-cost: the per-task cost of no-op tasks from 1,000 to 1,000,000, with the lab's own
//!   sweep (`engine/lab_cost.rs`).
//! - sleeps: 100,000 sleeps of 100 ms on the event loop (target ≤ 0.12 s; 0.10 s is ideal).
//! - sampler: the CPU sampler's own cost, as a share of one core.
//! - waiting: the workers' CPU time while 1,000 threads each sleep 500 ms.
//! - png: what `--png` adds to a run; report: the wall time of `report` over every claim
//!   (`engine/pictures.rs`).
//! - window: `cpu-primes-gil`'s processes run in the real window (Xvfb, the mouse moving over
//!   the plots all along) against the same run headless (target ≤ 1.15×), with the window
//!   run's accounting (`engine/window.rs`).
//! - stop: from Ctrl+C (SIGINT to the CLI's process group) to the CLI's exit, per backend and
//!   workload, in the middle of a run that would take minutes (Linux).

use std::process::Command;
use std::time::Instant;

use concurrency_lab::engine::count_primes;

#[path = "engine/lab_cost.rs"]
mod lab_cost;
#[path = "engine/pictures.rs"]
mod pictures;
#[path = "engine/window.rs"]
mod window;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-lab");
const ROUNDS: usize = 5;
/// The articles' task size, and its answer.
const PRIMES_N: &str = "100000";
const PRIMES_BELOW_100_000: u64 = 9592;

/// Runs the CLI and returns its result file.
fn run(args: &[&str]) -> Value {
    let output = Command::new(BIN).arg("run").args(args).args(["--json", "-"]).output();
    let output = output.unwrap_or_else(|e| panic!("could not run {BIN}: {e}"));
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: bad JSON: {e}"))
}

/// Every measured repetition's `field` of the first run.
fn repetition_field(json: &Value, field: &str) -> Vec<f64> {
    json["runs"][0]["repetitions"].as_array().into_iter().flatten().filter_map(|r| r[field].as_f64()).collect()
}

fn repetitions(json: &Value) -> Vec<f64> {
    repetition_field(json, "elapsed_secs")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn ms(secs: f64) -> String {
    format!("{:.2} ms", secs * 1e3)
}

/// Medians of several configs, measured round-robin: (elapsed, elapsed after setup).
fn interleaved(configs: &[Vec<&str>]) -> Vec<(f64, f64)> {
    let mut all = vec![(Vec::new(), Vec::new()); configs.len()];
    for _ in 0..ROUNDS {
        for (config, (elapsed, after_setup)) in configs.iter().zip(&mut all) {
            let json = run(config);
            let reps = repetitions(&json);
            let setups = repetition_field(&json, "setup_secs");
            after_setup.extend(reps.iter().zip(&setups).map(|(e, s)| e - s));
            elapsed.extend(reps);
        }
    }
    all.iter_mut().map(|(e, a)| (median(e), median(a))).collect()
}

/// "met" or "MISSED", for a figure against its target.
fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn efficiency() {
    println!("\n## efficiency: primes below 100,000 (the articles' algorithm), 2 tasks, 1 vs 2 workers");
    println!("(speed-up = 1-worker median / 2-worker median, elapsed including setup; medians of {ROUNDS} rounds × 3)");
    println!(
        "{:<10} {:<4} {:>11} {:>11} {:>9} {:>14}  {:<8}",
        "backend", "gil", "1 worker", "2 workers", "speed-up", "after setup", "target"
    );
    for backend in ["threads", "processes"] {
        for gil in ["--no-gil", "--gil"] {
            let base = vec!["--backend", backend, "--workload", "primes", "--size", PRIMES_N, "--tasks", "2", gil];
            let reps = ["--repeat", "3", "--warmup", "1"];
            let one = [&base[..], &["--workers", "1"], &reps].concat();
            let two = [&base[..], &["--workers", "2"], &reps].concat();
            let medians = interleaved(&[one, two]);
            let gil_on = gil == "--gil";
            let ((one, one_work), (two, two_work)) = (medians[0], medians[1]);
            let speedup = one / two;
            let (target, met) = if gil_on && backend == "threads" {
                ("≤ 1.10×", speedup <= 1.10)
            } else {
                ("≥ 1.90×", speedup >= 1.90)
            };
            println!(
                "{backend:<10} {:<4} {:>11} {:>11} {:>8.2}× {:>13.2}×  {target:<8} {}",
                if gil_on { "on" } else { "off" },
                ms(one),
                ms(two),
                speedup,
                one_work / two_work,
                verdict(met)
            );
        }
    }
}

fn overhead() {
    println!("\n## overhead: primes below 100,000, 1 task: the threads backend vs a plain loop");
    let mut plain = Vec::new();
    let mut by_hand = Vec::new();
    let mut harness = Vec::new();
    let n: u64 = PRIMES_N.parse().unwrap_or(100_000);
    for _ in 0..ROUNDS {
        for _ in 0..5 {
            let start = Instant::now();
            let count = count_primes(n, &mut || Ok(()));
            plain.push(start.elapsed().as_secs_f64());
            assert_eq!(count, Ok(PRIMES_BELOW_100_000));
            let start = Instant::now();
            let count = articles_loop(n);
            by_hand.push(start.elapsed().as_secs_f64());
            assert_eq!(count, PRIMES_BELOW_100_000);
        }
        let json = run(&[
            "--backend",
            "threads",
            "--workload",
            "primes",
            "--tasks",
            "1",
            "--workers",
            "1",
            "--size",
            PRIMES_N,
            "--repeat",
            "5",
            "--warmup",
            "1",
        ]);
        harness.extend(repetitions(&json));
    }
    let (plain, harness, by_hand) = (median(&mut plain), median(&mut harness), median(&mut by_hand));
    let overhead = harness / plain - 1.0;
    println!(
        "plain loop {}  threads backend {}  overhead {:+.2}%  target within ±3%  {}",
        ms(plain),
        ms(harness),
        overhead * 100.0,
        verdict(overhead.abs() <= 0.03)
    );
    println!(
        "(the articles' loop written by hand, no checkpoints: {}, so count_primes itself costs {:+.2}%)",
        ms(by_hand),
        (plain / by_hand - 1.0) * 100.0
    );
}

/// The articles' `count_primes`, transcribed without checkpoints.
fn articles_loop(n: u64) -> u64 {
    let n = std::hint::black_box(n);
    let mut count = 0;
    for i in 2..=n {
        let mut is_prime = true;
        for j in 2..i {
            if i % j == 0 {
                is_prime = false;
                break;
            }
        }
        count += u64::from(is_prime);
    }
    std::hint::black_box(count)
}

fn dispatch() {
    println!("\n## dispatch: 1,000,000 no-op tasks");
    for (backend, workers) in [("event-loop", "1000"), ("threads", "2"), ("processes", "2")] {
        let json = run(&[
            "--backend",
            backend,
            "--workload",
            "noop",
            "--tasks",
            "1000000",
            "--workers",
            workers,
            "--repeat",
            "5",
            "--warmup",
            "1",
        ]);
        let elapsed = median(&mut repetitions(&json));
        println!("{backend:<10} workers {workers:>4}: {} → {:.0} tasks/s", ms(elapsed), 1e6 / elapsed);
    }
}

fn many_sleeps() {
    println!("\n## sleeps: 100,000 sleeps of 100 ms on the event loop");
    let json = run(&[
        "--backend",
        "event-loop",
        "--workload",
        "sleep",
        "--size",
        "100",
        "--tasks",
        "100000",
        "--workers",
        "100000",
        "--repeat",
        "7",
        "--warmup",
        "1",
    ]);
    let run = &json["runs"][0];
    let elapsed = median(&mut repetitions(&json));
    println!(
        "median {} (ideal 100 ms; target ≤ 120 ms: {}), peak memory {:.1} MiB",
        ms(elapsed),
        verdict(elapsed <= 0.120),
        run["peak_rss_bytes"].as_f64().unwrap_or(0.0) / 1048576.0
    );
}

fn sampler_cost() {
    println!("\n## sampler: the CPU sampler's cost (100 ms interval, 3 s idle run)");
    let mut shares = Vec::new();
    for _ in 0..3 {
        let json =
            run(&["--backend", "threads", "--workload", "sleep", "--size", "1000", "--tasks", "6", "--workers", "2"]);
        let run = &json["runs"][0];
        let cpu = run["sampler"]["cpu_secs"].as_f64().unwrap_or(f64::NAN);
        shares.push(cpu / run["elapsed_secs"].as_f64().unwrap_or(f64::NAN) * 100.0);
    }
    println!("sampler thread: {:.3}% of one core (median of 3)", median(&mut shares));
}

fn waiting_threads() {
    println!("\n## 1,000 threads each sleeping 500 ms (one task each): the workers' CPU time");
    let mut cpu = Vec::new();
    let mut setup = Vec::new();
    for _ in 0..ROUNDS {
        let json = run(&[
            "--backend",
            "threads",
            "--workload",
            "sleep",
            "--size",
            "500",
            "--tasks",
            "1000",
            "--workers",
            "1000",
        ]);
        cpu.extend(json["runs"][0]["cpu_secs"].as_f64());
        setup.extend(json["runs"][0]["setup_secs"].as_f64());
    }
    println!(
        "workers' CPU {} (median of {ROUNDS}; starting 1,000 threads is part of it), setup {}",
        ms(median(&mut cpu)),
        ms(median(&mut setup))
    );
}

/// Seconds from SIGINT to the CLI's process group until the CLI exits, mid-run.
#[cfg(target_os = "linux")]
fn time_to_stop(backend: &str, extra: &[&str]) -> Option<f64> {
    use std::os::unix::process::CommandExt;
    let mut cli = Command::new(BIN)
        .args(["run", "--backend", backend, "--workers", "2"])
        .args(extra)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    while started.elapsed().as_secs() < 20 {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", cli.id())).into_iter().flatten().flatten();
        if tasks.filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok()).any(|c| c.trim() == "lab-sampler")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sent = Instant::now();
    Command::new("kill").args(["-INT", "--", &format!("-{}", cli.id())]).status().ok()?;
    let status = cli.wait().ok()?;
    (status.code() == Some(130)).then(|| sent.elapsed().as_secs_f64())
}

#[cfg(target_os = "linux")]
fn stop_latency() {
    println!("\n## Stop: SIGINT to the process group → the CLI has exited (partial result written), median of 3");
    let workloads: [(&str, &[&str]); 4] = [
        ("sleep 60 s", &["--workload", "sleep", "--size", "60000", "--tasks", "4"]),
        ("http 60 s", &["--workload", "http", "--size", "60000", "--tasks", "4"]),
        ("primes", &["--workload", "primes", "--size", "1000000", "--tasks", "4"]),
        ("file 1 MiB", &["--workload", "file", "--size", "1024", "--tasks", "64", "--repeat", "100"]),
    ];
    println!("{:<22} {}", "backend", workloads.iter().map(|(w, _)| format!("{w:>12}")).collect::<String>());
    let backends = [
        "event-loop",
        "threads",
        "processes",
        "event-loop-mt",
        "rayon",
        "event-loop+threads",
        "event-loop+processes",
        "processes+event-loop",
    ];
    for backend in backends {
        let cells: String = workloads
            .iter()
            .map(|(_, args)| {
                let mut secs: Vec<f64> = (0..3).filter_map(|_| time_to_stop(backend, args)).collect();
                if secs.is_empty() { format!("{:>12}", "failed") } else { format!("{:>12}", ms(median(&mut secs))) }
            })
            .collect();
        println!("{backend:<22} {cells}");
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_latency() {}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // `cargo bench` passes `--bench`; any other word picks sections by name.
    let words: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| words.is_empty() || words.iter().any(|w| name.contains(w.as_str()));
    println!("Concurrency Lab engine benchmarks ({BIN})");
    let sections: [(&str, fn()); 11] = [
        ("efficiency", efficiency),
        ("overhead", overhead),
        ("dispatch", dispatch),
        ("lab-cost", lab_cost::lab_cost),
        ("sleeps", many_sleeps),
        ("sampler", sampler_cost),
        ("waiting", waiting_threads),
        ("stop", stop_latency),
        ("png", pictures::png_cost),
        ("report", pictures::report_wall),
        ("window", window::window_cost),
    ];
    for (name, section) in sections {
        if wanted(name) {
            section();
        }
    }
}
