//! `compare`'s output: result files from several machines side by side. Per file its machine;
//! then per group of runs that did the same work (`report::comparable`, whatever the machine),
//! each backend's time on each machine in columns, and the report's sentences across machines
//! ("On the EPYC 64-core machine, processes ran 21× faster than threads; on the Xeon 2-core
//! machine 1.9×."). Files from one machine share its column. Pure: files in, text or JSON out.

use serde::Serialize;

use super::format::{bytes, duration};
use super::load::Loaded;
use crate::engine::{BackendKind, Machine, RunResult};
use crate::report::{self, MachineComparison, across_machines, excluded, groups, machine_label, same_machine, text};

/// The runs of every file, with the machine each ran on.
pub struct Comparison<'a> {
    files: &'a [Loaded],
    /// Distinct machines, in the order their first file was given.
    machines: Vec<&'a Machine>,
    /// Each machine's column heading: its label, made unique with a file name when two
    /// machines share one.
    labels: Vec<String>,
    machine_of_file: Vec<usize>,
    runs: Vec<&'a RunResult>,
    machine_of: Vec<usize>,
    group_of: Vec<usize>,
}

impl<'a> Comparison<'a> {
    pub fn new(files: &'a [Loaded]) -> Self {
        let mut machines: Vec<&Machine> = Vec::new();
        let mut first_file: Vec<usize> = Vec::new();
        let machine_of_file: Vec<usize> = (files.iter().enumerate())
            .map(|(f, loaded)| match machines.iter().position(|m| same_machine(m, &loaded.file.machine)) {
                Some(i) => i,
                None => {
                    machines.push(&loaded.file.machine);
                    first_file.push(f);
                    machines.len() - 1
                }
            })
            .collect();
        let plain: Vec<String> = machines.iter().map(|m| machine_label(m)).collect();
        let labels = (plain.iter().zip(&first_file))
            .map(|(label, &f)| {
                let shared = plain.iter().filter(|l| *l == label).count() > 1;
                if shared { format!("{label} ({})", file_name(&files[f])) } else { label.clone() }
            })
            .collect();
        let (mut runs, mut machine_of) = (Vec::new(), Vec::new());
        for (loaded, &machine) in files.iter().zip(&machine_of_file) {
            runs.extend(loaded.file.runs.iter());
            machine_of.extend(std::iter::repeat_n(machine, loaded.file.runs.len()));
        }
        let group_of = groups(&runs);
        Self { files, machines, labels, machine_of_file, runs, machine_of, group_of }
    }

    fn group_count(&self) -> usize {
        self.group_of.iter().copied().max().map_or(0, |g| g + 1)
    }

    /// The machines that ran group `group`, in order.
    fn machines_in(&self, group: usize) -> Vec<usize> {
        let mut machines: Vec<usize> =
            (0..self.runs.len()).filter(|&i| self.group_of[i] == group).map(|i| self.machine_of[i]).collect();
        machines.sort_unstable();
        machines.dedup();
        machines
    }

    /// Group `group` across machines, against the first machine that ran it.
    fn across(&self, group: usize) -> Vec<MachineComparison> {
        let Some(&reference) = self.machines_in(group).first() else { return Vec::new() };
        across_machines(&self.runs, &self.machine_of, reference).into_iter().filter(|c| c.group == group).collect()
    }

