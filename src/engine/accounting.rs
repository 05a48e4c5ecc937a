//! Who kept the cores busy while a run ran: the run itself, the rest of the lab's own process,
//! or everything else on the machine (ARCHITECTURE.md, "Accounting for every core").
//!
//! Linux only (elsewhere nothing is split, and the result says null):
//! - **the machine**: the busy ticks of every core in `/proc/stat`;
//! - **the lab**: the threads this process had before the run started (the main thread, the
//!   window and its renderer, the probes), except the thread that runs the experiment, plus
//!   the sampler thread: each one's time on a CPU from `/proc/self/task/TID/schedstat`;
//! - **the run**: the rest of this process (`CLOCK_PROCESS_CPUTIME_ID` minus the lab's
//!   threads: the workers, the dispatcher, protocol readers, the loopback server), plus the
//!   run's processes: those it registered (`sampler::Pids`: worker processes, the Python
//!   harness and its pool) and their descendants (found through `/proc/PID/task/TID/children`),
//!   each counted once with its own and its reaped children's times from `/proc/PID/stat`, and
//!   this process's reaped children (a worker's time moves there when it is reaped);
//! - **other**: the machine's busy time minus the two, never below zero.
//!
//! The kernel does not say on which core a thread's time was spent, so the split is a total
//! over all cores; the per-core figures stay the machine's.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::result::CoreSplit;
use super::sys;

/// The lab's own threads, with the CPU time each had when last read (a thread that ends
/// keeps its last reading, so the lab's total never goes down; what it used after that
/// reading, at most one sampling interval's, counts as the run's). A thread that starts during
/// the run is the lab's by its name: the window's helpers are `lab-ui-*` (Save PNG, Export,
/// Open, file dialogs, the Python probe) and Mesa's software renderer's `llvmpipe-*` (Save PNG
/// renders offscreen); the run's own threads are `lab-worker-*`, `lab-loop`, `lab-proc-*` and
/// so on, never those.
#[derive(Debug, Default)]
pub struct LabThreads(Mutex<Known>);

#[derive(Debug, Default)]
struct Known {
    lab: HashMap<u32, f64>,
    /// What retired lab threads used (their ids may be reused by the run's threads).
    retired_secs: f64,
    /// Threads seen and found not to be the lab's (the run's), never looked at again.
    not_lab: HashSet<u32>,
}

impl LabThreads {
    /// Every thread of this process now, except the calling one: called by the thread about
    /// to run the experiment, before the run starts any thread of its own.
    pub fn snapshot() -> Self {
        let caller = sys::current_thread_id();
        let tids: Vec<u32> = own_thread_ids().into_iter().filter(|&tid| Some(tid) != caller).collect();
        let threads = Self::of(&tids);
        if let Some(caller) = caller {
            threads.known().not_lab.insert(caller);
        }
        threads
    }

    /// The ids of every thread of this process now, the calling one included (cheap: one
    /// directory listing). The window notes them before each frame between runs, so that when
    /// a run starts it knows its own threads from the run's (`gui/frame_limit.rs`).
    pub fn ids_now() -> Vec<u32> {
        own_thread_ids()
    }

    /// These threads of this process (those still running), from now on.
    pub fn of(tids: &[u32]) -> Self {
        let lab = tids.iter().filter_map(|&tid| Some((tid, thread_cpu_secs(tid)?))).collect();
        Self(Mutex::new(Known { lab, retired_secs: 0.0, not_lab: HashSet::new() }))
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts the calling thread as the lab's (the sampler, from its first reading on).
    pub fn add_current(&self) {
        if let Some(tid) = sys::current_thread_id() {
            let secs = thread_cpu_secs(tid).unwrap_or(0.0);
            self.known().lab.entry(tid).or_insert(secs);
        }
    }

    /// The calling thread ends (the sampler, at the end of its repetition): its time so far
    /// stays the lab's, and its id, which the kernel may give to a thread of the run's next
    /// repetition, is forgotten.
    pub fn retire_current(&self) {
        if let Some(tid) = sys::current_thread_id() {
            let mut known = self.known();
            if let Some(last) = known.lab.remove(&tid) {
                known.retired_secs += thread_cpu_secs(tid).unwrap_or(last).max(last);
            }
            known.not_lab.remove(&tid);
        }
    }

    /// The lab's threads' CPU seconds so far (each read afresh where it still runs), after
    /// sorting the threads that started since the last call by their names.
    pub fn secs(&self) -> f64 {
        let mut known = self.known();
        for tid in own_thread_ids() {
            if known.lab.contains_key(&tid) || known.not_lab.contains(&tid) {
                continue;
            }
            let name = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).unwrap_or_default();
            if is_lab_thread(name.trim_end()) {
                // Started during the run: all of its time is the run's time.
                known.lab.insert(tid, 0.0);
            } else {
                known.not_lab.insert(tid);
            }
        }
        for (tid, secs) in known.lab.iter_mut() {
            if let Some(now) = thread_cpu_secs(*tid) {
                *secs = secs.max(now);
            }
        }
        known.lab.values().sum::<f64>() + known.retired_secs
    }
}

/// Whether a thread that started during a run is the lab's, by its name (`comm`).
fn is_lab_thread(name: &str) -> bool {
    name.starts_with("lab-ui-") || name.starts_with("llvmpipe")
}

/// One reading of every counter the split needs, in CPU seconds so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    machine_busy_secs: f64,
    process_secs: f64,
    lab_secs: f64,
    descendants_secs: f64,
}

