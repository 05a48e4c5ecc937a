//! What a config may need in memory and temp space at worst, against what the machine has,
//! so that a run that would end in an OOM kill or a full disk is refused up front with the
//! numbers. The estimate counts what grows with the config:
//! - `file`: two buffers of up to one I/O chunk (1 MiB) per task in flight (the data written
//!   comes from one shared chunk; what is read back goes through a buffer), and a temp file
//!   of the task's full size per task in flight, in the temp directory;
//! - threads: a stack per thread (2 MiB, std's default, also tokio's and rayon's);
//! - processes: a worker process's own footprint each.
//!
//! Buffers and processes are touched, so they are compared with the memory available now;
//! stacks are reserved and only touched as deep as a task recurses, so with the stacks
//! counted the whole must fit in the machine's total memory. A cgroup limit (a container)
//! counts as the machine. Read at most once a second: the window validates every frame.

#[cfg(target_os = "linux")]
use std::path::Path;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::config::{ConfigError, ExperimentConfig, WorkloadKind};
use super::io::CHUNK_BYTES;

/// std's default stack for a spawned thread (tokio's and rayon's threads use it too).
pub const THREAD_STACK_BYTES: u64 = 2 << 20;
/// A worker process's own resident memory: `VmRSS` of a release-build `__worker` on Linux
/// x86-64 was 6.4 MiB mid-sleep and 8.2 MiB running ten HTTP requests on its own loop.
pub const WORKER_PROCESS_BYTES: u64 = 8 << 20;
/// A CPython process of the Python backends: the harness measured 24 MiB running `primes`
/// (CPython 3.11, x86-64), a ProcessPoolExecutor worker about 18 MiB.
pub const PYTHON_PROCESS_BYTES: u64 = 24 << 20;

/// Memory and temp space this machine can give a run, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    /// Available now (`MemAvailable`, or less under a cgroup limit).
    pub available: Option<u64>,
    /// In total (`MemTotal`, or a cgroup's limit).
    pub total: Option<u64>,
    /// Free in the temp directory, and which one.
    pub temp_free: Option<u64>,
    pub temp_dir: PathBuf,
}

/// What a config needs at worst.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Need {
    /// Memory that will be touched (buffers, worker processes).
    pub touched_bytes: u64,
    /// Memory reserved for thread stacks.
    pub stack_bytes: u64,
    /// Temp files at once.
    pub temp_bytes: u64,
    /// How the touched figure was reached, for the message.
    pub touched_parts: Vec<String>,
    /// How the stack figure was reached.
    pub stack_parts: Vec<String>,
}

/// What `config` needs at worst.
pub fn need(config: &ExperimentConfig) -> Need {
    let mut need = Need::default();
    let in_flight = config.tasks_in_flight();
    let backend = config.backend;
    if config.workload.kind == WorkloadKind::File {
        let largest_kib = config.workload.size.values().iter().copied().max().unwrap_or(0);
        let file_bytes = largest_kib.saturating_mul(1024);
        // The lab goes in 1 MiB chunks; the Python workload holds the whole file, twice (what
        // it writes and what it reads back).
        let buffer = if backend.is_python() { file_bytes } else { file_bytes.min(CHUNK_BYTES as u64) };
        need.touched_bytes = in_flight.saturating_mul(2).saturating_mul(buffer);
        need.temp_bytes = in_flight.saturating_mul(file_bytes);
        need.touched_parts.push(format!(
            "{} file tasks in flight × 2 buffers of {}",
            super::kinds::thousands(in_flight),
            bytes(buffer)
        ));
    }
    if backend.uses_threads() {
        need.stack_bytes = config.workers.saturating_mul(THREAD_STACK_BYTES);
        need.stack_parts.push(format!(
            "{} threads × {} of stack",
            super::kinds::thousands(config.workers),
            bytes(THREAD_STACK_BYTES)
        ));
    }
    if backend.is_python() {
        // The harness's interpreter, and python-processes' pool workers, fork server and
        // resource tracker.
        let processes = 1 + if backend.uses_processes() { config.workers.saturating_add(2) } else { 0 };
        need.touched_bytes = need.touched_bytes.saturating_add(processes.saturating_mul(PYTHON_PROCESS_BYTES));
        need.touched_parts.push(format!(
            "{} Python processes × {}",
            super::kinds::thousands(processes),
            bytes(PYTHON_PROCESS_BYTES)
        ));
    } else if backend.uses_processes() {
        need.touched_bytes = need.touched_bytes.saturating_add(config.workers.saturating_mul(WORKER_PROCESS_BYTES));
        need.touched_parts.push(format!(
            "{} worker processes × {}",
            super::kinds::thousands(config.workers),
            bytes(WORKER_PROCESS_BYTES)
        ));
    }
    need
}

