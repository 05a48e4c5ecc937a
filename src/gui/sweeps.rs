//! Sweeps in the window: the Sweep mode's form (the parameter, its values in the command
//! line's syntax, the backends), the sweeps run so far (each its spec and the history ids of
//! its points, in the order they finished), the one in progress with its estimate of the time
//! left, and a sweep waiting for the user to confirm it. The points are ordinary runs in the
//! history, run one after another by the run controller; the charts are drawn from them each
//! frame (`plots::sweep`).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::engine::{
    BackendKind, ExperimentConfig, Outcome, RunResult, SweepSpec, ValidConfig, Vary, parse_sweep_values,
};
use crate::report::{SweepReport, sweep_report};
use crate::shared::MAX_UNCONFIRMED_RUNS;

use super::history::{History, RunId};

/// What the experiment panel's Run button does: one run, or a sweep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    #[default]
    Run,
    Sweep,
}

/// The Sweep mode's controls (remembered across restarts, in the settings).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepForm {
    pub mode: Mode,
    pub vary: Vary,
    /// As typed: `1,2,4,8`, `1..16` or `1..1024:x2`.
    pub values: String,
    /// The backends to sweep on: the experiment's backend until the user (or a preset) picks.
    pub backends: Vec<BackendKind>,
    /// The user (or a preset) picked the backends.
    pub backends_picked: bool,
}

impl Default for SweepForm {
    fn default() -> Self {
        Self {
            mode: Mode::Run,
            vary: Vary::Workers,
            values: "1,2,4,8".to_owned(),
            backends: Vec::new(),
            backends_picked: false,
        }
    }
}

/// A sweep ready to run: its spec and every point, validated.
#[derive(Clone, Debug)]
pub struct Plan {
    pub spec: SweepSpec,
    pub configs: Vec<ValidConfig>,
    /// Points × (repetitions + warm-ups): what the command line counts against its limit.
    pub runs: u64,
}

impl Plan {
    /// Plans `spec` on each of `configs` (one per backend); the engine's message names the
    /// first point it refuses.
    pub fn new(spec: SweepSpec, configs: &[ExperimentConfig]) -> Result<Self, String> {
        if configs.is_empty() {
            return Err("sweep: pick at least one backend".to_owned());
        }
        let points = spec.points(configs).map_err(|e| e.to_string())?;
        let runs = points.iter().map(|c| u64::from(c.repeat) + u64::from(c.warmup)).sum();
        Ok(Self { spec, configs: points, runs })
    }

    /// The form's sweep on `base`: its values parsed as the command line parses them.
    pub fn from_form(form: &SweepForm, base: &ExperimentConfig) -> Result<Self, String> {
        let values = parse_sweep_values(form.values.trim()).map_err(|e| format!("values: {e}"))?;
        let configs: Vec<ExperimentConfig> =
            form.backends.iter().map(|&backend| ExperimentConfig { backend, ..base.clone() }).collect();
        Self::new(SweepSpec { vary: form.vary, values }, &configs)
    }

    /// Over the command line's limit (where it asks for `--yes`): the window asks first.
    pub fn needs_confirmation(&self) -> bool {
        self.runs > MAX_UNCONFIRMED_RUNS
    }

    /// "12 points, 36 runs with repetitions and warm-ups".
    pub fn describe(&self) -> String {
        let points = self.configs.len();
        if self.runs == points as u64 {
            format!("{points} points, one run each")
        } else {
            format!("{points} points, {} runs with repetitions and warm-ups", self.runs)
        }
    }
}

/// One sweep: what it varies and the runs of its points.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub spec: SweepSpec,
    /// The history ids of its finished points, in the order they finished.
    pub points: Vec<RunId>,
    /// How many points it was to have.
    pub planned: usize,
    /// Points that ran and failed (not drawn: a failed run measured nothing comparable).
    pub failed: usize,
    /// Runs of its own that are not points: the one Stop cut short, the failed ones.
    others: Vec<RunId>,
    /// When the last point ended (or the sweep started), and how long each point took.
    last_end: Instant,
    durations: Vec<f64>,
    pub running: bool,
}

