//! The accounting's rules on made-up readings, and its readings of real threads and processes.
use super::*;

#[test]
fn threads_that_start_during_a_run_are_the_labs_by_name() {
    assert!(is_lab_thread("lab-ui-png") && is_lab_thread("lab-ui-open") && is_lab_thread("llvmpipe-0"));
    for run in ["lab-run", "lab-worker-0", "lab-rayon-1", "lab-loop", "lab-proc-0", "concurrency-lab"] {
        assert!(!is_lab_thread(run), "{run} is the run's");
    }
    let lab = LabThreads::snapshot();
    let before = lab.secs();
    let (spun_tx, spun_rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let spinner = std::thread::Builder::new()
        .name("lab-ui-png".to_owned())
        .spawn(move || {
            let start = crate::engine::sys::thread_cpu_secs().unwrap_or(0.0);
            while crate::engine::sys::thread_cpu_secs().unwrap_or(1.0) - start < 0.02 {
                std::hint::black_box(0u64);
            }
            spun_tx.send(()).ok();
            // Read while it still runs: an ended thread's last time is what was read.
            done_rx.recv().ok();
        })
        .expect("spawn");
    spun_rx.recv().ok();
    let during = lab.secs();
    done_tx.send(()).ok();
    spinner.join().ok();
    assert!(during > before, "a lab-ui-png thread started mid-run counted as the lab's: {before} -> {during}");
}

#[test]
fn stat_fields_count_from_the_last_parenthesis() {
    let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 20 5 20 0 1 0 100 0 0";
    assert_eq!(stat_ticks(line), Some((10, 25)));
    assert_eq!(stat_ticks("no parenthesis"), None);
}

#[test]
fn the_split_takes_the_lab_out_of_the_process_and_the_rest_from_the_machine() {
    let at = |machine, process, lab, descendants| Reading {
        machine_busy_secs: machine,
        process_secs: process,
        lab_secs: lab,
        descendants_secs: descendants,
    };
    // Over 2 s: the process used 1.5 s (0.5 s of it the window's), its workers 1.0 s,
    // and the machine 3.0 s in all: 0.5 s was someone else's.
    let totals = Totals::between(&at(10.0, 1.0, 0.25, 4.0), &at(13.0, 2.5, 0.75, 5.0));
    assert_eq!(totals, Totals { run_secs: 2.0, lab_secs: 0.5, other_secs: 0.5 });
    let split = totals.per_wall_sec(2.0).unwrap();
    assert_eq!((split.run_cores, split.lab_cores, split.other_cores), (1.0, 0.25, 0.25));
    // Ticks are coarse: the machine may read less than the process did. Other is then 0.
    let coarse = Totals::between(&at(10.0, 0.0, 0.0, 0.0), &at(10.5, 1.0, 0.0, 0.0));
    assert_eq!(coarse.other_secs, 0.0);
    assert_eq!(totals.per_wall_sec(0.0), None);
}

#[cfg(target_os = "linux")]
#[test]
fn a_busy_child_is_the_runs_and_the_snapshotted_threads_are_the_labs() {
    // A thread that exists before the snapshot is the lab's; its work shows as the lab's.
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let spinner = std::thread::spawn(move || {
        ready_rx.recv().ok();
        let start = std::time::Instant::now();
        while stop_rx.try_recv().is_err() && start.elapsed().as_secs() < 10 {
            std::hint::black_box(0u64);
        }
    });
    let lab = LabThreads::snapshot();
    let before = Reading::take(&lab, &[]).expect("counters on Linux");
    ready_tx.send(()).ok();
    // A child process that spins is the run's.
    let mut child = std::process::Command::new("sh")
        .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
        .spawn()
        .expect("sh");
    child.wait().expect("wait");
    // Read while the spinner still runs: a lab thread's time since the last reading is
    // lost when it ends (the sampler reads every interval, so at most one interval's).
    let after = Reading::take(&lab, &[]).expect("counters on Linux");
    stop_tx.send(()).ok();
    spinner.join().ok();
    let totals = Totals::between(&before, &after);
    assert!(totals.lab_secs > 0.0, "the lab's spinning thread counted as the lab's: {totals:?}");
    assert!(totals.run_secs > 0.0, "the reaped child counted as the run's: {totals:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_live_process_of_the_run_counts_with_its_children_before_it_is_reaped() {
    let lab = LabThreads::snapshot();
    // A shell whose child spins: the run registers the shell, the child is found.
    let mut shell =
        std::process::Command::new("sh").args(["-c", "sh -c 'while :; do :; done' & wait"]).spawn().expect("sh");
    let pid = shell.id();
    let before = Reading::take(&lab, &[pid]).expect("counters on Linux");
    let start = std::time::Instant::now();
    let mut used = Totals::default();
    while used.run_secs < 0.05 && start.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        used = Totals::between(&before, &Reading::take(&lab, &[pid]).expect("counters on Linux"));
    }
    let grandchildren = children_of(pid);
    for child in &grandchildren {
        std::process::Command::new("kill").arg(child.to_string()).status().ok();
    }
    shell.wait().ok();
    assert_eq!(grandchildren.len(), 1, "the spinning child was found");
    assert!(used.run_secs >= 0.05, "the spinning grandchild counted as the run's: {used:?}");
}

#[test]
fn totals_stop_at_the_last_tasks_end_between_two_readings() {
    let at = |machine: f64, process: f64| Reading {
        machine_busy_secs: machine,
        process_secs: process,
        lab_secs: 0.0,
        descendants_secs: 0.0,
    };
    // Readings at 0, 0.1 and 0.3 s; the tasks ended at 0.2 s; 0.5 s of teardown came after.
    let readings = [(0.0, at(0.0, 0.0)), (0.1, at(0.2, 0.2)), (0.3, at(1.0, 1.0))];
    let (totals, interior) = totals_until(&readings, 0.2).unwrap();
    assert!(interior);
    assert!((totals.run_secs - 0.6).abs() < 1e-9, "halfway between 0.2 and 1.0: {totals:?}");
    // Shorter than one interval: no reading inside, the bracket pro-rated.
    let (short, interior) = totals_until(&[(0.0, at(0.0, 0.0)), (0.4, at(0.8, 0.8))], 0.1).unwrap();
    assert!(!interior);
    assert!((short.run_secs - 0.2).abs() < 1e-9, "{short:?}");
    // Past the last reading: the last reading.
    let (all, _) = totals_until(&readings, 5.0).unwrap();
    assert!((all.run_secs - 1.0).abs() < 1e-9);
    assert_eq!(totals_until(&[], 1.0), None);
}
