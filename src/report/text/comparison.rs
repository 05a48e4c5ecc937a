//! A verdict in words: one sentence (or two) per [`Verdict`]. A measured win gives its reason;
//! a single repetition gives the factor and the mechanism the measurements show, and says
//! repetitions would measure the spread; two runs of one experiment beyond noise say the
//! machine changed and what the accounting shows; a comparison that includes a run the lab or
//! other programs disturbed says which, by how much, and what to do (hyperfine's "interferences
//! from other programs" warning).

use super::super::format::duration;
use super::super::{Comparison, Excluded, Finding, GilHolders, NoiseRule, NoteKind, Reason, Spread, Verdict, notes};
use super::load::{disturbed, what_changed};
use super::{capitalized, cores_used};
use crate::engine::RunResult;

/// The verdict as one sentence. `name(i)` names run `i` as a noun phrase ("the threads run",
/// "run #3 (threads)"); `cores` is the machine's core count. A lone run's sentence ends where
/// the front end may add how to get a comparison.
pub fn verdict(verdict: &Verdict, runs: &[&RunResult], name: &dyn Fn(usize) -> String, cores: u64) -> String {
    let sentence = match verdict {
        Verdict::NotCompared { subject, why } => not_compared(runs.get(*subject).copied(), *why),
        Verdict::Alone { subject, parallelism } => {
            format!("{} used {}; no other run did the same work.", name(*subject), cores_used(*parallelism, cores))
        }
        Verdict::Compared(c) => compared(c, runs, name),
    };
    capitalized(&sentence)
}

fn compared(c: &Comparison, runs: &[&RunResult], name: &dyn Fn(usize) -> String) -> String {
    let (fast, slow, factor) = (name(c.fast), name(c.slow), c.factor);
    let mut text = match c.finding {
        Finding::WithinNoise { rule } => format!(
            "{fast} and {slow} took the same time within noise ({factor:.2}×: {}).",
            match rule {
                NoiseRule::WithinSpread => "the medians differ by less than the spread of the repetitions",
                NoiseRule::Negligible => "less than 2%, within a machine's drift between runs",
                NoiseRule::RangesOverlap => "their repetitions overlap",
            }
        ),
        Finding::MachineChanged { repeated: true } => format!(
            "{fast} and {slow} ran the same experiment, but their repetitions do not overlap ({} against {}, \
             {factor:.2}×): the machine changed between them, so this is neither noise nor a difference between \
             backends. {}",
            range(&c.fast_spread),
            range(&c.slow_spread),
            what_changed(c, &fast, &slow)
        ),
        Finding::MachineChanged { repeated: false } => format!(
            "{fast} and {slow} ran the same experiment, and {slow} took {factor:.2}× as long {}: not a difference \
             between backends. {} Repetitions (3 or more) would tell the machine's usual spread from a machine that \
             changed between the runs.",
            once(c, &fast, &slow),
            what_changed(c, &fast, &slow)
        ),
        Finding::Unrepeated { reason } => format!(
            "{fast} was {factor:.2}× faster than {slow} {}: {}. Repetitions (3 or more) would measure how much that \
             varies.",
            once(c, &fast, &slow),
            mechanism(c, reason, runs, &fast, &slow)
        ),
        Finding::Faster { reason } => {
            format!("{fast} was {factor:.2}× faster than {slow}: {}.", because(reason, &fast, &slow))
        }
    };
    if c.disturbed {
        // A changed machine's words already gave both runs' loads when both were measured.
        let said =
            matches!(c.finding, Finding::MachineChanged { .. }) && c.fast_load.is_some() && c.slow_load.is_some();
        let figures = !said;
        text.push(' ');
        text.push_str(&disturbed(c, &fast, &slow, figures));
    }
    text
}

/// "in one repetition each", or "with a single repetition of the threads run".
fn once(c: &Comparison, fast: &str, slow: &str) -> String {
    if c.fast_spread.repetitions < 2 && c.slow_spread.repetitions < 2 {
        "in one repetition each".to_owned()
    } else {
        format!("with a single repetition of {}", if c.fast_spread.repetitions < 2 { fast } else { slow })
    }
}

/// "1.28 s to 1.31 s", a run's repetitions from the fastest to the slowest.
fn range(spread: &Spread) -> String {
    format!("{} to {}", duration(spread.min_secs), duration(spread.max_secs))
}

