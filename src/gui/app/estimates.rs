//! The estimates shown before Run all backends and Run this preset start (`gui/estimate.rs`),
//! from the configs they would run and this machine's earlier runs in the history.

use crate::engine::{ExperimentConfig, RunResult, logical_cores};

use super::super::estimate::Estimate;
use super::super::panels::controls::all_backend_configs;
use super::super::sweeps::Plan;
use super::LabApp;

impl LabApp {
    fn estimate(&self, configs: &[ExperimentConfig]) -> Estimate {
        let earlier: Vec<&RunResult> =
            (self.history.entries().iter()).filter(|e| e.source.is_this_machine()).map(|e| &e.result).collect();
        Estimate::new(configs, &earlier, logical_cores())
    }

    /// How long Run all backends would take, in words; `None` when it can't run.
    pub fn run_all_estimate(&self) -> Option<String> {
        let configs = all_backend_configs(&self.settings.config, &self.all_backends()).ok()?;
        let configs: Vec<ExperimentConfig> = configs.iter().map(|c| (**c).clone()).collect();
        Some(self.estimate(&configs).words())
    }

    /// How long Run this preset would take (every point of a sweep preset), in words.
    pub fn preset_estimate(&self) -> Option<String> {
        let preset = self.loaded_preset.as_ref()?;
        let configs = self.preset_configs(preset);
        let configs = match &preset.sweep {
            Some(spec) => Plan::new(spec.clone(), &configs).ok()?.configs.iter().map(|c| (**c).clone()).collect(),
            None => configs,
        };
        Some(self.estimate(&configs).words())
    }
}