impl Sweep {
    /// Whether the run is one of this sweep's, a point or not.
    pub fn owns(&self, id: RunId) -> bool {
        self.points.contains(&id) || self.others.contains(&id)
    }

    /// Points that ended, measured or failed.
    pub fn done(&self) -> usize {
        self.points.len() + self.failed
    }

    /// The time left once a point is in. Points run value by value, each value on every
    /// backend, and a workers sweep's first values are its slowest: so the estimate is the last
    /// value's points (one per backend), not the average since the start.
    pub fn remaining_secs(&self) -> Option<f64> {
        if !self.running || self.durations.is_empty() {
            return None;
        }
        let backends = (self.planned / self.spec.values.len().max(1)).max(1);
        let recent = &self.durations[self.durations.len().saturating_sub(backends)..];
        let per_point = recent.iter().sum::<f64>() / recent.len() as f64;
        Some(per_point * self.planned.saturating_sub(self.done()) as f64)
    }

    /// Its points still in the history, with their ids (a deleted run drops out).
    pub fn runs<'h>(&self, history: &'h History) -> (Vec<RunId>, Vec<&'h RunResult>) {
        self.points.iter().filter_map(|&id| history.get(id).map(|e| (id, &e.result))).unzip()
    }

    /// The report on its points, on a machine of `cores` physical cores, and their ids (the
    /// report's run indices index them).
    pub fn report(&self, history: &History, cores: u64) -> (SweepReport, Vec<RunId>) {
        let (ids, runs) = self.runs(history);
        (sweep_report(&runs, &self.spec, cores), ids)
    }

    /// "workers = 1, 2, 4, 8 · 5 of 8 points".
    pub fn caption(&self) -> String {
        let values: Vec<String> = self.spec.values.iter().map(u64::to_string).collect();
        let state = if self.running {
            " · running"
        } else if self.done() < self.planned {
            " · stopped"
        } else {
            ""
        };
        let failed = if self.failed > 0 { format!(" ({} failed)", self.failed) } else { String::new() };
        format!(
            "{} = {} · {} of {} points{failed}{state}",
            self.spec.vary,
            values.join(", "),
            self.points.len(),
            self.planned
        )
    }
}

/// "about 40 s left", "about 3 min left": an estimate, rounded as one.
pub fn about_left(secs: f64) -> String {
    if secs < 60.0 {
        format!("about {} s left", ((secs / 5.0).ceil() * 5.0).max(5.0))
    } else {
        format!("about {} min left", (secs / 60.0).round().max(1.0))
    }
}

#[derive(Debug, Default)]
pub struct Sweeps {
    pub form: SweepForm,
    sweeps: Vec<Sweep>,
    /// A sweep over the limit, shown in a confirmation dialog until answered.
    pending: Option<Plan>,
    /// The machine's physical cores: the fits of CPU work stop there, and the chart marks it.
    pub cores: u64,
    /// Where the shown sweep's points were drawn last frame, by run.
    pub points_on_screen: Vec<(RunId, eframe::egui::Pos2)>,
}

impl Sweeps {
    pub fn new(cores: u64) -> Self {
        Self { cores, ..Self::default() }
    }

    /// The form set to a preset's sweep (its parameter, values and backends), in Sweep mode.
    pub fn fill_form(&mut self, spec: &SweepSpec, backends: &[BackendKind]) {
        self.form.mode = Mode::Sweep;
        self.form.vary = spec.vary;
        self.form.values = spec.values.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        (self.form.backends, self.form.backends_picked) = (backends.to_vec(), true);
    }

    /// A sweep of `planned` points starts (its runs are the next ones to finish).
    pub fn begin(&mut self, spec: SweepSpec, planned: usize) {
        self.end();
        let (points, durations, last_end) = (Vec::new(), Vec::new(), Instant::now());
        let others = Vec::new();
        self.sweeps.push(Sweep { spec, points, planned, failed: 0, others, last_end, durations, running: true });
    }