    /// Each machine's row cells of group `group`: per (backend, workers) in order of first
    /// appearance, the fastest clean run's time on each machine, or why there is none.
    fn rows(&self, group: usize, machines: &[usize]) -> Vec<Row> {
        let members: Vec<usize> = (0..self.runs.len()).filter(|&i| self.group_of[i] == group).collect();
        let mut keys: Vec<(BackendKind, u64)> = Vec::new();
        for &i in &members {
            let key = (self.runs[i].config.backend, self.runs[i].config.workers);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let repeated = |backend: BackendKind| keys.iter().filter(|(b, _)| *b == backend).count() > 1;
        keys.iter()
            .map(|&(backend, workers)| {
                let name = if repeated(backend) {
                    format!("{backend} ({workers} {})", backend.workers_meaning())
                } else {
                    backend.to_string()
                };
                let cells = machines
                    .iter()
                    .map(|&m| {
                        let of_key: Vec<&RunResult> = (members.iter())
                            .filter(|&&i| self.machine_of[i] == m)
                            .map(|&i| self.runs[i])
                            .filter(|r| r.config.backend == backend && r.config.workers == workers)
                            .collect();
                        let best = (of_key.iter())
                            .filter(|r| excluded(r).is_none())
                            .min_by(|a, b| a.elapsed_secs.total_cmp(&b.elapsed_secs));
                        match (best, of_key.first()) {
                            (Some(r), _) => Some(cell(r)),
                            (None, Some(r)) => Some(r.outcome.name().to_owned()),
                            (None, None) => None,
                        }
                    })
                    .collect();
                Row { name, cells }
            })
            .collect()
    }

    /// The comparison as text, for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (loaded, &m) in self.files.iter().zip(&self.machine_of_file) {
            out += &format!(
                "{}: {} — {} ({} runs)\n",
                loaded.path.display(),
                self.labels[m],
                describe_machine(self.machines[m]),
                loaded.file.runs.len()
            );
            for note in &loaded.notes {
                out += &format!("  note: {note}\n");
            }
        }
        for group in 0..self.group_count() {
            let Some(first) = self.group_of.iter().position(|g| *g == group) else { continue };
            out += &format!("\n{}\n", self.runs[first].config.describe_work());
            let machines = self.machines_in(group);
            let rows = self.rows(group, &machines);
            let headings: Vec<&str> = machines.iter().map(|&m| self.labels[m].as_str()).collect();
            out += &table(&headings, &rows);
            let across = self.across(group);
            if across.is_empty() && machines.len() < 2 {
                out += &format!("  (only on {})\n", headings.first().copied().unwrap_or("one machine"));
            }
            for c in &across {
                for sentence in text::machine_comparison(c, &self.labels[c.other], Some(&self.labels[c.reference])) {
                    out += &format!("  {sentence}\n");
                }
            }
        }
        if self.runs.is_empty() {
            out += "\nThe files hold no runs.\n";
        }
        out
    }

    /// The comparison as JSON: the machines, and per group its rows and its comparisons across
    /// machines, each beside its words.
    pub fn json(&self) -> serde_json::Result<Vec<u8>> {
        #[derive(Serialize)]
        struct Out<'b> {
            files: Vec<FileOut<'b>>,
            groups: Vec<GroupOut>,
        }
        #[derive(Serialize)]
        struct FileOut<'b> {
            path: String,
            machine: &'b Machine,
            label: &'b str,
            runs: usize,
            notes: &'b [String],
        }
        #[derive(Serialize)]
        struct GroupOut {
            work: String,
            machines: Vec<String>,
            rows: Vec<Row>,
            across: Vec<report::Worded<MachineComparison>>,
        }
        let files = (self.files.iter().zip(&self.machine_of_file))
            .map(|(f, &m)| FileOut {
                path: f.path.display().to_string(),
                machine: self.machines[m],
                label: &self.labels[m],
                runs: f.file.runs.len(),
                notes: &f.notes,
            })
            .collect();
        let groups = (0..self.group_count())
            .filter_map(|group| {
                let first = self.group_of.iter().position(|g| *g == group)?;
                let machines = self.machines_in(group);
                let across = (self.across(group).into_iter())
                    .map(|c| {
                        let words =
                            text::machine_comparison(&c, &self.labels[c.other], Some(&self.labels[c.reference]));
                        report::Worded { text: words.join(" "), value: c }
                    })
                    .collect();
                Some(GroupOut {
                    work: self.runs[first].config.describe_work(),
                    rows: self.rows(group, &machines),
                    machines: machines.iter().map(|&m| self.labels[m].clone()).collect(),
                    across,
                })
            })
            .collect();
        let mut out = serde_json::to_vec_pretty(&Out { files, groups })?;
        out.push(b'\n');
        Ok(out)
    }
}

/// One row of a group's table: a backend (with its workers when it ran with several) and its
/// time on each machine (`None`: it did not run there).
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Row {
    name: String,
    cells: Vec<Option<String>>,
}

/// "1.23 s", with the spread of its repetitions when there were several.
fn cell(run: &RunResult) -> String {
    if run.repetitions.len() > 1 {
        format!("{} (median of {})", duration(run.elapsed_secs), run.repetitions.len())
    } else {
        duration(run.elapsed_secs)
    }
}