/// The mechanism a single repetition's measurements show, with the cores each run kept busy.
fn mechanism(c: &Comparison, reason: Option<Reason>, runs: &[&RunResult], fast: &str, slow: &str) -> String {
    let cores = match (c.fast_parallelism, c.slow_parallelism) {
        (Some(f), Some(s)) => Some(format!("{fast} kept {f:.2} cores busy, {slow} {s:.2}")),
        _ => None,
    };
    let Some(reason) = reason else {
        return match cores {
            Some(cores) => format!("{cores}, so the measurements show no mechanism behind the difference"),
            None => "the measurements show no mechanism behind the difference".to_owned(),
        };
    };
    let mut details: Vec<String> = Vec::new();
    if !matches!(reason, Reason::MoreCores { .. }) {
        details.extend(cores);
    }
    let turns = runs.get(c.slow).and_then(|run| {
        notes(run).into_iter().find_map(|note| match note.kind {
            NoteKind::Gil { holders: GilHolders::Shared { lanes, handovers }, .. } => Some((lanes, handovers)),
            _ => None,
        })
    });
    if let Some((lanes, handovers)) = turns {
        let times = if handovers == 1 { "once".to_owned() } else { format!("{handovers} times") };
        details.push(format!("the GIL changed hands {times} between its {lanes} lanes"));
    }
    let why = because(reason, fast, slow);
    if details.is_empty() { why } else { format!("{why} ({})", details.join("; ")) }
}

fn not_compared(run: Option<&RunResult>, why: Excluded) -> String {
    match (why, run) {
        (Excluded::Failed, Some(run)) => {
            format!("The run failed: {}", run.error.as_deref().unwrap_or("no reason was recorded"))
        }
        (Excluded::Cancelled, _) => "Stopped before the end: the figures cover only what ran.".to_owned(),
        (Excluded::TasksFailed, Some(run)) => format!(
            "{} of {} tasks failed, so this run did less work and is not compared with the others.",
            run.tasks_failed, run.config.tasks
        ),
        _ => "Nothing was measured, so this run is not compared.".to_owned(),
    }
}

