//! The engine in this process, without a front end: what a run reports about memory when the
//! process already holds a lot (as the window does: its renderer and fonts), and how a run is
//! assembled from repetitions on the deterministic mock backend. In-process backends only:
//! inside a test binary the worker processes would be the test harness.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test's helpers fail the test loudly")]

use concurrency_lab::engine::{
    BackendKind, CancelToken, Event, ExperimentConfig, NullSink, Outcome, RunResult, Workload, WorkloadKind,
    run_experiment,
};

const MIB: u64 = 1024 * 1024;

fn run(config: ExperimentConfig) -> RunResult {
    let valid = config.validate().expect("a valid config");
    run_experiment(&valid, &CancelToken::new(), &NullSink)
}

/// The memory test allocates hundreds of MiB; the other tests must not run beside it.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(target_os = "linux")]
#[test]
fn peak_memory_is_the_runs_own_not_what_the_process_held_before() {
    let _serial = serial();
    // What a window would hold before the run: 200 MiB, every page touched.
    let held = vec![1u8; 200 * MIB as usize];
    std::hint::black_box(&held);
    let config = ExperimentConfig {
        backend: BackendKind::Threads,
        workload: Workload::new(WorkloadKind::Sleep, 20),
        tasks: 16,
        workers: 8,
        ..ExperimentConfig::default()
    };
    let result = run(config.clone());
    assert_eq!(result.outcome, Outcome::Completed, "{:?}", result.error);
    let baseline = result.baseline_rss_bytes.expect("a baseline on Linux");
    let peak = result.peak_rss_bytes.expect("a peak on Linux");
    assert!(baseline >= 200 * MIB, "the baseline holds the 200 MiB: {baseline}");
    assert!(peak < 32 * MIB, "8 sleeping threads add far less than the 200 MiB held: {peak}");
    drop(held);

    // A run that itself touches memory has it counted: 8 threads each writing 8 MiB to a file
    // (a 8 MiB buffer written and one read back per task).
    let file =
        ExperimentConfig { workload: Workload::new(WorkloadKind::File, 8 * 1024), tasks: 8, workers: 8, ..config };
    let result = run(file);
    assert_eq!(result.outcome, Outcome::Completed, "{:?}", result.error);
    let peak = result.peak_rss_bytes.expect("a peak on Linux");
    assert!(peak >= 16 * MIB, "8 tasks × 16 MiB of buffers at once show: {peak}");
}

fn mock(workload: Workload, tasks: u64, workers: u64) -> ExperimentConfig {
    ExperimentConfig { backend: BackendKind::Mock, workload, tasks, workers, ..ExperimentConfig::default() }
}

#[test]
fn repetitions_give_a_median_and_the_spans_of_one_of_them() {
    let _serial = serial();
    let config = ExperimentConfig { repeat: 3, warmup: 2, ..mock(Workload::new(WorkloadKind::Noop, 0), 40, 4) };
    let events = std::sync::Mutex::new(Vec::new());
    let sink = |event: Event| {
        if let Event::RepetitionStarted { index, warmup, .. } = event {
            events.lock().unwrap().push((index, warmup));
        }
    };
    let result = run_experiment(&config.validate().unwrap(), &CancelToken::new(), &sink);
    assert_eq!(events.into_inner().unwrap(), [(0, true), (1, true), (2, false), (3, false), (4, false)]);
    assert_eq!(result.outcome, Outcome::Completed);
    assert_eq!(result.repetitions.len(), 3, "warm-ups are not listed");
    // The mock takes 1 ms per task after 1 ms of setup: 40 tasks on 4 lanes end at 11 ms.
    for repetition in &result.repetitions {
        assert!((repetition.elapsed_secs - 0.011).abs() < 1e-9, "{repetition:?}");
    }
    assert!((result.elapsed_secs - 0.011).abs() < 1e-9 && result.stats.median_secs == result.elapsed_secs);
    assert_eq!(result.spans.len(), 40, "the spans of one repetition, not of all three");
    assert_eq!(result.tasks_ok, 40);
    assert_eq!(result.cpu_secs, Some(0.0), "no-op tasks on the mock burn no virtual CPU");
}

#[test]
fn a_stopped_run_is_cancelled_with_the_spans_that_ran() {
    let _serial = serial();
    // 100 sleeps of 50 ms on one lane: the mock paces sleeps in real time, 5 s in all.
    let config = ExperimentConfig { repeat: 3, ..mock(Workload::new(WorkloadKind::Sleep, 50), 100, 1) };
    let cancel = CancelToken::new();
    let stopper = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            cancel.cancel();
        })
    };
    let result = run_experiment(&config.validate().unwrap(), &cancel, &NullSink);
    stopper.join().unwrap();
    assert_eq!(result.outcome, Outcome::Cancelled);
    assert!(result.repetitions.is_empty(), "the stopped repetition is not a measured one");
    assert!(!result.spans.is_empty() && result.spans.len() < 100, "{} spans kept", result.spans.len());
    assert_eq!(result.tasks_ok, result.spans.len() as u64);
}

#[test]
fn a_run_whose_setup_fails_is_failed_with_the_reason() {
    let _serial = serial();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ExperimentConfig {
        http_bind_addr: Some(taken.local_addr().unwrap()),
        ..mock(Workload::new(WorkloadKind::Http, 1), 4, 2)
    };
    let result = run(config);
    assert_eq!(result.outcome, Outcome::Failed);
    let error = result.error.unwrap_or_default();
    assert!(error.contains("could not start the HTTP server"), "{error}");
    assert!(result.spans.is_empty() && result.repetitions.is_empty());
}

#[test]
fn panicking_tasks_complete_the_run_and_are_counted() {
    let _serial = serial();
    let config = ExperimentConfig { panic_every: 4, ..mock(Workload::new(WorkloadKind::Noop, 0), 12, 3) };
    let result = run(config);
    assert_eq!(result.outcome, Outcome::Completed);
    assert_eq!((result.tasks_ok, result.tasks_failed), (9, 3));
    let failed: Vec<u64> = result.spans.iter().filter(|s| !s.ok).map(|s| s.task).collect();
    assert_eq!(failed, [3, 7, 11]);
}
