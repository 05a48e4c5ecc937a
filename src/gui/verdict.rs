//! The one-line verdict under the summary: the selected run compared in plain words with the
//! other runs of the same workload, with the reason read off the measurements (cores used,
//! start-up share, GIL, waits in flight) rather than assumed from the backend's name.

use crate::engine::{BackendKind, Outcome, RunResult};
use crate::export::format;

/// Within this ratio two runs are "about the same".
const SAME_WITHIN: f64 = 1.10;

/// The sentence for `run`, given the other completed or failed runs of the same workload;
/// with real CPython's threads and processes among them, how its GIL compares with the lab's.
pub fn verdict(run: &RunResult, others: &[&RunResult]) -> String {
    let sentence = sentence(run, others);
    match gil_check(run, others) {
        Some(check) => format!("{sentence} {check}"),
        None => sentence,
    }
}

fn sentence(run: &RunResult, others: &[&RunResult]) -> String {
    if run.outcome != Outcome::Completed {
        return match run.outcome {
            Outcome::Cancelled => "Stopped before the end: the figures cover only what ran.".to_owned(),
            _ => format!("The run failed: {}", run.error.as_deref().unwrap_or("no reason was recorded")),
        };
    }
    // Only clean runs compete: a run whose tasks panicked did less work.
    if !clean(run) {
        return format!(
            "{} of {} tasks panicked, so this run is not compared with the others.",
            run.tasks_failed,
            run.tasks_ok + run.tasks_failed
        );
    }
    // Python runs compete with Python runs, Rust runs with Rust runs: across the two the
    // difference is mostly the language (the GIL check below sets them side by side).
    let family = run.config.backend.is_python();
    let rivals: Vec<&RunResult> =
        others.iter().copied().filter(|r| clean(r) && r.config.backend.is_python() == family).collect();
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

fn clean(r: &RunResult) -> bool {
    r.outcome == Outcome::Completed && r.elapsed_secs > 0.0 && r.tasks_failed == 0
}

/// "Real CPython threads were 1.90× slower than CPython processes; the lab's emulated GIL gave
/// 2.00×." when CPU work ran on real CPython threads and processes (same workers), and on the
/// lab's threads and processes with the GIL emulated, if it did.
fn gil_check(run: &RunResult, others: &[&RunResult]) -> Option<String> {
    let pair = [BackendKind::PythonThreads, BackendKind::PythonProcesses, BackendKind::Threads, BackendKind::Processes];
    if !clean(run) || !run.config.workload.kind.is_cpu_bound() || !pair.contains(&run.config.backend) {
        return None;
    }
    let runs: Vec<&RunResult> = std::iter::once(run).chain(others.iter().copied()).filter(|r| clean(r)).collect();
    let find = |backend: BackendKind, workers: Option<u64>, gil: bool| {
        runs.iter().copied().find(|r| {
            r.config.backend == backend
                && workers.is_none_or(|w| r.config.workers == w)
                && (backend.is_python() || r.config.gil == gil)
        })
    };
    let threads = find(BackendKind::PythonThreads, None, false)?;
    let workers = Some(threads.config.workers);
    let processes = find(BackendKind::PythonProcesses, workers, false)?;
    let python = threads.python.as_ref().map_or_else(|| "CPython".to_owned(), |p| p.implementation.clone());
    let gil_off = if threads.python.as_ref().is_some_and(|p| !p.gil_enabled) { " (GIL off)" } else { "" };
    let real = threads.elapsed_secs / processes.elapsed_secs;
    let mut text = if real < SAME_WITHIN && real > 1.0 / SAME_WITHIN {
        format!("Real {python} threads{gil_off} took about as long as {python} processes ({real:.2}×)")
    } else if real >= 1.0 {
        format!("Real {python} threads{gil_off} were {real:.2}× slower than {python} processes")
    } else {
        format!("Real {python} threads{gil_off} were {:.2}× faster than {python} processes", 1.0 / real)
    };
    if let (Some(lab_threads), Some(lab_processes)) =
        (find(BackendKind::Threads, workers, true), find(BackendKind::Processes, workers, true))
    {
        text.push_str(&format!(
            "; the lab's emulated GIL gave {:.2}×",
            lab_threads.elapsed_secs / lab_processes.elapsed_secs
        ));
    }
    Some(text + ".")
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
        && slow_cfg.backend == BackendKind::PythonThreads
        && slow.python.as_ref().is_some_and(|p| p.gil_enabled)
        && slow_par.is_some_and(|p| p < 1.3)
    {
        return "CPython's GIL lets one thread run Python code at a time, so its threads took turns on one core"
            .to_owned();
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

    fn python(backend: BackendKind, elapsed: f64, parallelism: f64) -> RunResult {
        let mut r = run(backend, elapsed, parallelism, false);
        r.python = Some(crate::engine::result::PythonRun {
            executable: "/usr/bin/python3".into(),
            implementation: "CPython".into(),
            version: "3.11.7".into(),
            free_threaded: false,
            gil_enabled: true,
            start_method: None,
            http_client: None,
        });
        r
    }

    #[test]
    fn real_cpython_is_set_beside_the_emulated_gil() {
        let py_threads = python(BackendKind::PythonThreads, 3.8, 1.0);
        let py_processes = python(BackendKind::PythonProcesses, 2.0, 1.9);
        let threads = run(BackendKind::Threads, 2.0, 1.0, true);
        let processes = run(BackendKind::Processes, 1.0, 1.95, true);
        let no_gil = run(BackendKind::Threads, 1.0, 1.95, false);
        let text = verdict(&py_threads, &[&py_processes, &no_gil, &threads, &processes]);
        assert!(text.starts_with("The python-processes run was 1.90× faster than the python-threads run"), "{text}");
        assert!(
            text.ends_with(
                "Real CPython threads were 1.90× slower than CPython processes; the lab's emulated GIL gave 2.00×."
            ),
            "{text}"
        );
        // Without the lab's pair, the real figure alone; without the real pair, nothing.
        assert_eq!(
            verdict(&py_threads, &[&py_processes]),
            "The python-processes run was 1.90× faster than the python-threads run: CPython's GIL lets one \
             thread run Python code at a time, so its threads took turns on one core. Real CPython threads \
             were 1.90× slower than CPython processes."
        );
        assert!(!verdict(&threads, &[&processes]).contains("Real CPython"));
        let mut free = python(BackendKind::PythonThreads, 1.0, 1.9);
        if let Some(p) = free.python.as_mut() {
            p.free_threaded = true;
            p.gil_enabled = false;
        }
        let check = verdict(&free, &[&py_processes]);
        let even = python(BackendKind::PythonThreads, 2.05, 1.0);
        assert!(verdict(&even, &[&py_processes]).ends_with("took about as long as CPython processes (1.02×)."));
        assert!(check.contains("Real CPython threads (GIL off) were 2.00× faster than CPython processes"), "{check}");
    }

    #[test]
    fn a_lone_run_invites_a_comparison_and_failures_say_why() {
        let alone = run(BackendKind::Threads, 1.0, 1.97, false);
        assert!(verdict(&alone, &[]).contains("Run all backends"));
        let failed = sample::run(BackendKind::Processes, 1.0, Outcome::Failed);
        assert!(verdict(&failed, &[]).contains("killed by signal 9"));
    }
}
