//! The run's memory. A repetition's `peak_rss_bytes` is the peak resident memory it added to
//! this process above what the process held when it started (the baseline: the window's
//! renderer and fonts, the lab's own code, what earlier runs left cached), plus the peak of
//! each worker process (its own whole footprint: a process is memory the run paid for). The
//! GUI and the CLI hold very different baselines, and this way report the same figure for the
//! same run.
//!
//! Linux: the kernel's high-water mark of this process (`VmHWM`) is reset at the start of the
//! repetition (`/proc/self/clear_refs`), so the in-process peak is exact; where that reset is
//! refused, the highest reading of the sampler (every interval) stands in. A worker's peak is
//! its own high-water mark (`VmHWM`), read just before it is told to exit: not `wait4`'s
//! `ru_maxrss`, which on Linux also counts the app's memory at the moment the worker was started
//! (the child shares the app's memory until it execs), so that a window holding 140 MiB would
//! add 140 MiB per worker. Elsewhere memory is not measured.

/// What this process held when a repetition started.
#[derive(Clone, Copy, Debug)]
pub struct Baseline {
    pub rss_bytes: u64,
    /// The kernel's high-water mark was reset: the peak can be read exactly at the end.
    exact_peak: bool,
}

impl Baseline {
    /// Reads this process's resident memory now and resets its high-water mark. `None` where
    /// resident memory can't be read.
    pub fn take() -> Option<Self> {
        let exact_peak = reset_high_water_mark();
        let rss_bytes = own_status_kib("VmRSS:")? * 1024;
        Some(Self { rss_bytes, exact_peak })
    }

    /// The peak this process reached above the baseline since [`Baseline::take`]: the kernel's
    /// high-water mark when it was reset, else the highest `sampled` reading.
    pub fn peak_above(&self, sampled_max_bytes: Option<u64>) -> u64 {
        let high_water = if self.exact_peak { own_status_kib("VmHWM:").map(|kib| kib * 1024) } else { None };
        let peak = high_water.into_iter().chain(sampled_max_bytes).max().unwrap_or(self.rss_bytes);
        peak.saturating_sub(self.rss_bytes)
    }
}

/// This process's resident memory now.
pub fn own_rss_bytes() -> Option<u64> {
    own_status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// The resident memory of process `pid` now (Linux; `None` elsewhere or when it is gone).
pub fn rss_bytes_of(pid: u32) -> Option<u64> {
    status_kib(&format!("/proc/{pid}/status"), "VmRSS:").map(|kib| kib * 1024)
}

/// The peak resident memory of process `pid` since it started its program (Linux; `None`
/// elsewhere, or once it has exited).
pub fn peak_rss_bytes_of(pid: u32) -> Option<u64> {
    status_kib(&format!("/proc/{pid}/status"), "VmHWM:").map(|kib| kib * 1024)
}

fn own_status_kib(key: &str) -> Option<u64> {
    status_kib("/proc/self/status", key)
}

/// The number after `key` in a `/proc/<pid>/status` file (in KiB for the Vm* lines).
fn status_kib(path: &str, key: &str) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// Resets this process's peak resident memory to its current one (Linux 4.0+: writing "5" to
/// `/proc/self/clear_refs`, which touches nothing else). False when refused or elsewhere.
fn reset_high_water_mark() -> bool {
    cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn memory_touched_after_the_baseline_is_counted_and_freed_memory_is_not_lost() {
        let baseline = Baseline::take().expect("/proc/self/status is readable");
        assert!(baseline.rss_bytes > 1024 * 1024, "{baseline:?}");
        let block = vec![1u8; 64 * 1024 * 1024];
        std::hint::black_box(&block);
        drop(block);
        assert!(baseline.exact_peak, "/proc/self/clear_refs refused to reset the high-water mark");
        let peak = baseline.peak_above(None);
        // Other tests of this binary allocate too: only a floor can be asserted.
        assert!(peak >= 60 * 1024 * 1024, "a freed 64 MiB block still shows in the peak: {peak}");
        let sampled = baseline.peak_above(Some(baseline.rss_bytes + 10 * 1024 * 1024));
        assert!(sampled >= 10 * 1024 * 1024, "a sampled reading counts: {sampled}");
    }
}
