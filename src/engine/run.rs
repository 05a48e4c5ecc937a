//! `run_experiment`: warm-ups and repetitions of one config on one backend, each with its own
//! sampler thread and clock, assembled into a [`RunResult`] (medians, spread, and the spans
//! and CPU samples of the repetition closest to the median).

use std::hash::{Hash, Hasher};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::accounting::{self, LabThreads, Reading};
use super::backend::{self, Backend, BackendReport, RunContext, StartUpContext};
use super::cancel::CancelToken;
use super::config::{ValidConfig, WorkloadKind};
use super::error::{RunError, SetupError};
use super::events::{Event, EventSink};
use super::gil::Gil;
use super::gil_holds::HoldLog;
use super::http_server::HttpServer;
use super::io::IoTargets;
use super::kinds::BackendKind;
use super::loop_lag::LoopLag;
use super::result::{CpuSample, GilHold, Outcome, PythonRun, RunResult, SamplerInfo, Span};
use super::run_dir::{self, RunDir};
use super::sampler::{self, Pids, Sampled, SamplerInputs};
use super::spans::{RunClock, SpanLog};
use super::task_log::TaskLog;
use super::{memory, sys};

mod assemble;

use self::assemble::{assemble, empty_result};

/// One repetition, measured.
#[derive(Debug)]
struct RepetitionResult {
    outcome: Outcome,
    error: Option<String>,
    elapsed_secs: f64,
    setup_secs: f64,
    cpu_secs: Option<f64>,
    lab_cpu_secs: Option<f64>,
    other_cpu_secs: Option<f64>,
    spans: Vec<Span>,
    samples: Vec<CpuSample>,
    memory: Option<Memory>,
    sampler: SamplerInfo,
    loop_lag: Option<LoopLag>,
    /// A fingerprint of the order of task steps (when recorded).
    order_hash: Option<u64>,
    /// The order itself, when short enough to put in the result.
    step_order: Option<Vec<(u64, u32)>>,
    /// What the backend started before the clock (an interpreter), and how long it took.
    interpreter_startup_secs: Option<f64>,
    python: Option<PythonRun>,
    gil_holds: Vec<GilHold>,
    gil_holds_dropped: u64,
}

impl RepetitionResult {
    /// A repetition with this outcome and sampler and nothing else measured: the base the
    /// others are built on, so a new field is added in one place.
    fn unmeasured(outcome: Outcome, sampler: SamplerInfo) -> Self {
        Self {
            outcome,
            error: None,
            elapsed_secs: 0.0,
            setup_secs: 0.0,
            cpu_secs: None,
            lab_cpu_secs: None,
            other_cpu_secs: None,
            spans: Vec::new(),
            samples: Vec::new(),
            memory: None,
            sampler,
            loop_lag: None,
            order_hash: None,
            step_order: None,
            interpreter_startup_secs: None,
            python: None,
            gil_holds: Vec::new(),
            gil_holds_dropped: 0,
        }
    }
}

/// The run's memory in one repetition (see `memory`): the peak it added, and what the app held
/// when it started.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Memory {
    peak_bytes: u64,
    baseline_bytes: u64,
}

/// Steps are recorded only when there are at most this many (`tasks × steps`).
pub const MAX_RECORDED_STEPS: u64 = 1_000_000;
/// The order goes into the result when it has at most this many steps.
pub const MAX_REPORTED_STEPS: usize = 10_000;