fn table(headings: &[&str], rows: &[Row]) -> String {
    let name_width = rows.iter().map(|r| r.name.chars().count()).chain([7]).max().unwrap_or(7);
    let widths: Vec<usize> = (headings.iter().enumerate())
        .map(|(c, h)| {
            let cells = rows.iter().filter_map(|r| r.cells.get(c).cloned().flatten()).map(|s| s.chars().count());
            cells.chain([h.chars().count(), 1]).max().unwrap_or(1)
        })
        .collect();
    let line = |name: &str, cells: Vec<String>| {
        let mut s = format!("  {name:<name_width$}");
        for (cell, width) in cells.iter().zip(&widths) {
            s += &format!("  {cell:<width$}");
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line("backend", headings.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        out += &line(&row.name, row.cells.iter().map(|c| c.clone().unwrap_or_else(|| "—".to_owned())).collect());
    }
    out
}

/// "AMD EPYC 7763 64-Core Processor, 64 physical / 128 logical cores, 251.0 GiB, Linux".
fn describe_machine(m: &Machine) -> String {
    let cores = match m.physical_cores {
        Some(p) => format!("{p} physical / {} logical cores", m.logical_cores),
        None => format!("{} logical cores", m.logical_cores),
    };
    let brand = if m.cpu_brand.is_empty() { "an unknown CPU" } else { &m.cpu_brand };
    let brand = crate::presets::clip(brand, 80);
    format!("{brand}, {cores}, {}, {}", bytes(m.total_memory_bytes), crate::presets::clip(&m.os, 80))
}

fn file_name(loaded: &Loaded) -> String {
    loaded.path.file_name().map_or_else(|| loaded.path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::{ResultFile, Stats};
    use crate::export::sample;

    fn loaded(name: &str, brand: &str, cores: u64, times: &[(BackendKind, f64)]) -> Loaded {
        let mut file = sample::file();
        file.machine =
            Machine { cpu_brand: brand.into(), physical_cores: Some(cores), logical_cores: cores, ..file.machine };
        file.runs = times.iter().map(|&(b, t)| sample::repeated(b, &[t * 0.99, t, t * 1.01])).collect();
        Loaded { path: PathBuf::from(name), file, notes: Vec::new() }
    }

    #[test]
    fn two_machines_side_by_side_with_the_sentences() {
        use BackendKind::{Processes, Threads};
        let files = [
            loaded("laptop.json", "Intel(R) Xeon(R) CPU @ 2.2GHz", 2, &[(Threads, 1.0), (Processes, 0.53)]),
            loaded("server.json", "AMD EPYC 7763 64-Core", 64, &[(Threads, 2.1), (Processes, 0.1)]),
        ];
        let text = Comparison::new(&files).text();
        assert!(text.starts_with("laptop.json: Xeon 2-core — Intel(R) Xeon(R) CPU @ 2.2GHz, 2 physical"), "{text}");
        assert!(text.contains("server.json: EPYC 64-core — AMD EPYC 7763 64-Core, 64 physical / 64 logical"), "{text}");
        assert!(text.contains("  backend    Xeon 2-core"), "{text}");
        assert!(
            text.contains(
                "On the EPYC 64-core machine, processes ran 21× faster than threads; on the Xeon 2-core machine 1.9×."
            ),
            "{text}"
        );
        assert!(
            text.contains("processes: 530.0 ms on Xeon 2-core, 100.0 ms on EPYC 64-core (5.3× faster there)"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&Comparison::new(&files).json().expect("json")).expect("parses");
        assert_eq!(json["groups"][0]["machines"], serde_json::json!(["Xeon 2-core", "EPYC 64-core"]));
        assert_eq!(json["groups"][0]["across"][0]["ratio"]["fast"], "processes");
        assert_eq!(json["files"][1]["label"], "EPYC 64-core");
    }

    #[test]
    fn one_machines_files_share_a_column_and_twin_labels_are_told_apart() {
        let files = [
            loaded("a.json", "Xeon A", 2, &[(BackendKind::Threads, 1.0)]),
            loaded("b.json", "Xeon A", 2, &[(BackendKind::Processes, 0.5)]),
            loaded("c.json", "Xeon B", 2, &[(BackendKind::Threads, 1.0)]),
        ];
        let c = Comparison::new(&files);
        assert_eq!(c.labels, vec!["Xeon 2-core (a.json)", "Xeon 2-core (c.json)"]);
        assert_eq!(c.machine_of_file, vec![0, 0, 1]);
        let text = c.text();
        assert!(text.contains("threads: 1.00 s on Xeon 2-core (a.json), 1.00 s on Xeon 2-core (c.json)"), "{text}");
    }

    #[test]
    fn other_work_and_unfinished_runs_are_shown_but_not_compared() {
        let mut files = [
            loaded("a.json", "Xeon", 2, &[(BackendKind::Threads, 1.0)]),
            loaded("b.json", "EPYC", 64, &[(BackendKind::Threads, 0.2)]),
        ];
        files[1].file.runs[0].outcome = crate::engine::Outcome::Failed;
        files[1].file.runs.push(RunResult {
            stats: Stats::of(&[0.3]),
            ..sample::run(BackendKind::Rayon, 0.3, crate::engine::Outcome::Completed)
        });
        files[1].file.runs[1].config.tasks = 7;
        let text = Comparison::new(&files).text();
        assert!(text.contains("failed"), "{text}");
        assert!(!text.contains("faster there") && !text.contains("slower there"), "{text}");
        assert!(text.contains("(only on EPYC 64-core)"), "{text}");
        let empty = [Loaded {
            path: PathBuf::from("e.json"),
            file: ResultFile::new(sample::file().machine, vec![]),
            notes: vec![],
        }];
        assert!(Comparison::new(&empty).text().contains("The files hold no runs."));
    }
}
