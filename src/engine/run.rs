//! `run_experiment`: warm-ups and repetitions of one config on one backend, each with its own
//! sampler thread and clock, assembled into a [`RunResult`] (medians, spread, and the spans
//! and CPU samples of the repetition closest to the median).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::backend::{self, Backend, BackendReport, RunContext, StartUpContext};
use super::cancel::CancelToken;
use super::config::{ValidConfig, WorkloadKind};
use super::events::{Event, EventSink};
use super::http_server::HttpServer;
use super::io::{self, IoTargets};
use super::loop_lag::LoopLag;
use super::result::{CpuSample, Outcome, PythonRun, Repetition, RunResult, SamplerInfo, Span};
use super::sampler::{self, Pids, Sampled, SamplerInputs};
use super::spans::{RunClock, SpanLog};
use super::stats::{self, Stats};
use super::sys;
use super::task_log::TaskLog;

/// One repetition, measured.
#[derive(Debug)]
struct RepetitionResult {
    outcome: Outcome,
    error: Option<String>,
    elapsed_secs: f64,
    setup_secs: f64,
    cpu_secs: Option<f64>,
    spans: Vec<Span>,
    samples: Vec<CpuSample>,
    peak_rss_bytes: Option<u64>,
    sampler: SamplerInfo,
    loop_lag: Option<LoopLag>,
    /// A fingerprint of the order of task steps (when recorded).
    order_hash: Option<u64>,
    /// The order itself, when short enough to put in the result.
    step_order: Option<Vec<(u64, u32)>>,
    /// What the backend started before the clock (an interpreter), and how long it took.
    interpreter_startup_secs: Option<f64>,
    python: Option<PythonRun>,
}

/// Steps are recorded only when there are at most this many (`tasks × steps`).
pub const MAX_RECORDED_STEPS: u64 = 1_000_000;
/// The order goes into the result when it has at most this many steps.
pub const MAX_REPORTED_STEPS: usize = 10_000;

/// Runs `config` (warm-ups, then `repeat` measured repetitions) and returns what happened.
/// A failed or cancelled repetition ends the run; its partial spans are kept.
pub fn run_experiment(config: &ValidConfig, cancel: &CancelToken, sink: &dyn EventSink) -> RunResult {
    // The HTTP server (and the temp-dir check) are outside every measured repetition.
    let (_server, io) = match prepare_io(config) {
        Ok(prepared) => prepared,
        Err(error) => {
            let result = empty_result(config, error);
            sink.emit(Event::Finished { backend: config.backend, outcome: result.outcome, elapsed_secs: 0.0 });
            return result;
        }
    };
    let backend = backend::for_kind(config.backend);
    let total = config.warmup + config.repeat;
    let mut measured = Vec::new();
    let mut unfinished = None;
    for index in 0..total {
        let warmup = index < config.warmup;
        sink.emit(Event::RepetitionStarted { backend: config.backend, index, of: total, warmup });
        let repetition = run_repetition(config, backend.as_ref(), &io, cancel, sink);
        if repetition.outcome != Outcome::Completed {
            unfinished = Some(repetition);
            break;
        }
        if !warmup {
            measured.push(repetition);
        }
    }
    let result = assemble(config, measured, unfinished);
    sink.emit(Event::Finished { backend: config.backend, outcome: result.outcome, elapsed_secs: result.elapsed_secs });
    result
}

/// Starts the run's HTTP server (`http`) and checks its temp directory (`file`).
fn prepare_io(config: &ValidConfig) -> Result<(Option<HttpServer>, Arc<IoTargets>), String> {
    let server = match config.workload.kind {
        WorkloadKind::Http => {
            // Validation checked the hard limit; the soft one may still be lower.
            sys::raise_open_files_limit();
            Some(HttpServer::start(config.http_bind_addr)?)
        }
        _ => None,
    };
    let file_dir = match config.workload.kind {
        WorkloadKind::File => {
            let dir = std::env::temp_dir();
            io::check_temp_dir(&dir)?;
            Some(dir)
        }
        _ => None,
    };
    let targets = IoTargets::new(server.as_ref().map(HttpServer::base_url), file_dir)?;
    Ok((server, Arc::new(targets)))
}

