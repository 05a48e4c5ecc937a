//! The one-line verdict under the summary: the selected run compared in plain words with the
//! other runs of the same workload, with the reason read off the measurements (cores used,
//! start-up share, GIL, waits in flight) rather than assumed from the backend's name.

use crate::engine::{BackendKind, Outcome, RunResult};
use crate::export::format;

/// Within this ratio two runs are "about the same".
const SAME_WITHIN: f64 = 1.10;

/// The sentence for `run`, given the other completed or failed runs of the same workload.
pub fn verdict(run: &RunResult, others: &[&RunResult]) -> String {
    if run.outcome != Outcome::Completed {
        return match run.outcome {
            Outcome::Cancelled => "Stopped before the end: the figures cover only what ran.".to_owned(),
            _ => format!("The run failed: {}", run.error.as_deref().unwrap_or("no reason was recorded")),
        };
    }
    // Only clean runs compete: a run whose tasks panicked did less work.
    let clean = |r: &RunResult| r.outcome == Outcome::Completed && r.elapsed_secs > 0.0 && r.tasks_failed == 0;
    if !clean(run) {
        return format!(
            "{} of {} tasks panicked, so this run is not compared with the others.",
            run.tasks_failed,
            run.tasks_ok + run.tasks_failed
        );
    }
    let rivals: Vec<&RunResult> = others.iter().copied().filter(|r| clean(r)).collect();
    let cores = cores_used(run);
    // Compare with the slowest rival if this run won, or with the fastest if it lost.
    let slower = rivals.iter().copied().filter(|r| r.elapsed_secs >= run.elapsed_secs).max_by(by_elapsed);
    let faster = rivals.iter().copied().filter(|r| r.elapsed_secs < run.elapsed_secs).min_by(by_elapsed);
    match (faster, slower) {
        (None, None) => format!(
            "{} used {cores} while it ran. Run another backend on the same workload to compare \
             (Run all backends does them all).",
            run.config.backend
        ),
        (Some(winner), _) => compare(winner, run),
        (None, Some(loser)) => compare(run, loser),
    }
}

fn by_elapsed(a: &&RunResult, b: &&RunResult) -> std::cmp::Ordering {
    a.elapsed_secs.total_cmp(&b.elapsed_secs)
}

/// "processes were 1.96× faster than threads: with the GIL on, threads take turns on one core".
fn compare(fast: &RunResult, slow: &RunResult) -> String {
    let ratio = slow.elapsed_secs / fast.elapsed_secs;
    let (fast_name, slow_name) = (name(fast, slow), name(slow, fast));
    if ratio < SAME_WITHIN {
        return format!(
            "The {fast_name} and {slow_name} runs took about the same time ({ratio:.2}×): {}.",
            same_reason(fast, slow)
        );
    }
    format!("The {fast_name} run was {ratio:.2}× faster than the {slow_name} run: {}.", reason(fast, slow))
}

/// Why `slow` lost, from what was measured.
fn reason(fast: &RunResult, slow: &RunResult) -> String {
    let slow_cfg = &slow.config;
    let cpu_bound = slow_cfg.workload.kind.is_cpu_bound();
    // Reasons that need parallelism are skipped where it was not measured.
    let slow_par = slow.effective_parallelism;
    let fast_par = fast.effective_parallelism;
    let setup_share = if slow.elapsed_secs > 0.0 { slow.setup_secs / slow.elapsed_secs } else { 0.0 };
    if setup_share > 0.3 {
        return format!("{} of the {} run went to start-up", percent(setup_share), slow.config.backend);
    }
    let lag = slow
        .loop_lag_max_secs
        .map_or_else(String::new, |s| format!(" (the loop stalled up to {})", format::duration(s)));
    if slow_cfg.backend == BackendKind::EventLoop && slow_cfg.workload.kind.has_cpu_part() {
        return format!("an event loop runs CPU work on one thread, one task at a time{lag}");
    }
    if slow.loop_blocked == Some(true) {
        let what = if slow_cfg.workload.kind.has_cpu_part() { "CPU work" } else { "a blocking call" };
        return format!("{what} held up {}'s event loop{lag}, and every task on it waited", slow_cfg.backend);
    }
    if slow_cfg.workload.kind.has_cpu_part()
        && slow_cfg.gil
        && slow_cfg.backend.uses_threads()
        && slow_par.is_some_and(|p| p < 1.3)
    {
        return "with the GIL on, threads take turns on one core".to_owned();
    }
    if !cpu_bound && slow_cfg.workers < fast.config.workers && slow_cfg.workers < slow_cfg.tasks {
        return format!("only {} waits overlapped at a time there, against {}", slow_cfg.workers, fast.config.workers);
    }
    if let (Some(fast_par), Some(slow_par)) = (fast_par, slow_par)
        && fast_par > slow_par + 0.3
    {
        return format!("{} kept {fast_par:.2} cores busy, {} {slow_par:.2}", fast.config.backend, slow.config.backend);
    }
    "the work was the same; the difference is overhead (dispatch, start-up, memory)".to_owned()
}

