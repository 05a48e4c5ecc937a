//! Runs from several machines: a short name for a machine ("EPYC 64-core"), whether two
//! result files came from the same one, and the comparison of the same work across machines.
//! Within one machine the usual rules apply ([`super::comparable`], noise, verdicts); across
//! machines a time is never "within noise" because the two runs were the same experiment (they
//! ran on different hardware), so only the spreads of the repetitions decide. The unit of
//! comparison is a backend's fastest clean run of the work on each machine: "on the EPYC
//! 64-core machine, processes ran 21× faster than threads; here 1.9×", and "processes: 0.71 s
//! here, 0.12 s on EPYC 64-core (5.9× faster there)".

use serde::Serialize;

use super::noise::{Difference, Spread, difference};
use super::{comparable, excluded, groups};
use crate::engine::{BackendKind, Machine, RunResult};

/// "Xeon 2-core", "EPYC 64-core", "Core i7 4-core": the CPU's family and its physical cores
/// (logical ones when those are unknown). "unknown CPU" when the brand was not read.
pub fn machine_label(machine: &Machine) -> String {
    let cores = machine.physical_cores.unwrap_or(machine.logical_cores);
    format!("{} {cores}-core", cpu_family(&machine.cpu_brand))
}

/// The family part of a CPU brand string: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" is
/// "Xeon", "AMD Ryzen 9 5950X 16-Core Processor" is "Ryzen 9", "Intel(R) Core(TM) i7-8550U"
/// is "Core i7", "Apple M2 Pro" is "M2 Pro".
fn cpu_family(brand: &str) -> String {
    const NOISE: [&str; 9] = ["(R)", "(TM)", "(tm)", "(r)", "®", "™", "CPU", "Processor", "processor"];
    let mut cleaned = brand.split('@').next().unwrap_or("").to_owned();
    for word in NOISE {
        cleaned = cleaned.replace(word, " ");
    }
    let vendors = ["Intel", "AMD", "Apple", "ARM", "Qualcomm", "Genuine", "GenuineIntel", "AuthenticAMD"];
    let words: Vec<&str> = cleaned
        .split_whitespace()
        .filter(|w| !vendors.contains(w))
        // "64-Core", "16-Core": the core count is said apart.
        .filter(|w| !w.to_ascii_lowercase().ends_with("-core") && !w.to_ascii_lowercase().ends_with("-cores"))
        // "13th Gen Intel(R) Core(TM) i7-1365U": the generation is not the family.
        .filter(|w| *w != "Gen" && !(w.starts_with(|c: char| c.is_ascii_digit()) && w.ends_with("th")))
        .collect();
    let Some(first) = words.first() else { return "unknown CPU".to_owned() };
    let second = words.get(1).copied().unwrap_or("");
    let family = match *first {
        // "Core i7-8550U" -> "Core i7"; "Ryzen 9 5950X" -> "Ryzen 9".
        "Core" | "Ryzen" if !second.is_empty() => {
            format!("{first} {}", second.split('-').next().unwrap_or(second))
        }
        // Apple's "M2 Pro", "M3 Max".
        f if f.len() <= 3 && f.starts_with('M') && ["Pro", "Max", "Ultra"].contains(&second) => {
            format!("{f} {second}")
        }
        f => f.to_owned(),
    };
    match family.char_indices().nth(MAX_FAMILY_CHARS) {
        Some((end, _)) => format!("{}…", &family[..end]),
        None => family,
    }
}

/// A brand's family is cut to this many characters (a brand string is whatever a file says).
const MAX_FAMILY_CHARS: usize = 24;

/// Whether two result files came from the same machine: the same CPU, core counts and memory
/// (the OS may have been updated in between).
pub fn same_machine(a: &Machine, b: &Machine) -> bool {
    a.cpu_brand == b.cpu_brand
        && a.logical_cores == b.logical_cores
        && a.physical_cores == b.physical_cores
        && a.total_memory_bytes == b.total_memory_bytes
}

/// One backend's fastest clean run of the work on the reference machine and on the other.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BackendAcross {
    pub backend: BackendKind,
    /// Indexes into the runs given: the reference machine's run and the other machine's.
    pub reference_run: usize,
    pub other_run: usize,
    pub reference_secs: f64,
    pub other_secs: f64,
    /// The reference time over the other's: above 1, the other machine was faster.
    pub other_speedup: f64,
    /// Whether the two times are within the noise of their repetitions.
    pub within_noise: bool,
}

/// Two backends' ratio on each machine: how much faster `fast` was than `slow` on the other
/// machine, and the same ratio on the reference machine (below 1 when `slow` won there).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RatioAcross {
    pub fast: BackendKind,
    pub slow: BackendKind,
    pub other_factor: f64,
    pub reference_factor: f64,
}

/// The same work on two machines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MachineComparison {
    /// The group of comparable runs (numbered as [`super::groups`] numbers them).
    pub group: usize,
    /// Indexes of the machines given.
    pub reference: usize,
    pub other: usize,
    /// Every backend that ran the work cleanly on both machines, in the order they first ran.
    pub backends: Vec<BackendAcross>,
    /// The other machine's fastest and slowest backend of those, when there are two.
    pub ratio: Option<RatioAcross>,
}

