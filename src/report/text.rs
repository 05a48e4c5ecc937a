//! The report's values in words. Every front end says the same thing the same way; each picks
//! its own presentation around these words (a table cell, a coloured line, a footnote). Runs
//! are named by the caller: the CLI by backend ("the threads run"), the window by history
//! entry ("run #3 (threads)").

mod comparison;
mod load;

pub use comparison::verdict;

use super::format::{duration, or_na};
use super::{BackendAcross, GilCheck, GilHolders, Load, MachineComparison, Note, NoteKind, RatioAcross, Relative};
use crate::engine::RunResult;

/// Said under a table with a [`Relative::Faster`] measured in a single repetition.
pub const UNCONFIRMED: &str = "unconfirmed: one repetition each, so how much the times vary between repetitions is \
     not known yet (3 or more repetitions would measure it)";

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
        Relative::MachineChanged { factor, than, repeated: true } => {
            format!("{factor:.2}× apart from the same experiment on {}: the machine changed", name(than))
        }
        Relative::MachineChanged { factor, than, repeated: false } => {
            format!("{factor:.2}× apart from the same experiment on {}, once each: repeat both", name(than))
        }
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

/// "CPU: run 1.32 s · lab 20.0 ms · other programs 410.0 ms": who kept the machine's cores
/// busy during a run (the run itself, the rest of the lab's process, everything else); `None`
/// without the engine's accounting (not Linux, an older file).
pub fn cpu_split(run: &RunResult) -> Option<String> {
    if run.lab_cpu_secs.is_none() && run.other_cpu_secs.is_none() {
        return None;
    }
    let secs = |value: Option<f64>| or_na(value, duration);
    Some(format!(
        "CPU: run {} · lab {} · other programs {}",
        secs(run.cpu_secs),
        secs(run.lab_cpu_secs),
        secs(run.other_cpu_secs)
    ))
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
        NoteKind::BusyMachine { lab_cores, other_cores } => {
            let load = Load { lab_cores: *lab_cores, other_cores: *other_cores };
            format!(
                "busy machine: {} during this run; above a quarter of a core that disturbs its times ({})",
                load::load_words(&load),
                load::advice(load.others_busy(), load.lab_busy())
            )
        }
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
    use crate::engine::BackendKind;
    use crate::report::sample::{run, with_load};
    use crate::report::{Severity, notes};

    #[test]
    fn relative_cells_and_notes() {
        let name = |i: usize| ["event-loop", "threads"][i].to_owned();
        let faster = Relative::Faster { factor: 2.0, than: 0, measurable: true };
        assert_eq!(relative(&faster, &name), "2.00× faster than event-loop");
        let unconfirmed = Relative::Faster { factor: 2.0, than: 0, measurable: false };
        assert_eq!(relative(&unconfirmed, &name), "2.00× faster than event-loop, unconfirmed");
        assert_eq!(relative(&Relative::WithinNoise { factor: 1.01, than: 1 }, &name), "within noise of threads");
        let changed = Relative::MachineChanged { factor: 2.31, than: 1, repeated: true };
        assert_eq!(relative(&changed, &name), "2.31× apart from the same experiment on threads: the machine changed");
        let mut r = run(BackendKind::EventLoop, &[1.0]);
        r.loop_lag_max_secs = Some(0.25);
        r.loop_lag_p99_secs = Some(0.2);
        r.loop_blocked = Some(true);
        let lag = &notes(&r)[0];
        assert_eq!(lag.severity, Severity::Warning);
        assert!(note(lag).starts_with("loop lag max 250.0 ms, p99 200.0 ms — BLOCKED"), "{}", note(lag));
        assert!(!UNCONFIRMED.contains("measurable"), "a factor measured once is still measured");
    }

    #[test]
    fn a_busy_machine_note_says_who_took_how_much_and_what_to_do() {
        let others = with_load(run(BackendKind::Threads, &[2.0]), 0.02, 1.2);
        let busy = &notes(&others)[0];
        assert_eq!(
            note(busy),
            "busy machine: other programs kept 0.60 cores busy on average during this run; above a quarter of a \
             core that disturbs its times (close other programs and repeat it)"
        );
        let window = with_load(run(BackendKind::Threads, &[2.0]), 0.8, 0.1);
        let words = note(&notes(&window)[0]);
        assert!(
            words.contains("kept 0.05 cores busy on average and the lab's own window, sampler and progress 0.40"),
            "{words}"
        );
        assert!(words.ends_with("(run it headless (`concurrency-lab run`) and repeat it)"), "{words}");
    }

    #[test]
    fn the_cpu_line_names_every_part() {
        let mut r = with_load(run(BackendKind::Threads, &[1.32]), 0.02, 0.41);
        assert_eq!(cpu_split(&r).as_deref(), Some("CPU: run 1.32 s · lab 20.0 ms · other programs 410.0 ms"));
        r.other_cpu_secs = None;
        assert_eq!(cpu_split(&r).as_deref(), Some("CPU: run 1.32 s · lab 20.0 ms · other programs n/a"));
        assert_eq!(cpu_split(&run(BackendKind::Threads, &[1.32])), None, "no accounting: nothing to add");
    }
}
