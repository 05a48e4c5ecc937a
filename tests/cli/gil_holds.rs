//! The GIL, seen: with `--gil`, every run lists when each lane held the emulated GIL
//! (`gil_holds`), from this process's GIL and from each worker process's own, on the run's
//! clock. Threads of one process share one GIL, so their holds never overlap and they take
//! turns; worker processes each hold their own, at the same time.

use serde_json::Value;

use super::{assert_well_formed, code, f, run_json, runs, serial, stderr};

/// `(worker, start, end)` of every hold of a run.
fn holds(run: &Value) -> Vec<(u64, f64, f64)> {
    let list = run["gil_holds"].as_array().unwrap_or_else(|| panic!("no gil_holds list in {}", run["config"]));
    list.iter().map(|h| (h["worker"].as_u64().unwrap_or(u64::MAX), f(&h["start_secs"]), f(&h["end_secs"]))).collect()
}

fn lanes_of(list: &[(u64, f64, f64)]) -> Vec<u64> {
    let mut lanes: Vec<u64> = list.iter().map(|h| h.0).collect();
    lanes.sort_unstable();
    lanes.dedup();
    lanes
}

const EVERY_BACKEND: &str =
    "event-loop,threads,processes,event-loop-mt,rayon,event-loop+threads,event-loop+processes,processes+event-loop";

#[test]
fn every_backend_records_its_gil_holds_on_the_lanes_that_ran_tasks() {
    let _serial = serial();
    let args = ["--backend", EVERY_BACKEND, "--workload", "primes", "--size", "12000", "--tasks", "4"];
    let (output, json) = run_json(&[&args[..], &["--workers", "2", "--gil"]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    for run in runs(&json) {
        assert_well_formed(run);
        let backend = run["config"]["backend"].as_str().unwrap_or_default().to_owned();
        let list = holds(run);
        assert!(!list.is_empty(), "{backend}: CPU work under the GIL left no holds");
        assert_eq!(run["gil_holds_dropped"], 0, "{backend}");
        let span_lanes: Vec<u64> =
            run["spans"].as_array().into_iter().flatten().filter_map(|s| s["worker"].as_u64()).collect();
        let end = f(&run["stats"]["max_secs"]);
        for &(worker, start, stop) in &list {
            assert!(span_lanes.contains(&worker), "{backend}: a hold on lane {worker}, which ran no task");
            assert!(
                0.0 <= start && start <= stop && stop <= end + 1e-6,
                "{backend}: hold {start}..{stop} outside 0..{end}"
            );
        }
        assert!(list.windows(2).all(|w| w[0].1 <= w[1].1), "{backend}: earliest first");
        if !backend.contains("processes") {
            // One GIL in this process: whoever holds it, nobody else does.
            for pair in list.windows(2) {
                assert!(pair[1].1 >= pair[0].2 - 1e-6, "{backend}: holds overlap: {pair:?}");
            }
        }
    }
}

#[test]
fn gil_threads_take_turns_while_worker_processes_hold_their_own_at_once() {
    let _serial = serial();
    if std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) < 2 {
        return;
    }
    // Two tasks of tens of milliseconds each: with a 5 ms switch interval the two threads
    // must hand the GIL back and forth several times.
    let args = ["--backend", "threads,processes", "--workload", "primes", "--size", "25000", "--tasks", "2"];
    let (output, json) = run_json(&[&args[..], &["--workers", "2", "--gil"]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let threads = holds(&runs(&json)[0]);
    assert_eq!(lanes_of(&threads), vec![0, 1], "both threads held it: {threads:?}");
    let handovers = threads.windows(2).filter(|w| w[0].0 != w[1].0).count();
    assert!(handovers >= 4, "the threads took turns: {handovers} handovers in {threads:?}");

    let processes = holds(&runs(&json)[1]);
    assert_eq!(lanes_of(&processes), vec![0, 1], "each process held its own: {processes:?}");
    let overlap = processes.iter().any(|a| processes.iter().any(|b| a.0 != b.0 && a.1 < b.2 && b.1 < a.2));
    assert!(overlap, "two processes held their own GILs at the same time: {processes:?}");
}

#[test]
fn without_the_gil_there_are_no_holds() {
    let _serial = serial();
    let (output, json) =
        run_json(&["--backend", "threads,processes", "--workload", "primes", "--size", "3000", "--tasks", "2"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    for run in runs(&json) {
        assert_eq!(run["gil_holds"], serde_json::json!([]), "{}", run["config"]["backend"]);
        assert_eq!(run["gil_holds_dropped"], 0);
    }
}