/// Runs `config` (warm-ups, then `repeat` measured repetitions) and returns what happened.
/// A failed or cancelled repetition ends the run; its partial spans are kept.
pub fn run_experiment(config: &ValidConfig, cancel: &CancelToken, sink: &dyn EventSink) -> RunResult {
    // Before the run starts a thread of its own: every thread there is now is the lab's.
    let lab = LabThreads::snapshot();
    // The HTTP server and the temp directory are outside every measured repetition.
    let prepared = match prepare_io(config) {
        Ok(prepared) => prepared,
        Err(error) => {
            let result = empty_result(config, error.to_string());
            sink.emit(Event::Finished { backend: config.backend, outcome: result.outcome, elapsed_secs: 0.0 });
            return result;
        }
    };
    // Stop closes the server's connections: that ends every request in flight at once.
    let _stop_server = prepared.server.as_ref().map(|server| cancel.on_cancel(server.stopper()));
    let io = &prepared.targets;
    let backend = backend::for_kind(config.backend);
    let total = config.warmup + config.repeat;
    let mut measured = Vec::new();
    let mut unfinished = None;
    for index in 0..total {
        if cancel.is_cancelled() {
            break;
        }
        let warmup = index < config.warmup;
        sink.emit(Event::RepetitionStarted { backend: config.backend, index, of: total, warmup });
        let repetition = run_repetition(config, backend.as_ref(), io, cancel, sink, &lab);
        if repetition.outcome != Outcome::Completed {
            unfinished = Some(repetition);
            break;
        }
        if !warmup {
            measured.push(repetition);
        }
    }
    // Stopped between repetitions: what ran is kept, but the run did not do all it was asked.
    let stopped_early = unfinished.is_none()
        && cancel.is_cancelled()
        && measured.len() < usize::try_from(config.repeat).unwrap_or(usize::MAX);
    let mut result = if stopped_early && measured.is_empty() {
        RunResult::unmeasured((**config).clone(), Outcome::Cancelled)
    } else {
        assemble(config, measured, unfinished)
    };
    if stopped_early {
        result.outcome = Outcome::Cancelled;
    }
    drop(prepared);
    sink.emit(Event::Finished { backend: config.backend, outcome: result.outcome, elapsed_secs: result.elapsed_secs });
    result
}

/// What a run sets up before its first repetition, and tears down after its last.
struct PreparedIo {
    server: Option<HttpServer>,
    /// Held for its `Drop`: the run's temp directory goes with everything in it.
    _run_dir: Option<RunDir>,
    targets: Arc<IoTargets>,
}

/// Starts the run's HTTP server (`http`) and makes its temp directory (`file`), after
/// sweeping the directories of earlier runs that died without removing theirs.
fn prepare_io(config: &ValidConfig) -> Result<PreparedIo, SetupError> {
    if matches!(config.workload.kind, WorkloadKind::Http | WorkloadKind::File) {
        // Validation checked the hard limit; the soft one may still be lower.
        sys::raise_open_files_limit();
    }
    let server = match config.workload.kind {
        WorkloadKind::Http => Some(HttpServer::start(config.http_bind_addr)?),
        _ => None,
    };
    let run_dir = match config.workload.kind {
        WorkloadKind::File => {
            let base = std::env::temp_dir();
            run_dir::sweep(&base);
            Some(RunDir::create(&base)?)
        }
        _ => None,
    };
    let targets =
        IoTargets::new(server.as_ref().map(HttpServer::base_url), run_dir.as_ref().map(|d| d.path().to_owned()))?;
    Ok(PreparedIo { server, _run_dir: run_dir, targets: Arc::new(targets) })
}

