//! The report's values in words. Every front end says the same thing the same way; each picks
//! its own presentation around these words (a table cell, a coloured line, a footnote). Runs
//! are named by the caller: the CLI by backend ("the threads run"), the window by history
//! entry ("run #3 (threads)").

use super::format::duration;
use super::{
    BackendAcross, Excluded, Finding, GilCheck, GilHolders, MachineComparison, NoiseRule, Note, NoteKind, RatioAcross,
    Reason, Relative, Verdict,
};
use crate::engine::RunResult;

/// Said under a table with a [`Relative::Faster`] that is not measurable yet.
pub const UNCONFIRMED: &str = "unconfirmed: one repetition each, so the spread between repetitions is unknown and the \
     difference is not yet measurable (run 3 or more repetitions)";

/// The relative-speed cell of a table: "1.80× faster than threads", "within noise of threads".
pub fn relative(relative: &Relative, name: &dyn Fn(usize) -> String) -> String {
    match *relative {
        Relative::Slowest => "slowest".to_owned(),
        Relative::Alone => "—".to_owned(),
        Relative::Faster { factor, than, measurable: true } => format!("{factor:.2}× faster than {}", name(than)),
        Relative::Faster { factor, than, measurable: false } => {
            format!("{factor:.2}× faster than {}, unconfirmed", name(than))
        }
        Relative::WithinNoise { than, .. } => format!("within noise of {}", name(than)),
        Relative::NotCompared { .. } => "not compared".to_owned(),
    }
}

/// "1.97 of 2 cores", or that it was not measured.
pub fn cores_used(parallelism: Option<f64>, cores: u64) -> String {
    match parallelism {
        Some(p) => format!("{p:.2} of {cores} cores"),
        None => "an unmeasured number of cores".to_owned(),
    }
}

