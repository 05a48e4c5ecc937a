//! Facts about the machine a result came from (sysinfo), stored with every result file.

use serde::{Deserialize, Serialize};
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use super::limits;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu_brand: String,
    pub logical_cores: u64,
    pub physical_cores: Option<u64>,
    pub os: String,
    pub total_memory_bytes: u64,
}

impl Machine {
    /// Reads the machine's facts; fields sysinfo can't read are left empty, never guessed.
    pub fn detect() -> Self {
        let refresh = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing())
            .with_memory(MemoryRefreshKind::nothing().with_ram());
        let system = System::new_with_specifics(refresh).ok();
        let cpu_brand =
            system.as_ref().and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_owned())).unwrap_or_default();
        Self {
            cpu_brand,
            logical_cores: limits::logical_cores(),
            physical_cores: System::physical_core_count().ok().map(|n| n as u64),
            os: System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_owned()),
            total_memory_bytes: system.as_ref().map(System::total_memory).unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_cores_and_memory() {
        let m = Machine::detect();
        if let Some(physical) = m.physical_cores {
            assert!((1..=m.logical_cores).contains(&physical), "{physical} physical, {} logical", m.logical_cores);
        }
        assert!(!m.os.is_empty());
        if cfg!(target_os = "linux") {
            assert!(m.total_memory_bytes > 0);
        }
    }
}