fn run_repetition(
    config: &ValidConfig,
    backend: &dyn Backend,
    io: &Arc<IoTargets>,
    cancel: &CancelToken,
    sink: &dyn EventSink,
) -> RepetitionResult {
    let record_steps = config.steps > 1 && config.tasks.saturating_mul(u64::from(config.steps)) <= MAX_RECORDED_STEPS;
    let log = Arc::new(TaskLog::new(record_steps));
    let spans = SpanLog::new();
    let pids = Pids::default();
    // Before the clock: what the articles' time.time() brackets leave out (an interpreter's
    // start-up and imports), timed apart.
    let interpreter_startup_secs =
        match backend.start_up(&StartUpContext { config, cancel, pids: &pids, io, log: &log }) {
            Ok(secs) => secs,
            Err(error) => return failed_to_start(config, error, cancel),
        };
    let interval = Duration::from_millis(config.sample_interval_millis);
    let inputs = SamplerInputs { interval, spans: &spans, pids: &pids, total_tasks: config.tasks, sink };
    let (clock_tx, clock_rx) = mpsc::sync_channel(1);
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (report, sampled) = std::thread::scope(|scope| {
        let sampler = std::thread::Builder::new()
            .name("lab-sampler".to_owned())
            .spawn_scoped(scope, move || sampler::run(inputs, clock_rx, stop_rx));
        let clock = RunClock::start();
        // If the sampler thread could not start, the run goes on without samples.
        let _ = clock_tx.send(clock);
        let ctx = RunContext { config, clock, cancel, spans: &spans, pids: &pids, io, log: &log };
        let mut report = backend.run(&ctx);
        if report.error.is_none() {
            report.error = log.error_summary();
        }
        drop(stop_tx);
        let sampled = match sampler {
            Ok(handle) => handle.join().ok(),
            Err(_) => None,
        };
        (report, sampled)
    });
    let Sampled { samples, peak_rss_bytes, info } = sampled.unwrap_or_else(|| Sampled {
        samples: Vec::new(),
        peak_rss_bytes: None,
        info: SamplerInfo {
            source: "unavailable".to_owned(),
            interval_millis: config.sample_interval_millis,
            cpu_secs: None,
            note: Some("the sampler thread could not run".to_owned()),
        },
    });
    let spans = spans.into_sorted();
    let mut repetition = finish_repetition(config, report, spans, samples, peak_rss_bytes, info, cancel);
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
    peak_rss_bytes: Option<u64>,
    sampler: SamplerInfo,
    cancel: &CancelToken,
) -> RepetitionResult {
    let all_done = spans.len() as u64 == config.tasks;
    let outcome = if report.error.is_some() {
        Outcome::Failed
    } else if cancel.is_cancelled() && !all_done {
        Outcome::Cancelled
    } else if !all_done {
        Outcome::Failed
    } else {
        Outcome::Completed
    };
    let loop_lag = report.loop_lag;
    let error = report.error.or_else(|| {
        (outcome == Outcome::Failed).then(|| format!("only {} of {} tasks finished", spans.len(), config.tasks))
    });
    // Elapsed ends at the last task's end; an unfinished run ends when the backend returned.
    let last_end = spans.iter().map(|s| s.end_secs).fold(f64::NAN, f64::max);
    let elapsed_secs = if outcome == Outcome::Completed && last_end.is_finite() { last_end } else { report.ended_secs };
    RepetitionResult {
        outcome,
        error,
        elapsed_secs,
        setup_secs: report.setup_secs,
        cpu_secs: report.cpu_secs,
        spans,
        samples,
        peak_rss_bytes,
        sampler,
        loop_lag,
        order_hash: None,
        step_order: None,
        interpreter_startup_secs: None,
        python: None,
    }
}