/// Compares the same work across machines. `machine_of[i]` is the machine of run `i` (an
/// index the caller chose); each machine with comparable clean runs is set against the
/// `reference` machine, group by group. Runs are grouped by [`comparable`], ignoring machines.
pub fn across_machines(runs: &[&RunResult], machine_of: &[usize], reference: usize) -> Vec<MachineComparison> {
    let group_of = groups(runs);
    let group_count = group_of.iter().copied().max().map_or(0, |g| g + 1);
    let mut machines: Vec<usize> = machine_of.to_vec();
    machines.sort_unstable();
    machines.dedup();
    let mut out = Vec::new();
    for group in 0..group_count {
        let in_group = |i: usize| group_of.get(i) == Some(&group) && excluded(runs[i]).is_none();
        for &other in machines.iter().filter(|m| **m != reference) {
            let best = |machine: usize, backend: BackendKind| {
                (0..runs.len())
                    .filter(|&i| in_group(i) && machine_of.get(i) == Some(&machine))
                    .filter(|&i| runs[i].config.backend == backend)
                    .min_by(|&a, &b| runs[a].elapsed_secs.total_cmp(&runs[b].elapsed_secs))
            };
            let mut backends_in_order: Vec<BackendKind> = Vec::new();
            for i in (0..runs.len()).filter(|&i| in_group(i)) {
                if !backends_in_order.contains(&runs[i].config.backend) {
                    backends_in_order.push(runs[i].config.backend);
                }
            }
            let backends: Vec<BackendAcross> = backends_in_order
                .into_iter()
                .filter_map(|backend| {
                    let (r, o) = (best(reference, backend)?, best(other, backend)?);
                    Some(backend_across(runs, backend, r, o))
                })
                .collect();
            if backends.is_empty() {
                continue;
            }
            let ratio = ratio_across(&backends);
            out.push(MachineComparison { group, reference, other, backends, ratio });
        }
    }
    out
}

fn backend_across(runs: &[&RunResult], backend: BackendKind, r: usize, o: usize) -> BackendAcross {
    let (reference_secs, other_secs) = (runs[r].elapsed_secs, runs[o].elapsed_secs);
    let (rs, os) = (Spread::of(runs[r]), Spread::of(runs[o]));
    let gap = if reference_secs <= other_secs { difference(&rs, &os) } else { difference(&os, &rs) };
    BackendAcross {
        backend,
        reference_run: r,
        other_run: o,
        reference_secs,
        other_secs,
        other_speedup: if other_secs > 0.0 { reference_secs / other_secs } else { f64::INFINITY },
        within_noise: matches!(gap, Difference::WithinNoise { .. }),
    }
}

/// The other machine's fastest and slowest backend, and their ratio on both machines.
fn ratio_across(backends: &[BackendAcross]) -> Option<RatioAcross> {
    if backends.len() < 2 {
        return None;
    }
    let fast = backends.iter().min_by(|a, b| a.other_secs.total_cmp(&b.other_secs))?;
    let slow = backends.iter().max_by(|a, b| a.other_secs.total_cmp(&b.other_secs))?;
    if fast.backend == slow.backend || fast.other_secs <= 0.0 || fast.reference_secs <= 0.0 {
        return None;
    }
    Some(RatioAcross {
        fast: fast.backend,
        slow: slow.backend,
        other_factor: slow.other_secs / fast.other_secs,
        reference_factor: slow.reference_secs / fast.reference_secs,
    })
}