    /// A run ended: a point of the sweep in progress, if there is one. A run that was
    /// stopped is not a point; one that failed counts as done but is not drawn.
    pub fn finished(&mut self, id: RunId, outcome: Outcome) {
        let Some(sweep) = self.sweeps.last_mut().filter(|s| s.running) else { return };
        match outcome {
            Outcome::Completed => sweep.points.push(id),
            Outcome::Cancelled => return sweep.others.push(id),
            _ => {
                sweep.failed += 1;
                sweep.others.push(id);
            }
        }
        sweep.durations.push(sweep.last_end.elapsed().as_secs_f64());
        sweep.last_end = Instant::now();
    }

    /// The runs stopped (done, or Stop): the sweep keeps the points it finished.
    pub fn end(&mut self) {
        if let Some(sweep) = self.sweeps.last_mut() {
            sweep.running = false;
        }
    }

    pub fn running(&self) -> Option<&Sweep> {
        self.sweeps.last().filter(|s| s.running)
    }

    pub fn all(&self) -> &[Sweep] {
        &self.sweeps
    }

    /// The sweep the centre shows: the one in progress; else, in Sweep mode, the one the
    /// selected run belongs to (none if it belongs to none: a plain run shows as one), or the
    /// latest when nothing is selected.
    pub fn shown(&self, selected: Option<RunId>) -> Option<&Sweep> {
        if let Some(running) = self.running() {
            return Some(running);
        }
        if self.form.mode != Mode::Sweep {
            return None;
        }
        match selected {
            Some(id) => self.sweeps.iter().rev().find(|s| s.owns(id)),
            None => self.sweeps.last(),
        }
    }

    pub fn ask(&mut self, plan: Plan) {
        self.pending = Some(plan);
    }

    pub fn pending(&self) -> Option<&Plan> {
        self.pending.as_ref()
    }

    pub fn take_pending(&mut self) -> Option<Plan> {
        self.pending.take()
    }

    /// The history was cleared: no sweep has points left. A sweep still running counts only
    /// the points still to come. Returns the finished sweeps, for Undo ([`Self::restore`]).
    pub fn clear(&mut self) -> Vec<Sweep> {
        let (running, finished) = std::mem::take(&mut self.sweeps).into_iter().partition(|s| s.running);
        self.sweeps = running;
        for sweep in &mut self.sweeps {
            sweep.planned = sweep.planned.saturating_sub(sweep.done());
            (sweep.failed, sweep.last_end) = (0, Instant::now());
            sweep.points.clear();
            sweep.others.clear();
            sweep.durations.clear();
        }
        finished
    }

