//! What the lab remembers across restarts (eframe persistence, settings only — results never go
//! through eframe storage): the experiment controls, the size last used for each workload, the
//! Sweep mode's form, and the folder files were last saved to. What comes back from storage is untrusted (an older
//! version wrote it, or a hand edit): [`Settings::load`] keeps only what this version would
//! offer, and falls back to the defaults for the rest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use eframe::Storage;

use super::sweeps::SweepForm;
use crate::engine::{BackendKind, ExperimentConfig, Workload, WorkloadKind};

/// The longest sweep value list kept from storage (a typed list is far shorter).
const MAX_STORED_VALUES_CHARS: usize = 1000;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: ExperimentConfig,
    /// The size last picked for each workload, so switching kinds and back keeps it.
    pub size_by_workload: BTreeMap<String, u64>,
    /// Where PNGs and data were last saved.
    pub save_dir: Option<PathBuf>,
    /// The Sweep mode's form as it was left (the app's own copy is `Sweeps::form`; this one
    /// carries it through storage).
    pub sweep: SweepForm,
}

impl Settings {
    /// The stored settings, checked: a backend the window does not offer (a test-only one, or
    /// one this version no longer has) becomes the default, hidden test switches are off, a
    /// config the engine would refuse is brought into bounds or reset, and remembered sizes
    /// out of their workload's bounds are forgotten.
    pub fn load(storage: Option<&dyn Storage>) -> Self {
        storage.and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY)).unwrap_or_default().checked()
    }

    fn checked(mut self) -> Self {
        let defaults = ExperimentConfig::default();
        let config = &mut self.config;
        if !BackendKind::USER_FACING.contains(&config.backend) && !BackendKind::PYTHON.contains(&config.backend) {
            config.backend = defaults.backend;
        }
        config.panic_every = 0;
        config.http_bind_addr = None;
        config.tasks = config.tasks.clamp(1, crate::engine::MAX_TASKS);
        config.workers = config.workers.clamp(1, config.max_workers().0);
        if config.validate().is_err() {
            // The interpreter and its start method are the user's settings, not the experiment's.
            let (python, start_method) = (config.python.take(), config.start_method);
            *config = ExperimentConfig { backend: config.backend, python, start_method, ..defaults };
        }
        let offered = |b: &BackendKind| BackendKind::USER_FACING.contains(b) || BackendKind::PYTHON.contains(b);
        self.sweep.backends.retain(offered);
        if self.sweep.values.len() > MAX_STORED_VALUES_CHARS {
            self.sweep.values = SweepForm::default().values;
        }
        self.size_by_workload.retain(|kind, size| {
            kind.parse::<WorkloadKind>().is_ok_and(|k| (k.size_bounds().0..=k.size_bounds().1).contains(size))
        });
        self
    }

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

    /// eframe's storage, in memory: the same RON round trip as the real file.
    #[derive(Default)]
    struct Memory(BTreeMap<String, String>);

    impl Storage for Memory {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_owned(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    fn stored(settings: &Settings) -> Memory {
        let mut storage = Memory::default();
        eframe::set_value(&mut storage, eframe::APP_KEY, settings);
        storage
    }

    #[test]
    fn hidden_backends_and_bad_values_fall_back_to_defaults() {
        let mut saved = Settings::default();
        saved.config.backend = BackendKind::Mock;
        saved.config.workers = 0;
        saved.config.panic_every = 3;
        saved.size_by_workload.insert("fib".into(), 99);
        saved.size_by_workload.insert("sleep".into(), 20);
        saved.size_by_workload.insert("nonsense".into(), 1);
        let loaded = Settings::load(Some(&stored(&saved)));
        assert_eq!(loaded.config.backend, ExperimentConfig::default().backend);
        assert_eq!((loaded.config.workers, loaded.config.panic_every), (1, 0));
        assert!(loaded.config.validate().is_ok());
        assert_eq!(loaded.size_by_workload.into_iter().collect::<Vec<_>>(), vec![("sleep".to_owned(), 20)]);
    }

    #[test]
    fn the_sweep_form_comes_back_with_only_offered_backends() {
        use crate::engine::Vary;
        use crate::gui::sweeps::Mode;
        let mut saved = Settings::default();
        saved.sweep.mode = Mode::Sweep;
        saved.sweep.vary = Vary::Tasks;
        saved.sweep.values = "1..1024:x2".to_owned();
        saved.sweep.backends = vec![BackendKind::Threads, BackendKind::Mock, BackendKind::EventLoop];
        saved.sweep.backends_picked = true;
        let loaded = Settings::load(Some(&stored(&saved)));
        assert_eq!((loaded.sweep.mode, loaded.sweep.vary), (Mode::Sweep, Vary::Tasks));
        assert_eq!(loaded.sweep.values, "1..1024:x2");
        assert_eq!(loaded.sweep.backends, vec![BackendKind::Threads, BackendKind::EventLoop]);
        assert!(loaded.sweep.backends_picked);

        saved.sweep.values = "1,".repeat(MAX_STORED_VALUES_CHARS);
        assert_eq!(Settings::load(Some(&stored(&saved))).sweep.values, SweepForm::default().values);
    }

    #[test]
    fn unreadable_settings_are_the_defaults_and_good_ones_are_kept() {
        let mut garbage = Memory::default();
        garbage.set_string(eframe::APP_KEY, "(config: (backend: \"fibers\"))".to_owned());
        assert_eq!(Settings::load(Some(&garbage)).config, ExperimentConfig::default());
        let mut good = Settings::default();
        good.config.backend = BackendKind::Rayon;
        good.config.workers = 3;
        assert_eq!(Settings::load(Some(&stored(&good))).config, good.config);
    }

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