/// The verdict as one sentence. `name(i)` names run `i` as a noun phrase ("the threads run",
/// "run #3 (threads)"); `cores` is the machine's core count. A lone run's sentence ends where
/// the front end may add how to get a comparison.
pub fn verdict(verdict: &Verdict, runs: &[&RunResult], name: &dyn Fn(usize) -> String, cores: u64) -> String {
    let sentence = match verdict {
        Verdict::NotCompared { subject, why } => not_compared(runs.get(*subject).copied(), *why),
        Verdict::Alone { subject, parallelism } => {
            format!("{} used {}; no other run did the same work.", name(*subject), cores_used(*parallelism, cores))
        }
        Verdict::Compared(c) => {
            let (fast, slow, factor) = (name(c.fast), name(c.slow), c.factor);
            match c.finding {
                Finding::WithinNoise { rule: NoiseRule::SameConfig } => format!(
                    "{fast} and {slow} ran the same experiment, so their {factor:.2}× difference is within noise: \
                     the machine's own variation, not a difference between backends."
                ),
                Finding::WithinNoise { rule } => format!(
                    "{fast} and {slow} took the same time within noise ({factor:.2}×: {}).",
                    match rule {
                        NoiseRule::WithinSpread => "the medians differ by less than the spread of the repetitions",
                        NoiseRule::Negligible => "less than 2%, within a machine's drift between runs",
                        _ => "their repetitions overlap",
                    }
                ),
                Finding::NotYetMeasurable => format!(
                    "{fast} was {factor:.2}× faster than {slow} in one repetition each, which is not yet a \
                     measurable difference: how much repetitions vary is unknown. Run 3 or more repetitions \
                     to tell it from noise."
                ),
                Finding::Faster { reason } => {
                    let why = because(reason, &fast, &slow);
                    format!("{fast} was {factor:.2}× faster than {slow}: {why}.")
                }
            }
        }
    };
    capitalized(&sentence)
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

/// "Real CPython threads were 1.90× slower than CPython processes; the lab's emulated GIL gave
/// 2.00×."
pub fn gil_check(check: &GilCheck) -> String {
    /// Within this ratio the two took "about as long".
    const SAME_WITHIN: f64 = 1.10;
    let python = &check.implementation;
    let gil_off = if check.gil_off { " (GIL off)" } else { "" };
    let real = check.real_factor;
    let mut text = if real < SAME_WITHIN && real > 1.0 / SAME_WITHIN {
        format!("Real {python} threads{gil_off} took about as long as {python} processes ({real:.2}×)")
    } else if real >= 1.0 {
        format!("Real {python} threads{gil_off} were {real:.2}× slower than {python} processes")
    } else {
        format!("Real {python} threads{gil_off} were {:.2}× faster than {python} processes", 1.0 / real)
    };
    if let Some(emulated) = &check.emulated {
        text.push_str(&format!("; the lab's emulated GIL gave {:.2}×", emulated.factor));
    }
    text + "."
}

/// One note in words.
pub fn note(note: &Note) -> String {
    match &note.kind {
        NoteKind::Error { message } => message.clone(),
        NoteKind::TasksFailed { failed, total } => format!("{failed} of {total} tasks failed"),
        NoteKind::Workload { text } => (*text).to_owned(),
        NoteKind::LoopLag { max_secs, p99_secs, blocked } => {
            let blocked = if *blocked {
                " — BLOCKED: the loop stalled for more than 100 ms (asyncio's slow-callback threshold)"
            } else {
                ""
            };
            format!("loop lag max {}, p99 {}{blocked}", duration(*max_secs), duration(*p99_secs))
        }
        NoteKind::Orders { distinct, repetitions } => {
            let orders = if *distinct == 1 { "order" } else { "orders" };
            let deterministic = if *distinct == 1 && *repetitions > 1 { " (deterministic)" } else { "" };
            let plural = if *repetitions == 1 { "" } else { "s" };
            format!("{distinct} distinct {orders} of task steps in {repetitions} repetition{plural}{deterministic}")
        }
        NoteKind::Python { label, executable, startup_secs, start_method, http_client } => {
            let mut words = format!("{label} ({executable})");
            if let Some(secs) = startup_secs {
                words.push_str(&format!(", start-up and imports {} (not in elapsed)", duration(*secs)));
            }
            if let Some(method) = start_method {
                words.push_str(&format!(", start method {method}"));
            }
            if let Some(client) = http_client {
                words.push_str(&format!(", HTTP client {client}"));
            }
            words
        }
        NoteKind::Gil { holders, recorded, dropped } => {
            let mut words = match holders {
                GilHolders::OwnEach { processes: 1 } => "1 worker process held a GIL of its own".to_owned(),
                GilHolders::OwnEach { processes } => {
                    format!("{processes} worker processes each held a GIL of their own")
                }
                GilHolders::Alone => "one lane held the GIL, with no other to hand it to".to_owned(),
                GilHolders::Shared { lanes, handovers } => {
                    let times = if *handovers == 1 { "once".to_owned() } else { format!("{handovers} times") };
                    format!("the GIL changed hands {times} between {lanes} lanes")
                }
            };
            if *dropped > 0 {
                words.push_str(&format!(
                    "; {dropped} more holds past the first {recorded} were counted but not recorded"
                ));
            }
            words
        }
    }
}

/// Where a cross-machine sentence's reference machine is: "here" (this machine) or "on the
/// Xeon 2-core machine".
fn reference_phrase(reference: Option<&str>) -> String {
    reference.map_or_else(|| "here".to_owned(), |r| format!("on the {r} machine"))
}

/// A factor as the cross-machine sentences say it: "21×", "5.9×", "1.04×".
fn times(factor: f64) -> String {
    match factor {
        f if f >= 9.95 => format!("{f:.0}×"),
        f if f >= 1.1 => format!("{f:.1}×"),
        f => format!("{f:.2}×"),
    }
}

/// "On the EPYC 64-core machine, processes ran 21× faster than threads; here 1.9×." The
/// reference machine is `None` for this one ("here") or its label.
pub fn ratio_across(ratio: &RatioAcross, other: &str, reference: Option<&str>) -> String {
    let (fast, slow) = (ratio.fast, ratio.slow);
    let there = format!("on the {other} machine, {fast} ran {} faster than {slow}", times(ratio.other_factor));
    let reference = reference_phrase(reference);
    let here = if ratio.reference_factor >= 1.0 {
        format!("{reference} {}", times(ratio.reference_factor))
    } else {
        format!("{reference} {slow} ran {} faster than {fast}", times(1.0 / ratio.reference_factor))
    };
    capitalized(&format!("{there}; {here}."))
}

/// "processes: 710.0 ms here, 120.0 ms on EPYC 64-core (5.9× faster there)".
pub fn backend_across(b: &BackendAcross, other: &str, reference: Option<&str>) -> String {
    let reference = reference.map_or_else(|| "here".to_owned(), |r| format!("on {r}"));
    let how = if b.within_noise {
        "the same within noise".to_owned()
    } else if b.other_speedup >= 1.0 {
        format!("{} faster there", times(b.other_speedup))
    } else {
        format!("{} slower there", times(1.0 / b.other_speedup))
    };
    format!("{}: {} {reference}, {} on {other} ({how})", b.backend, duration(b.reference_secs), duration(b.other_secs))
}

/// Every sentence of a comparison across machines: the ratio first, then backend by backend.
pub fn machine_comparison(c: &MachineComparison, other: &str, reference: Option<&str>) -> Vec<String> {
    let ratio = c.ratio.as_ref().map(|r| ratio_across(r, other, reference));
    ratio.into_iter().chain(c.backends.iter().map(|b| backend_across(b, other, reference))).collect()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BackendKind, Outcome, Workload, WorkloadKind};
    use crate::report::sample::run;
    use crate::report::{Severity, notes, verdict as judge};

    fn the(runs: &[&RunResult]) -> impl Fn(usize) -> String {
        let names: Vec<String> = runs.iter().map(|r| format!("the {} run", r.config.backend)).collect();
        move |i| names[i].clone()
    }

    fn sentence(runs: &[&RunResult], subject: usize) -> String {
        verdict(&judge(runs, subject), runs, &the(runs), 2)
    }

    #[test]
    fn a_measured_win_names_its_reason() {
        let mut threads = run(BackendKind::Threads, &[2.0, 2.01, 2.02]);
        threads.config.gil = true;
        let mut processes = run(BackendKind::Processes, &[1.02, 1.025, 1.03]);
        processes.config.gil = true;
        processes.effective_parallelism = Some(1.95);
        assert_eq!(
            sentence(&[&threads, &processes], 1),
            "The processes run was 1.96× faster than the threads run: with the GIL on, threads take turns on one core."
        );
    }

    #[test]
    fn identical_runs_read_within_noise() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Threads, &[1.0]);
        let text = sentence(&[&a, &b], 0);
        assert!(text.starts_with("The threads run and the threads run ran the same experiment"), "{text}");
        assert!(text.contains("within noise") && !text.contains("overhead"), "{text}");
    }

    #[test]
    fn a_single_repetition_asks_for_more() {
        let a = run(BackendKind::Threads, &[1.36]);
        let b = run(BackendKind::Processes, &[1.0]);
        let text = sentence(&[&a, &b], 0);
        assert!(text.contains("1.36× faster") && text.contains("not yet a measurable difference"), "{text}");
        assert!(text.contains("Run 3 or more repetitions"), "{text}");
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

    #[test]
    fn relative_cells_and_notes() {
        let name = |i: usize| ["event-loop", "threads"][i].to_owned();
        let faster = Relative::Faster { factor: 2.0, than: 0, measurable: true };
        assert_eq!(relative(&faster, &name), "2.00× faster than event-loop");
        let unconfirmed = Relative::Faster { factor: 2.0, than: 0, measurable: false };
        assert_eq!(relative(&unconfirmed, &name), "2.00× faster than event-loop, unconfirmed");
        assert_eq!(relative(&Relative::WithinNoise { factor: 1.01, than: 1 }, &name), "within noise of threads");
        let mut r = run(BackendKind::EventLoop, &[1.0]);
        r.loop_lag_max_secs = Some(0.25);
        r.loop_lag_p99_secs = Some(0.2);
        r.loop_blocked = Some(true);
        let lag = &notes(&r)[0];
        assert_eq!(lag.severity, Severity::Warning);
        assert!(note(lag).starts_with("loop lag max 250.0 ms, p99 200.0 ms — BLOCKED"), "{}", note(lag));
    }
}
