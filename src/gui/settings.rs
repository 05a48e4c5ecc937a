//! What the lab remembers across restarts (eframe persistence, settings only — results never go
//! through eframe storage): the experiment controls, the size last used for each workload, and
//! the folder files were last saved to.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engine::{ExperimentConfig, Workload, WorkloadKind};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: ExperimentConfig,
    /// The size last picked for each workload, so switching kinds and back keeps it.
    pub size_by_workload: BTreeMap<String, u64>,
    /// Where PNGs and data were last saved.
    pub save_dir: Option<PathBuf>,
}

impl Settings {
    /// Switches the workload kind, restoring the size last used with it.
    pub fn set_workload_kind(&mut self, kind: WorkloadKind) {
        let current = &self.config.workload;
        if current.kind == kind {
            return;
        }
        if let Some(&size) = current.size.values().first() {
            self.size_by_workload.insert(current.kind.name().to_owned(), size);
        }
        let size = self.size_by_workload.get(kind.name()).copied().unwrap_or_else(|| kind.default_size());
        self.config.workload = Workload::new(kind, size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_workloads_keeps_each_kinds_size() {
        let mut settings = Settings::default();
        settings.config.workload = Workload::new(WorkloadKind::Primes, 5_000);
        settings.set_workload_kind(WorkloadKind::Sleep);
        assert_eq!(settings.config.workload.size.values(), [WorkloadKind::Sleep.default_size()]);
        settings.set_workload_kind(WorkloadKind::Primes);
        assert_eq!(settings.config.workload.size.values(), [5_000]);
    }
}
