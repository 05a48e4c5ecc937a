//! The accounting in words: what the lab and other programs took during a run ("other
//! programs kept 0.60 cores busy on average and the lab's own window, sampler and progress
//! 0.01"), what changed between two runs of one experiment, the sentence that says a comparison
//! is disturbed, and what to do about it (close other programs, run headless, repeat).

use super::super::{Comparison, Load};
use super::capitalized;

/// A change in the lab's or other programs' load smaller than this (in cores) is no change.
const SAME_LOAD_CORES: f64 = 0.1;

/// What the accounting shows changed between two runs of one experiment.
pub(super) fn what_changed(c: &Comparison, fast: &str, slow: &str) -> String {
    let (Some(f), Some(s)) = (c.fast_load, c.slow_load) else {
        let which = match (c.fast_load, c.slow_load) {
            (None, None) => "either run",
            (None, Some(_)) => fast,
            _ => slow,
        };
        return format!("The lab did not measure what else ran during {which}, so what changed is not known.");
    };
    let mut changes = Vec::new();
    if (s.other_cores - f.other_cores).abs() >= SAME_LOAD_CORES {
        changes.push(format!(
            "other programs kept {:.2} cores busy on average during {slow} against {:.2} during {fast}",
            s.other_cores, f.other_cores
        ));
    }
    if (s.lab_cores - f.lab_cores).abs() >= SAME_LOAD_CORES {
        changes.push(format!("the lab's own window and sampler {:.2} cores against {:.2}", s.lab_cores, f.lab_cores));
    }
    if changes.is_empty() {
        format!(
            "The accounting shows no change in what else ran (other programs {:.2} and {:.2} cores, the lab {:.2} and \
             {:.2}), so what changed is something the lab does not see: the CPU's clock, its caches, memory or the \
             scheduler.",
            s.other_cores, f.other_cores, s.lab_cores, f.lab_cores
        )
    } else {
        capitalized(&format!("{}.", changes.join(", and ")))
    }
}

/// The sentence that says a comparison is disturbed: which run, by how much (unless the
/// sentence before gave the `figures`), and what to do.
pub(super) fn disturbed(c: &Comparison, fast: &str, slow: &str, figures: bool) -> String {
    let busy: Vec<(&str, Load)> = [(slow, c.slow_load), (fast, c.fast_load)]
        .into_iter()
        .filter_map(|(n, l)| Some((n, l.filter(Load::busy)?)))
        .collect();
    let others: Vec<(f64, &str)> =
        busy.iter().filter(|(_, l)| l.others_busy()).map(|(n, l)| (l.other_cores, *n)).collect();
    let lab: Vec<(f64, &str)> = busy.iter().filter(|(_, l)| l.lab_busy()).map(|(n, l)| (l.lab_cores, *n)).collect();
    let advice = advice(!others.is_empty(), !lab.is_empty());
    if !figures {
        let names: Vec<&str> = busy.iter().map(|(name, _)| *name).collect();
        return format!(
            "The comparison is disturbed (more than a quarter of a core during {}): {advice}.",
            names.join(" and ")
        );
    }
    let mut parts = Vec::new();
    if !others.is_empty() {
        parts.push(format!("other programs kept {}", per_run(&others)));
    }
    if !lab.is_empty() {
        parts.push(format!("the lab's own window, sampler and progress kept {}", per_run(&lab)));
    }
    format!(
        "The comparison is disturbed: {} (more than a quarter of a core), so these times measure the machine as well \
         as the backends; {advice}.",
        parts.join("; ")
    )
}

/// "0.60 cores busy on average during the threads run and 0.31 during the processes run".
fn per_run(cores: &[(f64, &str)]) -> String {
    let each = cores.iter().enumerate().map(|(i, (cores, name))| {
        if i == 0 {
            format!("{cores:.2} cores busy on average during {name}")
        } else {
            format!("{cores:.2} during {name}")
        }
    });
    each.collect::<Vec<_>>().join(" and ")
}

/// Below this many cores, a load that did not disturb the run goes unsaid.
const NEGLIGIBLE_CORES: f64 = 0.05;

/// "other programs kept 0.60 cores busy on average and the lab's own window, sampler and
/// progress 0.10": the parts that disturbed the run or were not negligible.
pub(super) fn load_words(load: &Load) -> String {
    let lab = "the lab's own window, sampler and progress";
    let show_other = load.others_busy() || load.other_cores >= NEGLIGIBLE_CORES;
    let show_lab = load.lab_busy() || load.lab_cores >= NEGLIGIBLE_CORES;
    match (show_other, show_lab) {
        (true, true) => {
            format!("other programs kept {:.2} cores busy on average and {lab} {:.2}", load.other_cores, load.lab_cores)
        }
        (false, true) => format!("{lab} kept {:.2} cores busy on average", load.lab_cores),
        _ => format!("other programs kept {:.2} cores busy on average", load.other_cores),
    }
}

/// What to do about a disturbed run: "close other programs and repeat it".
pub(super) fn advice(others: bool, lab: bool) -> String {
    let mut steps = Vec::new();
    if others {
        steps.push("close other programs");
    }
    if lab {
        steps.push("run it headless (`concurrency-lab run`)");
    }
    steps.push("repeat it");
    let last = steps.pop().unwrap_or_default();
    let first = steps.join(", ");
    if first.is_empty() { last.to_owned() } else { format!("{first} and {last}") }
}
