//! What this machine can give: core count, the per-user process limit (threads count
//! against it too) and the open-files limit, read before a run so impossible worker counts
//! are refused up front.

use super::sys;

/// Logical cores available to this process (at least 1). Read once: std reads cgroup files
/// for it, and the GUI asks every frame.
pub fn logical_cores() -> u64 {
    static CORES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(1))
}

/// The soft `RLIMIT_NPROC`, or `None` when unlimited.
pub fn process_limit() -> Option<u64> {
    sys::process_limit()
}

/// The hard `RLIMIT_NOFILE` (how far a run may raise its open-files limit), or `None`.
pub fn open_files_limit() -> Option<u64> {
    sys::open_files_hard_limit()
}

/// Threads (tasks, in kernel terms) that count against `RLIMIT_NPROC` for this user now.
/// Linux: the threads of every process owned by our real uid. Elsewhere: our own threads
/// are unknown, so 0.
pub fn user_tasks_in_use() -> u64 {
    #[cfg(target_os = "linux")]
    {
        linux_user_tasks().unwrap_or(0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

#[cfg(target_os = "linux")]
fn linux_user_tasks() -> Option<u64> {
    let my_uid = status_field(&std::fs::read_to_string("/proc/self/status").ok()?, "Uid:")?;
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else { continue };
        if status_field(&status, "Uid:") == Some(my_uid) {
            total += status_field(&status, "Threads:").unwrap_or(1);
        }
    }
    Some(total)
}

/// The first number after `key` in a `/proc/<pid>/status` text.
#[cfg(target_os = "linux")]
fn status_field(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn counts_our_own_threads() {
        // This test's own thread and the harness's main thread belong to this user.
        assert!(user_tasks_in_use() >= 2);
    }
}