fn run_repetition(
    config: &ValidConfig,
    backend: &dyn Backend,
    io: &Arc<IoTargets>,
    cancel: &CancelToken,
    sink: &dyn EventSink,
    lab: &LabThreads,
) -> RepetitionResult {
    let record_steps = config.steps > 1 && config.tasks.saturating_mul(u64::from(config.steps)) <= MAX_RECORDED_STEPS;
    let log = Arc::new(TaskLog::new(record_steps));
    let spans = SpanLog::with_capacity(config.tasks);
    let holds = HoldLog::new();
    let gil = config.gil.then(|| Arc::new(Gil::default()));
    let pids = Pids::default();
    // Before the clock: what the articles' time.time() brackets leave out (an interpreter's
    // start-up and imports), timed apart.
    let interpreter_startup_secs =
        match backend.start_up(&StartUpContext { config, cancel, pids: &pids, io, log: &log }) {
            Ok(secs) => secs,
            Err(error) => return failed_to_start(config, error, cancel),
        };
    let interval = Duration::from_millis(config.sample_interval_millis);
    let inputs = SamplerInputs { interval, spans: &spans, pids: &pids, total_tasks: config.tasks, sink, lab };
    let baseline = memory::Baseline::take();
    let (clock_tx, clock_rx) = mpsc::sync_channel(1);
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (report, sampled) = std::thread::scope(|scope| {
        let sampler = std::thread::Builder::new()
            .name("lab-sampler".to_owned())
            .spawn_scoped(scope, move || sampler::run(inputs, clock_rx, stop_rx));
        let clock = RunClock::start();
        // If the sampler thread could not start, the run goes on without samples.
        let _ = clock_tx.send(clock);
        let ctx = RunContext { config, clock, cancel, spans: &spans, pids: &pids, io, log: &log, gil, holds: &holds };
        let mut report = backend.run(&ctx);
        if let Some(gil) = &ctx.gil {
            let (raw, dropped) = gil.take_holds();
            holds.add_raw(&raw, dropped, &clock);
        }
        if report.error.is_none() {
            report.error = log.error_summary().map(RunError::from);
        }
        drop(stop_tx);
        let sampled = match sampler {
            Ok(handle) => handle.join().ok(),
            Err(_) => None,
        };
        (report, sampled)
    });
    let Sampled { samples, own_rss_max_bytes, workers_rss_max_bytes, info, readings } =
        sampled.unwrap_or_else(|| Sampled {
            samples: Vec::new(),
            own_rss_max_bytes: None,
            workers_rss_max_bytes: None,
            info: SamplerInfo {
                source: "unavailable".to_owned(),
                interval_millis: config.sample_interval_millis,
                cpu_secs: None,
                note: Some("the sampler thread could not run".to_owned()),
            },
            readings: Vec::new(),
        });
    // In-process memory above the baseline, plus each worker process's own peak (read when it
    // was reaped, or else the sampler's highest reading of them).
    let workers_peak = report.workers_peak_rss_bytes.or(workers_rss_max_bytes).unwrap_or(0);
    let memory = baseline.map(|baseline| Memory {
        peak_bytes: baseline.peak_above(own_rss_max_bytes) + workers_peak,
        baseline_bytes: baseline.rss_bytes,
    });
    let spans = spans.into_sorted();
    let mut repetition = finish_repetition(config, report, spans, samples, memory, info, cancel);
    account(&mut repetition, config, &readings);
    (repetition.gil_holds, repetition.gil_holds_dropped) = holds.into_parts();
    repetition.interpreter_startup_secs = interpreter_startup_secs;
    repetition.python = backend.python_run();
    if let Some(order) = log.step_order() {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        order.hash(&mut hasher);
        repetition.order_hash = Some(hasher.finish());
        repetition.step_order = (order.len() <= MAX_REPORTED_STEPS).then_some(order);
    }
    repetition
}

fn finish_repetition(
    config: &ValidConfig,
    report: BackendReport,
    spans: Vec<Span>,
    samples: Vec<CpuSample>,
    memory: Option<Memory>,
    sampler: SamplerInfo,
    cancel: &CancelToken,
) -> RepetitionResult {
    let all_done = spans.len() as u64 == config.tasks;
    // A stop wins over an error it caused (a connection it closed, a worker it killed).
    let outcome = if cancel.is_cancelled() && (!all_done || report.error.is_some()) {
        Outcome::Cancelled
    } else if report.error.is_some() || !all_done {
        Outcome::Failed
    } else {
        Outcome::Completed
    };
    let loop_lag = report.loop_lag;
    let unfinished = RunError::Unfinished { done: spans.len() as u64, tasks: config.tasks };
    // Where the engine's errors become the result's message (a stop's own errors are not).
    let error = report
        .error
        .filter(|_| outcome != Outcome::Cancelled)
        .or_else(|| (outcome == Outcome::Failed).then_some(unfinished))
        .map(|e| e.to_string());
    // Elapsed ends at the last task's end; an unfinished run ends when the backend returned.
    let last_end = spans.iter().map(|s| s.end_secs).fold(f64::NAN, f64::max);
    let elapsed_secs = if outcome == Outcome::Completed && last_end.is_finite() { last_end } else { report.ended_secs };
    RepetitionResult {
        outcome,
        error,
        elapsed_secs,
        // Setup is part of elapsed: workers still starting after the last task ended (200
        // threads for 2 short tasks) cost the run nothing it reports.
        setup_secs: report.setup_secs.min(elapsed_secs),
        cpu_secs: report.cpu_secs,
        spans,
        samples,
        memory,
        loop_lag,
        ..RepetitionResult::unmeasured(outcome, sampler)
    }
}