impl Reading {
    /// `None` where the counters can't be read (not Linux, no `/proc`). `processes` are the
    /// run's live processes (their descendants are found here).
    pub fn take(lab: &LabThreads, processes: &[u32]) -> Option<Self> {
        if !cfg!(target_os = "linux") {
            return None;
        }
        let ticks = sys::clock_ticks_per_sec()? as f64;
        let machine_busy_secs = machine_busy_ticks()? as f64 / ticks;
        let process_secs = sys::process_cpu_secs()?;
        let lab_secs = lab.secs();
        let descendants_secs = descendants_ticks(processes)? as f64 / ticks;
        Some(Self { machine_busy_secs, process_secs, lab_secs, descendants_secs })
    }
}

impl Reading {
    /// The reading a fraction `at` (0..=1) of the way from `self` to `later`, as if every
    /// counter grew evenly between them.
    fn towards(&self, later: &Reading, at: f64) -> Reading {
        let mix = |a: f64, b: f64| a + (b - a) * at.clamp(0.0, 1.0);
        Reading {
            machine_busy_secs: mix(self.machine_busy_secs, later.machine_busy_secs),
            process_secs: mix(self.process_secs, later.process_secs),
            lab_secs: mix(self.lab_secs, later.lab_secs),
            descendants_secs: mix(self.descendants_secs, later.descendants_secs),
        }
    }
}

/// A repetition's totals from its first reading to `end_secs` on the run's clock (the last
/// task's end, where elapsed ends: what the backend does after it, joining threads, reaping
/// workers, an interpreter's exit, is left out), the counters there interpolated between the
/// readings around it (every sampling interval). `None` without readings. The flag says a
/// reading fell strictly inside the repetition: without one, it was shorter than one sampling
/// interval and its totals are the whole bracket's, pro-rated.
pub fn totals_until(readings: &[(f64, Reading)], end_secs: f64) -> Option<(Totals, bool)> {
    let (_, first) = readings.first()?;
    let interior = readings.iter().any(|&(t, _)| t > 0.0 && t < end_secs);
    let after = readings.iter().position(|&(t, _)| t >= end_secs);
    let end = match after {
        Some(0) => *first,
        Some(k) => {
            let ((t0, r0), (t1, r1)) = (readings[k - 1], readings[k]);
            let span = t1 - t0;
            r0.towards(&r1, if span > 0.0 { (end_secs - t0) / span } else { 1.0 })
        }
        None => readings.last()?.1,
    };
    Some((Totals::between(first, &end), interior))
}

/// CPU seconds between two readings, by whose they were.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub run_secs: f64,
    pub lab_secs: f64,
    pub other_secs: f64,
}

impl Totals {
    pub fn between(earlier: &Reading, later: &Reading) -> Self {
        let lab_secs = (later.lab_secs - earlier.lab_secs).max(0.0);
        let in_process = (later.process_secs - earlier.process_secs - lab_secs).max(0.0);
        let descendants = (later.descendants_secs - earlier.descendants_secs).max(0.0);
        let run_secs = in_process + descendants;
        let machine = (later.machine_busy_secs - earlier.machine_busy_secs).max(0.0);
        Self { run_secs, lab_secs, other_secs: (machine - run_secs - lab_secs).max(0.0) }
    }

    /// Over `wall_secs` of wall-clock time: how many cores' worth each kept busy.
    pub fn per_wall_sec(&self, wall_secs: f64) -> Option<CoreSplit> {
        (wall_secs > 0.0).then(|| CoreSplit {
            run_cores: (self.run_secs / wall_secs) as f32,
            lab_cores: (self.lab_secs / wall_secs) as f32,
            other_cores: (self.other_secs / wall_secs) as f32,
        })
    }
}

fn own_thread_ids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
}

/// A thread of this process's time on a CPU (`schedstat`'s first field, in nanoseconds).
fn thread_cpu_secs(tid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 / 1e9)
}

/// The busy ticks of all cores together (`/proc/stat`'s per-core lines summed).
fn machine_busy_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    Some(super::sampler::parse_proc_stat(&text)?.iter().map(|&(busy, _)| busy).sum())
}

/// Ticks of `processes` and everything descended from them, each counted once (its own and
/// its reaped children's), plus this process's reaped children: what the run's processes
/// used, whichever of them has ended by now.
fn descendants_ticks(processes: &[u32]) -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, reaped) = stat_ticks(&own)?;
    let mut total = reaped;
    let mut pending = processes.to_vec();
    let mut seen = std::collections::HashSet::new();
    while let Some(pid) = pending.pop() {
        if !seen.insert(pid) || seen.len() > 100_000 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        if let Some((own, reaped)) = stat_ticks(&text) {
            total += own + reaped;
        }
        pending.extend(children_of(pid));
    }
    Some(total)
}

/// The child processes of every thread of process `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut children = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(text.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    children
}

/// `(utime + stime, cutime + cstime)` from a `/proc/PID/stat` line. The command name is in
/// parentheses and may hold spaces and parentheses itself, so fields count from the last `)`.
pub fn stat_ticks(text: &str) -> Option<(u64, u64)> {
    let after = &text[text.rfind(')')? + 1..];
    // After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
    // cmajflt utime(14) stime cutime cstime.
    let fields: Vec<&str> = after.split_whitespace().take(15).collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<i64>().ok().and_then(|v| u64::try_from(v).ok());
    Some((field(14)? + field(15)?, field(16)? + field(17)?))
}

#[cfg(test)]
mod tests;
