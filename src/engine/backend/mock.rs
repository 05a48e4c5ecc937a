//! The `mock` backend: a deterministic schedule with virtual timings, so GUI and CLI tests are
//! instant and exact. Task `i` runs on lane `i % workers`; each task takes its `sleep` size in
//! milliseconds, or 1 ms for any other workload; with the GIL on, CPU tasks never overlap and
//! each holds the GIL for its whole span.
//! It waits in real time only for `sleep` work (so tests can Stop it mid-run). Never shown
//! to users as a real backend: its figures are a model, not a measurement.

use super::{Backend, BackendReport, RunContext};
use crate::engine::config::WorkloadKind;
use crate::engine::result::{GilHold, Span};
use crate::engine::spans::LaneRecorder;

pub struct Mock;

/// Virtual setup time of the mock backend.
pub const MOCK_SETUP_SECS: f64 = 0.001;

impl Backend for Mock {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let runner = ctx.runner();
        let config = ctx.config;
        let workers = config.workers.max(1);
        let serialized = config.gil && config.workload.kind.is_cpu_bound();
        let mut lane_free_at = vec![MOCK_SETUP_SECS; usize::try_from(workers).unwrap_or(1)];
        let mut recorder = LaneRecorder::new(ctx.spans);
        let mut cpu_secs = 0.0;
        let mut clock_secs = MOCK_SETUP_SECS;
        let mut holds = Vec::new();
        for task in 0..config.tasks {
            if ctx.cancel.is_cancelled() {
                break;
            }
            let lane = usize::try_from(task % workers).unwrap_or(0);
            let duration_secs = match config.workload.kind {
                WorkloadKind::Sleep | WorkloadKind::BlockingSleep | WorkloadKind::Http => {
                    config.workload.size.for_task(task) as f64 / 1000.0
                }
                WorkloadKind::Primes
                | WorkloadKind::Fib
                | WorkloadKind::Noop
                | WorkloadKind::File
                | WorkloadKind::Mixed => 0.001,
            };
            let start_secs = if serialized { clock_secs } else { lane_free_at[lane] };
            let end_secs = start_secs + duration_secs;
            lane_free_at[lane] = end_secs;
            clock_secs = end_secs;
            if config.workload.kind == WorkloadKind::Sleep && lane == 0 {
                // Pace the run in real time, one wave of lanes at a time.
                if ctx.cancel.sleep(std::time::Duration::from_secs_f64(duration_secs)).is_err() {
                    break;
                }
            } else if config.workload.kind.is_cpu_bound() {
                cpu_secs += duration_secs;
            }
            let ok = !runner.panics(task);
            let worker = u32::try_from(lane).unwrap_or(u32::MAX);
            recorder.record(Span { task, worker, start_secs, end_secs, ok });
            if serialized {
                holds.push(GilHold { worker, start_secs, end_secs });
            }
        }
        recorder.flush();
        ctx.holds.add(holds, 0);
        let ended_secs = lane_free_at.iter().copied().fold(clock_secs, f64::max);
        BackendReport { setup_secs: MOCK_SETUP_SECS, ended_secs, cpu_secs: Some(cpu_secs), ..BackendReport::default() }
    }
}