/// Refuses `config` if its worst case exceeds what this machine has.
pub fn check(config: &ExperimentConfig) -> Result<(), ConfigError> {
    if need(config) == Need::default() {
        return Ok(());
    }
    check_against(config, &resources())
}

/// Refuses `config` if its worst case exceeds `have`.
pub fn check_against(config: &ExperimentConfig, have: &Resources) -> Result<(), ConfigError> {
    let need = need(config);
    // File buffers grow with the tasks in flight; stacks and processes with the workers.
    let field = if config.workload.kind == WorkloadKind::File { config.in_flight_field() } else { "workers" };
    let value = if field == "tasks" { config.tasks } else { config.workers };
    let refuse = |need_bytes: u64, parts: Vec<&String>, have_bytes: u64, have_what: &'static str| ConfigError::Memory {
        field,
        value,
        need: bytes(need_bytes),
        breakdown: parts.into_iter().map(String::as_str).collect::<Vec<_>>().join(" + "),
        have: bytes(have_bytes),
        have_what,
    };
    if let Some(available) = have.available
        && need.touched_bytes > available
    {
        return Err(refuse(need.touched_bytes, need.touched_parts.iter().collect(), available, "available"));
    }
    let whole = need.touched_bytes.saturating_add(need.stack_bytes);
    if let Some(total) = have.total
        && whole > total
    {
        let parts = need.touched_parts.iter().chain(&need.stack_parts).collect();
        return Err(refuse(whole, parts, total, "in total"));
    }
    if let Some(free) = have.temp_free
        && need.temp_bytes > free
    {
        return Err(ConfigError::TempSpace {
            field,
            value,
            need: bytes(need.temp_bytes),
            dir: have.temp_dir.display().to_string(),
            free: bytes(free),
        });
    }
    Ok(())
}

/// What the machine has now (read at most once a second).
pub fn resources() -> Resources {
    static CACHE: Mutex<Option<(Instant, Resources)>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp_dir = std::env::temp_dir();
    if let Some((at, resources)) = cache.as_ref()
        && at.elapsed() < Duration::from_secs(1)
        && resources.temp_dir == temp_dir
    {
        return resources.clone();
    }
    let (available, total) = memory();
    let resources = Resources { available, total, temp_free: super::sys::free_space_bytes(&temp_dir), temp_dir };
    *cache = Some((Instant::now(), resources.clone()));
    resources
}

/// (available, total) memory in bytes: the system's, capped by this process's cgroup.
#[cfg(target_os = "linux")]
fn memory() -> (Option<u64>, Option<u64>) {
    let (mut available, mut total) = match super::sys::meminfo_bytes() {
        Some((available, total)) => (Some(available), Some(total)),
        None => (None, None),
    };
    if let Some((limit, usage)) = cgroup_memory() {
        total = Some(total.map_or(limit, |t| t.min(limit)));
        let room = limit.saturating_sub(usage);
        available = Some(available.map_or(room, |a| a.min(room)));
    }
    (available, total)
}

#[cfg(not(target_os = "linux"))]
fn memory() -> (Option<u64>, Option<u64>) {
    (None, None)
}

/// This process's cgroup memory limit and usage, when it has a limit (v2 or v1). The usage
/// leaves out the page cache the kernel can drop (`inactive_file`, as `docker stats` does):
/// the cgroup's own counter includes it, `MemAvailable` does not.
#[cfg(target_os = "linux")]
fn cgroup_memory() -> Option<(u64, u64)> {
    let read = |path: PathBuf| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let reclaimable = |dir: &Path| -> u64 {
        let stat = std::fs::read_to_string(dir.join("memory.stat")).unwrap_or_default();
        stat.lines()
            .filter_map(|l| l.split_once(' '))
            .find(|(key, _)| *key == "inactive_file" || *key == "total_inactive_file")
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0)
    };
    let groups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in groups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        let (root, limit_file, usage_file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")
        } else {
            continue;
        };
        // Inside a cgroup namespace the group is the root of what is mounted.
        for dir in [PathBuf::from(root).join(path), PathBuf::from(root)] {
            if let (Some(limit), Some(usage)) = (read(dir.join(limit_file)), read(dir.join(usage_file))) {
                // v1 spells "no limit" as a huge number; v2 as "max" (which does not parse).
                if limit < (1 << 60) {
                    return Some((limit, usage.saturating_sub(reclaimable(&dir))));
                }
                break;
            }
        }
    }
    None
}