    /// Sweeps cleared earlier come back, before the ones started since.
    pub fn restore(&mut self, cleared: Vec<Sweep>) {
        let newer = std::mem::replace(&mut self.sweeps, cleared);
        self.sweeps.extend(newer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Workload, WorkloadKind};

    fn base() -> ExperimentConfig {
        ExperimentConfig { workload: Workload::new(WorkloadKind::Sleep, 10), tasks: 8, ..ExperimentConfig::default() }
    }

    #[test]
    fn the_form_plans_every_point_and_counts_runs_as_the_cli_does() {
        let form = SweepForm {
            vary: Vary::Workers,
            values: "1..8:x2".into(),
            backends: vec![BackendKind::Threads, BackendKind::EventLoop],
            ..SweepForm::default()
        };
        let plan = Plan::from_form(&form, &ExperimentConfig { repeat: 3, warmup: 1, ..base() }).expect("valid");
        assert_eq!(plan.spec.values, [1, 2, 4, 8]);
        assert_eq!((plan.configs.len(), plan.runs), (8, 32));
        assert!(!plan.needs_confirmation());
        assert_eq!(plan.describe(), "8 points, 32 runs with repetitions and warm-ups");
        let big = SweepForm { values: "1..64".into(), ..form.clone() };
        let plan = Plan::from_form(&big, &ExperimentConfig { repeat: 1, tasks: 64, ..base() }).expect("valid");
        assert!(plan.runs > MAX_UNCONFIRMED_RUNS && plan.needs_confirmation(), "{}", plan.runs);
    }

    #[test]
    fn bad_values_name_the_value_or_the_point() {
        let plan = |values: &str, backends: Vec<BackendKind>| {
            let form = SweepForm { values: values.into(), backends, ..SweepForm::default() };
            Plan::from_form(&form, &base()).err().unwrap_or_default()
        };
        let threads = || vec![BackendKind::Threads];
        assert_eq!(plan("1,two", threads()), "values: 'two' is not a whole number");
        assert_eq!(plan("4,2", threads()), "sweep: workers values must increase, but 2 comes after 4");
        assert_eq!(plan("1..8", vec![]), "sweep: pick at least one backend");
        let point = plan("1,2000000", threads());
        assert!(
            point.starts_with("sweep point workers = 2000000 on threads: workers must be between 1 and"),
            "{point}"
        );
    }

    #[test]
    fn points_join_the_running_sweep_and_stay_after_it_stops() {
        let mut sweeps = Sweeps::default();
        sweeps.finished(1, Outcome::Completed); // no sweep: a plain run
        sweeps.begin(SweepSpec { vary: Vary::Workers, values: vec![1, 2] }, 4);
        assert!(sweeps.running().is_some_and(|s| s.remaining_secs().is_none()), "no estimate before a point");
        sweeps.finished(2, Outcome::Completed);
        sweeps.finished(3, Outcome::Completed);
        assert!(sweeps.running().is_some_and(|s| s.remaining_secs().is_some()));
        sweeps.finished(9, Outcome::Cancelled); // Stop during a point: not a point
        sweeps.end();
        sweeps.finished(4, Outcome::Completed);
        let sweep = &sweeps.all()[0];
        assert_eq!((sweep.points.as_slice(), sweep.running), (&[2, 3][..], false));
        assert!(sweep.caption().ends_with("2 of 4 points · stopped"), "{}", sweep.caption());
        assert!(sweeps.shown(Some(2)).is_none(), "Run mode shows the runs");
        sweeps.form.mode = Mode::Sweep;
        assert_eq!(sweeps.shown(None).map(|s| s.planned), Some(4));
        assert_eq!(sweeps.shown(Some(3)).map(|s| s.planned), Some(4));
        assert!(sweeps.shown(Some(1)).is_none(), "a plain run selected in Sweep mode shows as a run");
    }

    #[test]
    fn the_time_left_is_rounded_as_an_estimate() {
        assert_eq!(about_left(0.4), "about 5 s left");
        assert_eq!(about_left(37.2), "about 40 s left");
        assert_eq!(about_left(185.0), "about 3 min left");
    }

    #[test]
    fn failed_points_are_counted_apart_and_the_estimate_follows_the_latest_points() {
        let mut sweeps = Sweeps::default();
        sweeps.begin(SweepSpec { vary: Vary::Workers, values: vec![1, 2, 4] }, 6);
        sweeps.finished(1, Outcome::Completed);
        sweeps.finished(2, Outcome::Failed);
        let sweep = sweeps.running().expect("running");
        assert_eq!((sweep.points.len(), sweep.failed, sweep.done()), (1, 1, 2));
        assert!(sweep.caption().contains("1 of 6 points (1 failed)"), "{}", sweep.caption());
        // Two points took `d` in all: the last two (one value on both backends) set the pace.
        let estimate = sweep.remaining_secs().expect("an estimate");
        let recent: f64 = sweep.durations.iter().sum::<f64>() / 2.0;
        assert!((estimate - recent * 4.0).abs() < 1e-9, "{estimate} vs {recent}");
        sweeps.clear();
        let sweep = sweeps.running().expect("still running");
        assert_eq!((sweep.planned, sweep.done()), (4, 0), "cleared: only the points to come");
    }
}