/// Why the slow run lost, in words.
fn because(reason: Reason, fast: &str, slow: &str) -> String {
    let stalled =
        |lag: Option<f64>| lag.map_or_else(String::new, |s| format!(" (the loop stalled up to {})", duration(s)));
    match reason {
        Reason::StartUp { share } => format!("{:.0}% of {slow} went to start-up", share * 100.0),
        Reason::LoopRunsCpuWork { lag_secs } => {
            format!("an event loop runs CPU work on one thread, one task at a time{}", stalled(lag_secs))
        }
        Reason::LoopBlocked { cpu_work, lag_secs } => format!(
            "{} held up the event loop of {slow}{}, and every task on it waited",
            if cpu_work { "CPU work" } else { "a blocking call" },
            stalled(lag_secs)
        ),
        Reason::GilTurns { .. } => "with the GIL on, threads take turns on one core".to_owned(),
        Reason::CpythonGil { .. } => {
            "CPython's GIL lets one thread run Python code at a time, so its threads took turns on one core".to_owned()
        }
        Reason::FewerInFlight { slow: few, fast: many } => {
            format!("only {few} waits overlapped at a time in {slow}, against {many}")
        }
        Reason::MoreCores { fast: f, slow: s } => format!("{fast} kept {f:.2} cores busy, {slow} {s:.2}"),
        Reason::BusyMachine { machine_pct, own_pct } => format!(
            "the machine was busy with other work during {slow}: its cores were {machine_pct:.0}% busy, {own_pct:.0}% \
             of them with the run itself, so the difference says more about the machine than about the backends"
        ),
        Reason::Overhead => "the work and the cores used were the same; the difference is the backends' own \
                              overhead (dispatch, scheduling, memory)"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome, Workload, WorkloadKind};
    use crate::report::sample::{run, with_load};
    use crate::report::verdict as judge;

    fn the(runs: &[&RunResult]) -> impl Fn(usize) -> String {
        let names: Vec<String> = runs.iter().map(|r| format!("the {} run", r.config.backend)).collect();
        move |i| names[i].clone()
    }

    fn sentence(runs: &[&RunResult], subject: usize) -> String {
        verdict(&judge(runs, subject), runs, &the(runs), 2)
    }

    fn gil_runs() -> (RunResult, RunResult) {
        let mut threads = run(BackendKind::Threads, &[2.0, 2.01, 2.02]);
        threads.config.gil = true;
        let mut processes = run(BackendKind::Processes, &[1.02, 1.025, 1.03]);
        processes.config.gil = true;
        processes.effective_parallelism = Some(1.95);
        (threads, processes)
    }

    #[test]
    fn a_measured_win_names_its_reason() {
        let (threads, processes) = gil_runs();
        assert_eq!(
            sentence(&[&threads, &processes], 1),
            "The processes run was 1.96× faster than the threads run: with the GIL on, threads take turns on one core."
        );
    }

    #[test]
    fn a_disturbed_comparison_says_which_run_by_how_much_and_what_to_do() {
        let (threads, processes) = gil_runs();
        let (threads, processes) = (with_load(threads, 0.02, 1.2), with_load(processes, 0.0, 0.01));
        assert_eq!(
            sentence(&[&threads, &processes], 1),
            "The processes run was 1.96× faster than the threads run: with the GIL on, threads take turns on one \
             core. The comparison is disturbed: other programs kept 0.60 cores busy on average during the threads \
             run (more than a quarter of a core), so these times measure the machine as well as the backends; close \
             other programs and repeat it."
        );
        // Both busy with other programs: each is named with its figure.
        let (threads, processes) = gil_runs();
        let text = sentence(&[&with_load(threads, 0.0, 1.2), &with_load(processes, 0.0, 0.41)], 1);
        assert!(
            text.contains(
                "other programs kept 0.60 cores busy on average during the threads run and 0.40 during the processes run"
            ),
            "{text}"
        );
        // The lab's own window on the faster run: run headless.
        let (threads, processes) = gil_runs();
        let (threads, processes) = (with_load(threads, 0.0, 0.0), with_load(processes, 0.4, 0.0));
        let text = sentence(&[&threads, &processes], 1);
        assert!(
            text.contains(
                "disturbed: the lab's own window, sampler and progress kept 0.39 cores busy on average during the \
                 processes run"
            ),
            "{text}"
        );
        assert!(text.ends_with("; run it headless (`concurrency-lab run`) and repeat it."), "{text}");
        // At a quarter of a core, nothing is said.
        let (threads, processes) = gil_runs();
        let text = sentence(&[&with_load(threads, 0.5, 0.5), &processes], 1);
        assert!(!text.contains("disturbed"), "{text}");
    }

    #[test]
    fn identical_runs_that_do_not_overlap_say_the_machine_changed() {
        // The case: the same settings, 1.30 s against 3.00 s.
        let quiet = with_load(run(BackendKind::Threads, &[1.28, 1.3, 1.31]), 0.01, 0.05);
        let loaded = with_load(run(BackendKind::Threads, &[2.95, 3.0, 3.02]), 0.01, 2.1);
        let text = sentence(&[&loaded, &quiet], 0);
        assert!(!text.contains("within noise") && !text.contains("overhead"), "{text}");
        assert!(
            text.starts_with(
                "The threads run and the threads run ran the same experiment, but their repetitions do not overlap \
                 (1.28 s to 1.31 s against 2.95 s to 3.02 s, 2.31×): the machine changed between them"
            ),
            "{text}"
        );
        assert!(
            text.contains("Other programs kept 0.70 cores busy on average during the threads run against 0.04"),
            "{text}"
        );
        assert!(
            text.contains(
                "The comparison is disturbed (more than a quarter of a core during the threads run): close other \
                 programs and repeat it."
            ),
            "the figures are said once: {text}"
        );
        // Nothing else ran more: the change is one the lab does not see.
        let loaded = with_load(run(BackendKind::Threads, &[2.95, 3.0, 3.02]), 0.03, 0.06);
        let text = sentence(&[&loaded, &quiet], 0);
        assert!(text.contains("The accounting shows no change in what else ran"), "{text}");
        assert!(text.contains("the CPU's clock"), "{text}");
        // Without the accounting, it says so.
        let text = sentence(&[&run(BackendKind::Threads, &[2.95, 3.0, 3.02]), &quiet], 0);
        assert!(
            text.ends_with(
                "The lab did not measure what else ran during the threads run, so what changed is not known."
            ),
            "{text}"
        );
    }

    #[test]
    fn identical_single_runs_ask_for_repetitions_without_blaming_anything() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Threads, &[1.0]);
        let text = sentence(&[&a, &b], 0);
        assert!(text.starts_with("The threads run and the threads run ran the same experiment"), "{text}");
        assert!(text.contains("took 1.36× as long in one repetition each"), "{text}");
        assert!(text.contains("not a difference between backends"), "{text}");
        assert!(text.contains("Repetitions (3 or more) would tell the machine's usual spread"), "{text}");
        assert!(!text.contains("the machine did"), "one repetition each shows no change of the machine: {text}");
        assert!(!text.contains("within noise") && !text.contains("overhead"), "{text}");
    }

    #[test]
    fn really_overlapping_repetitions_are_still_within_noise() {
        let a = run(BackendKind::Threads, &[1.0, 1.2, 1.4]);
        let b = run(BackendKind::Threads, &[1.3, 1.5, 1.6]);
        let text = sentence(&[&a, &b], 0);
        assert_eq!(
            text,
            "The threads run and the threads run took the same time within noise (1.25×: their repetitions overlap)."
        );
        let c = run(BackendKind::Processes, &[1.3, 1.5, 1.6]);
        assert!(sentence(&[&a, &c], 0).contains("within noise"));
    }

    #[test]
    fn one_repetition_gives_the_ratio_and_the_mechanism() {
        let cpython = crate::report::sample::cpython();
        let mut threads = run(BackendKind::PythonThreads, &[1.9]);
        threads.python = Some(cpython.clone());
        let mut processes = run(BackendKind::PythonProcesses, &[1.0]);
        processes.python = Some(cpython);
        processes.effective_parallelism = Some(1.95);
        assert_eq!(
            sentence(&[&threads, &processes], 0),
            "The python-processes run was 1.90× faster than the python-threads run in one repetition each: \
             CPython's GIL lets one thread run Python code at a time, so its threads took turns on one core (the \
             python-processes run kept 1.95 cores busy, the python-threads run 1.00). Repetitions (3 or more) would \
             measure how much that varies."
        );
    }

    #[test]
    fn one_repetition_names_the_gil_turns_it_recorded() {
        use crate::engine::GilHold;
        let mut threads = run(BackendKind::Threads, &[1.9]);
        threads.config.gil = true;
        threads.gil_holds = (0..6)
            .map(|i| GilHold { worker: i % 2, start_secs: f64::from(i) * 0.1, end_secs: f64::from(i + 1) * 0.1 })
            .collect();
        let mut processes = run(BackendKind::Processes, &[1.0, 1.01, 1.02]);
        processes.config.gil = true;
        processes.effective_parallelism = Some(1.9);
        let text = sentence(&[&threads, &processes], 0);
        assert!(
            text.contains("1.88× faster than the threads run with a single repetition of the threads run"),
            "{text}"
        );
        assert!(text.contains("threads take turns on one core"), "{text}");
        assert!(text.contains("the GIL changed hands 5 times between its 2 lanes"), "{text}");
        assert!(!text.contains("measurable"), "{text}");
    }

    #[test]
    fn one_repetition_without_a_mechanism_makes_none_up() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Processes, &[1.0]);
        let text = sentence(&[&a, &b], 0);
        assert!(text.contains("1.36× faster than the threads run in one repetition each"), "{text}");
        assert!(
            text.contains("kept 1.00 cores busy, the threads run 1.00, so the measurements show no mechanism"),
            "{text}"
        );
        assert!(!text.contains("overhead") && !text.contains("measurable"), "{text}");
    }

    #[test]
    fn a_blocked_loop_reads_as_a_blocking_call() {
        let mut blocked = run(BackendKind::EventLoop, &[1.0, 1.0]);
        blocked.config.workload = Workload::new(WorkloadKind::BlockingSleep, 100);
        blocked.loop_blocked = Some(true);
        blocked.loop_lag_max_secs = Some(0.9);
        let mut offloaded = run(BackendKind::EventLoopThreads, &[0.1, 0.1]);
        offloaded.config.workload = blocked.config.workload.clone();
        assert_eq!(
            sentence(&[&offloaded, &blocked], 0),
            "The event-loop+threads run was 10.00× faster than the event-loop run: a blocking call held up \
             the event loop of the event-loop run (the loop stalled up to 900.0 ms), and every task on it waited."
        );
    }

    #[test]
    fn failures_and_lone_runs_say_why() {
        let mut failed = run(BackendKind::Processes, &[1.0]);
        failed.outcome = Outcome::Failed;
        failed.error = Some("worker process 1 (pid 7) was killed by signal 9 (SIGKILL)".to_owned());
        let alone = run(BackendKind::Threads, &[1.0]);
        let mut sleep = alone.clone();
        sleep.config.workload = Workload::new(WorkloadKind::Sleep, 5);
        let runs = [&failed, &alone, &sleep];
        assert!(sentence(&runs, 0).contains("killed by signal 9"));
        assert_eq!(sentence(&runs, 2), "The threads run used 1.00 of 2 cores; no other run did the same work.");
    }
}