/// "512 MiB", "2.0 GiB", "64.0 TiB".
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let n = n as f64;
    if n < KIB * KIB {
        format!("{:.0} KiB", n / KIB)
    } else if n < KIB * KIB * KIB {
        format!("{:.0} MiB", n / (KIB * KIB))
    } else if n < KIB * KIB * KIB * KIB {
        format!("{:.1} GiB", n / (KIB * KIB * KIB))
    } else {
        format!("{:.1} TiB", n / (KIB * KIB * KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::{BackendKind, Workload};

    fn file(backend: BackendKind, tasks: u64, workers: u64, kib: u64) -> ExperimentConfig {
        ExperimentConfig {
            backend,
            tasks,
            workers,
            workload: Workload::new(WorkloadKind::File, kib),
            ..Default::default()
        }
    }

    #[test]
    fn file_needs_buffers_and_temp_space_per_task_in_flight() {
        let threads = need(&file(BackendKind::Threads, 100, 4, 64 * 1024));
        assert_eq!(threads.touched_bytes, 4 * 2 * (1 << 20));
        assert_eq!(threads.temp_bytes, 4 * (64 << 20));
        assert_eq!(threads.stack_bytes, 4 * THREAD_STACK_BYTES);
        // Every task in flight on the offloading loop; small files need small buffers.
        let offloading = need(&file(BackendKind::EventLoopThreads, 1000, 2, 4));
        assert_eq!((offloading.touched_bytes, offloading.temp_bytes), (1000 * 2 * 4096, 1000 * 4096));
    }

    #[test]
    fn python_holds_whole_files_and_counts_its_interpreters() {
        // 16 python-threads tasks in flight, each holding its 64 MiB file twice, and the harness.
        let threads = need(&file(BackendKind::PythonThreads, 100, 16, 64 * 1024));
        assert_eq!(threads.touched_bytes, 16 * 2 * (64 << 20) + PYTHON_PROCESS_BYTES);
        // python-processes: the harness, 4 pool workers, the fork server and the resource tracker.
        let processes = need(&file(BackendKind::PythonProcesses, 8, 4, 4));
        assert_eq!(processes.touched_bytes, 4 * 2 * 4096 + 7 * PYTHON_PROCESS_BYTES);
        assert!(processes.touched_parts.iter().any(|p| p == "7 Python processes × 24 MiB"), "{processes:?}");
    }

    #[test]
    fn impossible_configs_are_refused_with_the_numbers() {
        let config = file(BackendKind::EventLoopThreads, 1_000_000, 2, 64 * 1024);
        let msg = check(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("tasks: 1000000 "), "{msg}");
        assert!(msg.contains("1,000,000 file tasks in flight × 2 buffers of 1 MiB"), "{msg}");
        assert!(msg.contains("1.9 TiB"), "{msg}");
    }

    #[test]
    fn stacks_count_against_the_total_and_files_against_the_temp_dir() {
        let have = |available, total, temp_free| Resources {
            available: Some(available),
            total: Some(total),
            temp_free: Some(temp_free),
            temp_dir: PathBuf::from("/tmp"),
        };
        let threads = ExperimentConfig { backend: BackendKind::Threads, workers: 1024, ..Default::default() };
        assert!(check_against(&threads, &have(1 << 30, 4 << 30, 1 << 40)).is_ok(), "stacks are not touched");
        let msg = check_against(&threads, &have(1 << 30, 1 << 30, 1 << 40)).err().map(|e| e.to_string());
        let msg = msg.unwrap_or_default();
        assert!(msg.starts_with("workers: 1024 need about 2.0 GiB"), "{msg}");
        assert!(msg.contains("1,024 threads × 2 MiB of stack") && msg.contains("1.0 GiB in total"), "{msg}");
        let files = file(BackendKind::Threads, 100, 8, 64 * 1024);
        let msg = check_against(&files, &have(1 << 34, 1 << 34, 100 << 20)).err().map(|e| e.to_string());
        let msg = msg.unwrap_or_default();
        assert!(
            msg.contains("workers: 8 need up to 512 MiB of temp files") && msg.contains("/tmp has 100 MiB free"),
            "{msg}"
        );
    }

    #[test]
    fn bytes_read_well() {
        assert_eq!(bytes(4096), "4 KiB");
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