fn same_reason(a: &RunResult, b: &RunResult) -> String {
    if a.config.workload.kind.is_cpu_bound() {
        format!("they used {} and {}", cores_used(a), cores_used(b))
    } else {
        "the tasks mostly wait, so how they wait matters little at this scale".to_owned()
    }
}

/// The backend, with a GIL note when the two runs differ in it: "threads (GIL on)".
fn name(run: &RunResult, other: &RunResult) -> String {
    let gil = match (run.config.gil, other.config.gil) {
        (a, b) if a == b => "",
        (true, _) => " (GIL on)",
        (false, _) => " (GIL off)",
    };
    format!("{}{gil}", run.config.backend)
}

/// "1.97 of 2 cores".
pub fn cores_used(run: &RunResult) -> String {
    let cores = crate::engine::limits::logical_cores();
    match run.effective_parallelism {
        Some(p) => format!("{p:.2} of {cores} cores"),
        None => "an unmeasured number of cores".to_owned(),
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    fn run(backend: BackendKind, elapsed: f64, parallelism: f64, gil: bool) -> RunResult {
        let mut r = sample::run(backend, elapsed, Outcome::Completed);
        r.effective_parallelism = Some(parallelism);
        r.config.gil = gil;
        r
    }

    #[test]
    fn gil_threads_lose_to_processes_for_the_measured_reason() {
        let threads = run(BackendKind::Threads, 2.0, 1.0, true);
        let processes = run(BackendKind::Processes, 1.02, 1.95, true);
        let text = verdict(&processes, &[&threads]);
        assert_eq!(
            text,
            "The processes run was 1.96× faster than the threads run: with the GIL on, threads take turns on one core."
        );
        // Seen from the loser, the same comparison.
        assert_eq!(verdict(&threads, &[&processes]), text);
    }

    #[test]
    fn the_gil_is_named_when_the_runs_differ_in_it() {
        let with_gil = run(BackendKind::Threads, 2.0, 1.0, true);
        let without = run(BackendKind::Threads, 1.0, 1.97, false);
        assert_eq!(
            verdict(&without, &[&with_gil]),
            "The threads (GIL off) run was 2.00× faster than the threads (GIL on) run: with the GIL on, threads take turns on one core."
        );
    }

    #[test]
    fn a_blocked_loop_is_the_reason_when_it_was_measured() {
        let mut blocked = run(BackendKind::EventLoop, 1.0, 0.01, false);
        blocked.config.workload = crate::engine::Workload::new(crate::engine::WorkloadKind::BlockingSleep, 100);
        blocked.loop_blocked = Some(true);
        blocked.loop_lag_max_secs = Some(0.9);
        let offloaded = run(BackendKind::EventLoopThreads, 0.1, 0.01, false);
        assert_eq!(
            verdict(&offloaded, &[&blocked]),
            "The event-loop+threads run was 10.00× faster than the event-loop run: a blocking call held up \
             event-loop's event loop (the loop stalled up to 900.0 ms), and every task on it waited."
        );
    }

    #[test]
    fn start_up_is_named_when_it_dominates() {
        let mut processes = run(BackendKind::Processes, 0.010, 0.5, false);
        processes.setup_secs = 0.006;
        let threads = run(BackendKind::Threads, 0.002, 1.0, false);
        assert!(verdict(&threads, &[&processes]).contains("60% of the processes run went to start-up"));
    }

    #[test]
    fn close_results_are_called_the_same() {
        let a = run(BackendKind::Threads, 1.0, 1.9, false);
        let b = run(BackendKind::Processes, 1.05, 1.9, false);
        assert!(verdict(&a, &[&b]).starts_with("The threads and processes runs took about the same time (1.05×)"));
    }

    #[test]
    fn a_lone_run_invites_a_comparison_and_failures_say_why() {
        let alone = run(BackendKind::Threads, 1.0, 1.97, false);
        assert!(verdict(&alone, &[]).contains("Run all backends"));
        let failed = sample::run(BackendKind::Processes, 1.0, Outcome::Failed);
        assert!(verdict(&failed, &[]).contains("killed by signal 9"));
    }
}