/// Puts the accounting's figures into the repetition, up to its last task's end. The run's CPU
/// is the accounting's where it was measured: everything the run did, not only its workers.
/// A repetition shorter than one sampling interval keeps its backend's own count of its
/// workers (exact, where the accounting could only pro-rate); the mock keeps its simulated
/// CPU, so tests stay exact.
fn account(repetition: &mut RepetitionResult, config: &ValidConfig, readings: &[(f64, Reading)]) {
    let Some((totals, interior)) = accounting::totals_until(readings, repetition.elapsed_secs) else { return };
    let own_count = repetition.cpu_secs.is_some() && (!interior || config.backend == BackendKind::Mock);
    if !own_count {
        repetition.cpu_secs = Some(totals.run_secs);
    }
    repetition.lab_cpu_secs = Some(totals.lab_secs);
    repetition.other_cpu_secs = Some(totals.other_secs);
}

/// A repetition whose backend could not start (or was stopped while it started): nothing
/// was measured.
fn failed_to_start(config: &ValidConfig, error: String, cancel: &CancelToken) -> RepetitionResult {
    let cancelled = cancel.is_cancelled();
    let sampler = SamplerInfo {
        source: "unavailable".to_owned(),
        interval_millis: config.sample_interval_millis,
        cpu_secs: None,
        note: Some("nothing ran".to_owned()),
    };
    let outcome = if cancelled { Outcome::Cancelled } else { Outcome::Failed };
    RepetitionResult { error: (!cancelled).then_some(error), ..RepetitionResult::unmeasured(outcome, sampler) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::ExperimentConfig;

    pub(super) fn config() -> ValidConfig {
        ExperimentConfig { tasks: 1, repeat: 3, ..ExperimentConfig::default() }.validate().expect("valid")
    }

    /// A completed repetition of one task that ran on `lane`, taking `elapsed_secs`.
    pub(super) fn repetition(elapsed_secs: f64, lane: u32, peak_bytes: u64) -> RepetitionResult {
        RepetitionResult {
            elapsed_secs,
            setup_secs: elapsed_secs / 10.0,
            cpu_secs: Some(elapsed_secs * 2.0),
            spans: vec![Span { task: 0, worker: lane, start_secs: 0.0, end_secs: elapsed_secs, ok: true }],
            samples: vec![CpuSample {
                t_secs: elapsed_secs,
                per_core: vec![f32::from(u8::try_from(lane).unwrap())],
                split: None,
            }],
            memory: Some(Memory { peak_bytes, baseline_bytes: 1000 + peak_bytes }),
            ..RepetitionResult::unmeasured(
                Outcome::Completed,
                SamplerInfo { source: "test".into(), interval_millis: 100, cpu_secs: None, note: None },
            )
        }
    }

    #[test]
    fn a_cancelled_repetition_is_cancelled_and_an_incomplete_one_failed() {
        let cancel = CancelToken::new();
        let report = || BackendReport { ended_secs: 0.5, ..BackendReport::default() };
        let info = repetition(0.0, 0, 0).sampler;
        let done = finish_repetition(&config(), report(), Vec::new(), Vec::new(), None, info.clone(), &cancel);
        assert_eq!(done.outcome, Outcome::Failed);
        assert_eq!(done.error.as_deref(), Some("only 0 of 1 tasks finished"));
        cancel.cancel();
        let stopped = finish_repetition(&config(), report(), Vec::new(), Vec::new(), None, info, &cancel);
        assert_eq!((stopped.outcome, stopped.elapsed_secs), (Outcome::Cancelled, 0.5));
    }
}
