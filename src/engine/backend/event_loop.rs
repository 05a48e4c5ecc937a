//! The event-loop backends, one implementation with four flavours:
//! - `event-loop` (asyncio): a tokio current-thread runtime; `workers` = tasks in flight (at
//!   most that many at once, like `asyncio.Semaphore` around `gather`); blocking parts run on the loop.
//! - `event-loop-mt`: a tokio multi-thread runtime with `workers` worker threads, every task
//!   in flight; blocking parts run on whichever worker polls the task.
//! - `event-loop+threads` (`asyncio.to_thread`): one loop, every task in flight; each
//!   blocking part goes to the runtime's blocking pool, capped at `workers` threads.
//! - `event-loop+processes` (`run_in_executor` with a process pool): one loop, every task in
//!   flight; each blocking part goes to one of `workers` worker processes.
//!
//! A 1 ms heartbeat measures loop lag. CPU time is the loop thread's own, plus every thread
//! the runtime started (summed when each stops), plus the worker processes'.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Notify;

use super::loop_task::{Offload, Plain, plain_task, run_task_async};
use super::loop_timer::{MillisTimers, Timers, TokioTimers};
use super::offload_pool::{self, Bridged};
use super::{Backend, BackendReport, RunContext};
use crate::engine::config::WorkloadKind;
use crate::engine::error::RunError;
use crate::engine::lane;
use crate::engine::loop_lag::LagRecorder;
use crate::engine::result::Span;
use crate::engine::spans::RunClock;
use crate::engine::sys;
use crate::engine::workload::TaskRunner;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Single,
    MultiThread,
    ToThreads,
    ToProcesses,
}

pub struct EventLoop(pub Flavor);

/// The dispatcher of a multi-thread loop yields after spawning this many tasks.
const SPAWN_BATCH: u64 = 1024;

/// A one-thread loop's dispatcher gives way to the loop's other tasks (the lag heartbeat,
/// the flusher, the timers) after starting or finishing this many of its own, as tokio's
/// cooperative budget (128 per poll) makes a task do. Tasks that are ready together run
/// back to back until then, as asyncio runs every ready callback before it looks at its
/// timers: ten blocking tasks delay the heartbeat by all ten.
const YIELD_EVERY: usize = 128;

/// How often the loop publishes finished spans (for the live view and the progress bar).
const FLUSH_EVERY: Duration = Duration::from_millis(10);

/// How long a stopped run waits for blocking parts still running.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

impl Backend for EventLoop {
    fn run(&self, ctx: &RunContext<'_>) -> BackendReport {
        let flavor = self.0;
        let cpu_start = sys::thread_cpu_secs();
        let pool_cpu_nanos = Arc::new(AtomicU64::new(0));
        let failed = |error: RunError| BackendReport {
            ended_secs: ctx.clock.now_secs(),
            error: Some(error),
            ..BackendReport::default()
        };
        let needs_io = ctx.config.workload.kind == WorkloadKind::Http;
        let (runtime, timer_origin) = match build_runtime(flavor, ctx.config.workers, needs_io, &pool_cpu_nanos) {
            Ok(built) => built,
            Err(cause) => return failed(RunError::Start { what: "the tokio runtime".into(), cause }),
        };
        let (offload, pool) = match flavor {
            Flavor::Single | Flavor::MultiThread => (Offload::Inline, None),
            Flavor::ToThreads => (Offload::Threads, None),
            Flavor::ToProcesses => match offload_pool::start(ctx) {
                Ok((pool, client)) => (Offload::Processes(client), Some(pool)),
                Err(error) => return failed(error.into()),
            },
        };
        let setup_secs = ctx.clock.now_secs();
        let lag = LagRecorder::default();
        let shared = Arc::new(Shared {
            runner: Arc::new(ctx.runner()),
            timer_origin,
            offload,
            clock: ctx.clock,
            recorded: Mutex::new(Vec::new()),
            finished: AtomicU64::new(0),
            total: ctx.config.tasks,
            all_done: Notify::new(),
        });
        let in_flight = if flavor == Flavor::Single { ctx.config.workers } else { ctx.config.tasks };
        let flush = || ctx.spans.append(&mut shared.recorded.lock().unwrap_or_else(|p| p.into_inner()));
        // Stop wakes the loop through this (a stored permit if it comes before the wait).
        let stopped = Arc::new(Notify::new());
        let _on_cancel = ctx.cancel.on_cancel({
            let stopped = stopped.clone();
            move || stopped.notify_one()
        });
        let (bridged, loop_lag) = std::thread::scope(|scope| {
            let bridge = pool.map(|pool| {
                std::thread::Builder::new()
                    .name("lab-offload-pool".to_owned())
                    .spawn_scoped(scope, || offload_pool::serve(pool, ctx))
            });
            runtime.block_on(async {
                let beat = tokio::spawn(lag.clone().heartbeat());
                tokio::select! {
                    // The dispatcher keeps its own budget (see `dispatch`).
                    () = tokio::task::unconstrained(dispatch(&shared, in_flight, flavor != Flavor::MultiThread)) => {}
                    () = stopped.notified() => {}
                    () = async {
                        loop {
                            flush();
                            tokio::time::sleep(FLUSH_EVERY).await;
                        }
                    } => {}
                }
                beat.abort();
            });
            let loop_lag = lag.summary();
            if let Offload::Processes(client) = &shared.offload {
                client.finish();
            }
            let bridged = match bridge {
                Some(Ok(handle)) => handle.join().unwrap_or_default(),
                Some(Err(cause)) => Bridged {
                    error: Some(RunError::Start { what: "the offload thread".into(), cause }),
                    ..Bridged::default()
                },
                None => Bridged::default(),
            };
            (bridged, loop_lag)
        });
        // Dropping the runtime drops the tasks still waiting (a cancelled run); its threads
        // stop and add their CPU time.
        runtime.shutdown_timeout(SHUTDOWN_GRACE);
        flush();
        let loop_cpu = sys::thread_cpu_secs().zip(cpu_start).map(|(end, start)| end - start);
        let pool_cpu = pool_cpu_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let children_cpu = if flavor == Flavor::ToProcesses { bridged.used.cpu_secs } else { Some(0.0) };
        let cpu_secs = loop_cpu.zip(children_cpu).map(|(a, b)| a + b + pool_cpu);
        BackendReport {
            setup_secs,
            ended_secs: ctx.clock.now_secs(),
            cpu_secs,
            workers_peak_rss_bytes: bridged.used.peak_rss_bytes.filter(|_| flavor == Flavor::ToProcesses),
            error: bridged.error,
            loop_lag,
        }
    }
}