/// Whether run `a` on machine `ma` and run `b` on machine `mb` can be compared as the same
/// experiment's runs: the same work on the same machine.
pub fn comparable_on(a: &RunResult, ma: usize, b: &RunResult, mb: usize) -> bool {
    ma == mb && comparable(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::run;

    fn machine(brand: &str, physical: Option<u64>, logical: u64) -> Machine {
        Machine {
            cpu_brand: brand.into(),
            logical_cores: logical,
            physical_cores: physical,
            os: "Linux".into(),
            total_memory_bytes: 1 << 30,
        }
    }

    #[test]
    fn labels_name_the_family_and_the_cores() {
        let cases = [
            ("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", Some(2), 4, "Xeon 2-core"),
            ("AMD EPYC 7763 64-Core Processor", Some(64), 128, "EPYC 64-core"),
            ("AMD EPYC 7763 64-Core", Some(64), 64, "EPYC 64-core"),
            ("AMD Ryzen 9 5950X 16-Core Processor", Some(16), 32, "Ryzen 9 16-core"),
            ("Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz", Some(4), 8, "Core i7 4-core"),
            ("Apple M2 Pro", None, 12, "M2 Pro 12-core"),
            ("13th Gen Intel(R) Core(TM) i7-1365U", Some(10), 12, "Core i7 10-core"),
            ("AMD Ryzen Threadripper PRO 5995WX 64-Cores", Some(64), 128, "Ryzen Threadripper 64-core"),
            ("", None, 2, "unknown CPU 2-core"),
        ];
        for (brand, physical, logical, want) in cases {
            assert_eq!(machine_label(&machine(brand, physical, logical)), want, "{brand}");
        }
        let long = machine(&"Q".repeat(200), Some(1), 1);
        assert!(machine_label(&long).chars().count() < 40, "a hostile brand is cut short");
    }

    #[test]
    fn the_same_machine_is_its_cpu_cores_and_memory() {
        let a = machine("Xeon", Some(2), 2);
        let mut b = a.clone();
        b.os = "Linux 6.9".into();
        assert!(same_machine(&a, &b));
        b.logical_cores = 4;
        assert!(!same_machine(&a, &b));
    }

    /// Machine 0 (here): threads 1.0 s, processes 0.53 s. Machine 1: threads 2.1 s, processes
    /// 0.1 s. And a run of other work on machine 1, compared with nothing.
    fn two_machines() -> (Vec<RunResult>, Vec<usize>) {
        let mut other_work = run(BackendKind::Threads, &[0.3, 0.3, 0.3]);
        other_work.config.tasks = 9;
        let runs = vec![
            run(BackendKind::Threads, &[0.99, 1.0, 1.01]),
            run(BackendKind::Processes, &[0.52, 0.53, 0.54]),
            run(BackendKind::Threads, &[2.0, 2.1, 2.2]),
            run(BackendKind::Processes, &[0.099, 0.1, 0.101]),
            other_work,
        ];
        (runs, vec![0, 0, 1, 1, 1])
    }

    #[test]
    fn the_same_work_is_compared_backend_by_backend_and_as_a_ratio() {
        let (runs, machine_of) = two_machines();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let got = across_machines(&refs, &machine_of, 0);
        assert_eq!(got.len(), 1, "one group ran on both machines: {got:?}");
        let c = &got[0];
        assert_eq!((c.reference, c.other, c.group), (0, 1, 0));
        let threads = c.backends[0];
        assert_eq!((threads.backend, threads.reference_run, threads.other_run), (BackendKind::Threads, 0, 2));
        assert!((threads.other_speedup - 1.0 / 2.1).abs() < 1e-9 && !threads.within_noise);
        let processes = c.backends[1];
        assert!((processes.other_speedup - 5.3).abs() < 1e-9, "{processes:?}");
        let ratio = c.ratio.expect("two backends on both machines");
        assert_eq!((ratio.fast, ratio.slow), (BackendKind::Processes, BackendKind::Threads));
        assert!((ratio.other_factor - 21.0).abs() < 1e-9 && (ratio.reference_factor - 1.0 / 0.53).abs() < 1e-9);
    }

    #[test]
    fn machines_without_the_same_work_are_not_compared() {
        let (runs, mut machine_of) = two_machines();
        let refs: Vec<&RunResult> = runs.iter().collect();
        assert!(across_machines(&refs, &machine_of, 1).iter().all(|c| c.other == 0));
        machine_of = vec![0; 5];
        assert!(across_machines(&refs, &machine_of, 0).is_empty(), "one machine: nothing across");
        assert!(!comparable_on(refs[0], 0, refs[2], 1) && comparable_on(refs[0], 0, refs[2], 0));
    }
    #[test]
    fn the_words_name_both_machines() {
        let (runs, machine_of) = two_machines();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let c = &across_machines(&refs, &machine_of, 0)[0];
        let words = crate::report::text::machine_comparison(c, "EPYC 64-core", None);
        assert_eq!(words[0], "On the EPYC 64-core machine, processes ran 21× faster than threads; here 1.9×.");
        assert_eq!(words[1], "threads: 1.00 s here, 2.10 s on EPYC 64-core (2.1× slower there)");
        assert_eq!(words[2], "processes: 530.0 ms here, 100.0 ms on EPYC 64-core (5.3× faster there)");
        let named = crate::report::text::machine_comparison(c, "EPYC 64-core", Some("Xeon 2-core"));
        assert!(named[0].ends_with("; on the Xeon 2-core machine 1.9×."), "{}", named[0]);
        assert!(named[2].starts_with("processes: 530.0 ms on Xeon 2-core, 100.0 ms on EPYC 64-core"), "{}", named[2]);
        // Seen from the other machine, the order flips: here threads won.
        let back = &across_machines(&refs, &machine_of, 1)[0];
        let words = crate::report::text::machine_comparison(back, "Xeon 2-core", None);
        assert_eq!(words[0], "On the Xeon 2-core machine, processes ran 1.9× faster than threads; here 21×.");
    }

    #[test]
    fn times_within_noise_are_said_so() {
        let runs = [run(BackendKind::Threads, &[1.0, 1.1, 1.2]), run(BackendKind::Threads, &[1.05, 1.15, 1.25])];
        let refs: Vec<&RunResult> = runs.iter().collect();
        let c = &across_machines(&refs, &[0, 1], 0)[0];
        assert!(c.backends[0].within_noise && c.ratio.is_none(), "{c:?}");
        let words = crate::report::text::machine_comparison(c, "EPYC 64-core", None);
        assert_eq!(words, vec!["threads: 1.10 s here, 1.15 s on EPYC 64-core (the same within noise)".to_owned()]);
    }
}