/// A repetition whose backend could not start (or was stopped while it started): nothing
/// was measured.
fn failed_to_start(config: &ValidConfig, error: String, cancel: &CancelToken) -> RepetitionResult {
    let cancelled = cancel.is_cancelled();
    RepetitionResult {
        outcome: if cancelled { Outcome::Cancelled } else { Outcome::Failed },
        error: (!cancelled).then_some(error),
        elapsed_secs: 0.0,
        setup_secs: 0.0,
        cpu_secs: None,
        spans: Vec::new(),
        samples: Vec::new(),
        peak_rss_bytes: None,
        sampler: SamplerInfo {
            source: "unavailable".to_owned(),
            interval_millis: config.sample_interval_millis,
            cpu_secs: None,
            note: Some("nothing ran".to_owned()),
        },
        loop_lag: None,
        order_hash: None,
        step_order: None,
        interpreter_startup_secs: None,
        python: None,
    }
}

fn assemble(config: &ValidConfig, measured: Vec<RepetitionResult>, unfinished: Option<RepetitionResult>) -> RunResult {
    let elapsed: Vec<f64> = measured.iter().map(|r| r.elapsed_secs).collect();
    let cpu: Vec<f64> = measured.iter().filter_map(|r| r.cpu_secs).collect();
    let setup: Vec<f64> = measured.iter().map(|r| r.setup_secs).collect();
    let repetitions = measured
        .iter()
        .map(|r| Repetition {
            elapsed_secs: r.elapsed_secs,
            cpu_secs: r.cpu_secs,
            setup_secs: r.setup_secs,
            interpreter_startup_secs: r.interpreter_startup_secs,
        })
        .collect();
    let startups: Vec<f64> = measured.iter().filter_map(|r| r.interpreter_startup_secs).collect();
    let peak_rss_bytes = measured.iter().chain(&unfinished).filter_map(|r| r.peak_rss_bytes).max();
    let has_all_cpu = !measured.is_empty() && cpu.len() == measured.len();
    let orders: HashSet<u64> = measured.iter().filter_map(|r| r.order_hash).collect();
    let distinct_orders = (config.steps > 1 && !orders.is_empty()).then_some(orders.len() as u64);
    let representative = match unfinished {
        Some(partial) => partial,
        None => {
            let index = stats::closest_to_median(&elapsed).unwrap_or(0);
            let mut measured = measured;
            if measured.is_empty() {
                return empty_result(config, "no repetition ran".to_owned());
            }
            measured.swap_remove(index.min(measured.len() - 1))
        }
    };
    let (elapsed_secs, cpu_secs, setup_secs) = if representative.outcome == Outcome::Completed {
        (stats::median(&elapsed), has_all_cpu.then(|| stats::median(&cpu)), stats::median(&setup))
    } else {
        (representative.elapsed_secs, representative.cpu_secs, representative.setup_secs)
    };
    let interpreter_startup_secs = if representative.outcome == Outcome::Completed && !startups.is_empty() {
        Some(stats::median(&startups))
    } else {
        representative.interpreter_startup_secs
    };
    let effective_parallelism = cpu_secs.filter(|_| elapsed_secs > 0.0).map(|cpu| cpu / elapsed_secs);
    let tasks_failed = representative.spans.iter().filter(|s| !s.ok).count() as u64;
    RunResult {
        config: (**config).clone(),
        outcome: representative.outcome,
        error: representative.error,
        elapsed_secs,
        setup_secs,
        cpu_secs,
        effective_parallelism,
        peak_rss_bytes,
        tasks_ok: representative.spans.len() as u64 - tasks_failed,
        tasks_failed,
        repetitions,
        stats: Stats::of(&elapsed),
        spans: representative.spans,
        cpu_samples: representative.samples,
        sampler: representative.sampler,
        loop_lag_max_secs: representative.loop_lag.map(|l| l.max_secs),
        loop_lag_p99_secs: representative.loop_lag.map(|l| l.p99_secs),
        loop_blocked: representative.loop_lag.map(|l| l.blocked()),
        distinct_orders,
        step_order: representative.step_order.unwrap_or_default(),
        interpreter_startup_secs,
        python: representative.python,
    }
}

/// A run that failed before any repetition (its I/O could not be set up).
fn empty_result(config: &ValidConfig, error: String) -> RunResult {
    RunResult { error: Some(error), ..RunResult::unmeasured((**config).clone(), Outcome::Failed) }
}