/// The runtime of one repetition, and the instant taken just before it was built (its
/// clock starts microseconds later: the origin of [`MillisTimers`]' ticks). The I/O driver
/// only for `http`: a loop with it polls epoll whenever it runs out of ready tasks, which
/// costs a syscall per turn.
fn build_runtime(
    flavor: Flavor,
    workers: u64,
    needs_io: bool,
    pool_cpu_nanos: &Arc<AtomicU64>,
) -> std::io::Result<(tokio::runtime::Runtime, Instant)> {
    let mut builder = match flavor {
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let workers = usize::try_from(workers.max(1)).unwrap_or(1);
    if flavor == Flavor::MultiThread {
        builder.worker_threads(workers);
    }
    if flavor == Flavor::ToThreads {
        builder.max_blocking_threads(workers);
    }
    let prefix = match flavor {
        Flavor::MultiThread => "lab-loop",
        Flavor::ToThreads => "lab-to-thread",
        // The file workload's calls run on these.
        Flavor::Single | Flavor::ToProcesses => "lab-loop-blocking",
    };
    let named = Arc::new(AtomicU32::new(0));
    let started = Arc::new(AtomicU32::new(0));
    let lanes = u32::try_from(workers).unwrap_or(u32::MAX);
    let stopped = pool_cpu_nanos.clone();
    if needs_io {
        builder.enable_io();
    }
    builder
        .enable_time()
        .thread_name_fn(move || format!("{prefix}-{}", named.fetch_add(1, Ordering::Relaxed)))
        .on_thread_start(move || lane::set(started.fetch_add(1, Ordering::Relaxed) % lanes))
        .on_thread_stop(move || {
            // A pool thread's CPU clock started with the thread, so its reading is its share.
            let nanos = sys::thread_cpu_secs().map_or(0, |secs| (secs * 1e9) as u64);
            stopped.fetch_add(nanos, Ordering::Relaxed);
        });
    let origin = Instant::now();
    builder.build().map(|runtime| (runtime, origin))
}

/// What every task of a loop shares.
struct Shared {
    runner: Arc<TaskRunner>,
    /// Made just before the runtime: the ticks of a one-thread loop's [`MillisTimers`].
    timer_origin: Instant,
    offload: Offload,
    clock: RunClock,
    recorded: Mutex<Vec<Span>>,
    finished: AtomicU64,
    total: u64,
    all_done: Notify,
}

impl Shared {
    fn record(&self, span: Option<Span>) {
        if let Some(span) = span {
            self.recorded.lock().unwrap_or_else(|p| p.into_inner()).push(span);
        }
    }

    fn record_all(&self, spans: &mut Vec<Span>) {
        if !spans.is_empty() {
            self.recorded.lock().unwrap_or_else(|p| p.into_inner()).append(spans);
        }
    }
}

/// Runs every task, at most `in_flight` at once, and returns when the last one finished.
/// On a one-thread loop the tasks are futures of one [`FuturesUnordered`] polled by this
/// task: starting one costs a node in its list rather than a runtime task (a heap cell, a
/// lock on the runtime's task list, a scheduler round trip), which is most of the lab's
/// own cost per task when a hundred thousand sleeps start at once. Their waits share a
/// timer per millisecond ([`MillisTimers`]). On a multi-thread runtime every task is
/// spawned, so the runtime's workers share them, and each wait has a tokio timer.
async fn dispatch(shared: &Arc<Shared>, in_flight: u64, one_thread: bool) {
    if one_thread {
        let timers = MillisTimers::new(shared.timer_origin);
        tokio::select! {
            // Due timers first, so their tasks are ready when the dispatcher looks.
            biased;
            () = timers.drive() => {}
            () = run_on_one_thread(shared, &timers, in_flight) => {}
        }
        return;
    }
    for task in 0..shared.total {
        let shared = shared.clone();
        tokio::spawn(async move {
            let span = run_one(&shared, &TokioTimers, task).await;
            shared.record(span);
            if shared.finished.fetch_add(1, Ordering::AcqRel) + 1 == shared.total {
                shared.all_done.notify_one();
            }
        });
        if task % SPAWN_BATCH == SPAWN_BATCH - 1 {
            tokio::task::yield_now().await;
        }
    }
    shared.all_done.notified().await;
}

/// The one-thread dispatcher: gives way to the rest of the loop every [`YIELD_EVERY`]
/// started or finished tasks, and hands its finished spans over whenever it does.
async fn run_on_one_thread(shared: &Shared, timers: &MillisTimers, in_flight: u64) {
    // The heartbeat starts first, as asyncio's would be scheduled before `gather`.
    tokio::task::yield_now().await;
    let in_flight = usize::try_from(in_flight.max(1)).unwrap_or(usize::MAX);
    let mut running = FuturesUnordered::new();
    let mut finished = Vec::with_capacity(YIELD_EVERY);
    let mut next = 0;
    // Tasks started or finished since this task last gave way.
    let mut since_yield = 0;
    loop {
        while next < shared.total && running.len() < in_flight && since_yield < YIELD_EVERY {
            running.push(run_one(shared, timers, next));
            next += 1;
            since_yield += 1;
        }
        // Polls whatever is ready (what was just started, what a timer woke) without waiting.
        let polled = std::future::poll_fn(|cx| {
            loop {
                match running.poll_next_unpin(cx) {
                    Poll::Ready(Some(span)) => {
                        finished.extend(span);
                        since_yield += 1;
                        if since_yield >= YIELD_EVERY {
                            return Poll::Ready(Polled::GiveWay);
                        }
                    }
                    Poll::Ready(None) => return Poll::Ready(Polled::Empty),
                    Poll::Pending => return Poll::Ready(Polled::Waiting),
                }
            }
        })
        .await;
        shared.record_all(&mut finished);
        let all_started = next >= shared.total;
        match polled {
            Polled::Empty if all_started => return,
            // The budget is spent (a pass, or starting, used it up).
            _ if since_yield >= YIELD_EVERY => tokio::task::yield_now().await,
            Polled::Waiting if all_started || running.len() >= in_flight => {
                // Nothing may start: sleep until a task is woken and finishes.
                let span = std::future::poll_fn(|cx| running.poll_next_unpin(cx)).await;
                finished.extend(span.flatten());
            }
            // There is room and there are tasks to start.
            _ => continue,
        }
        since_yield = 0;
    }
}

/// What one pass over the ready tasks ended with.
enum Polled {
    /// No task left.
    Empty,
    /// Every task is waiting for something.
    Waiting,
    /// The budget is spent: the loop's other tasks get their turn.
    GiveWay,
}

/// Runs task `task`; its span, unless the run was stopped while it ran.
async fn run_one<T: Timers>(shared: &Shared, timers: &T, task: u64) -> Option<Span> {
    let started = Instant::now();
    let (outcome, worker) = match plain_task(&shared.runner, task, started) {
        Some(Plain::Nothing) => (Ok(true), lane::current()),
        Some(Plain::WaitUntil(deadline)) => {
            timers.sleep_until(deadline).await;
            (Ok(true), lane::current())
        }
        // Boxed, so a plain task's future is not as large as this one's.
        None => Box::pin(run_task_async(&shared.runner, timers, task, &shared.offload, lane::current(), started)).await,
    };
    let ended = Instant::now();
    let ok = outcome.ok()?;
    Some(Span { task, worker, start_secs: shared.clock.secs_of(started), end_secs: shared.clock.secs_of(ended), ok })
}
