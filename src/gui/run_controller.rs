//! Runs experiments off the UI thread. One named thread (`lab-run`) calls
//! [`run_experiment`] for each queued config; its event sink forwards engine events through a
//! channel and asks egui for a repaint. The UI drains the channel once per frame with
//! [`RunController::poll`] and never blocks on the run. Stop (and dropping the controller,
//! which happens when the window closes) cancels the run and joins the thread, which in turn
//! kills and reaps any worker processes. The run is scheduled like any program (not below the
//! window): the window instead draws at most 5 frames a second during a run (`frame_limit`),
//! so the run it measures keeps the cores.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use eframe::egui;

use crate::engine::{CancelToken, CpuSample, Event, ExperimentConfig, RunResult, ValidConfig, run_experiment};

use super::lanes::Lanes;

/// How often the run thread may wake the UI: 5 repaints a second keep the progress and the live
/// plots moving, while the window's own drawing (on a software renderer, tens of ms of CPU a
/// frame) takes as little as possible from the run it is measuring.
pub const REPAINT_AFTER: Duration = Duration::from_millis(200);

/// What the run thread sends. Times are taken on the run thread, so a UI that polls late
/// still shows how long the run has really been going.
enum Message {
    Started { config: ExperimentConfig, index: usize, at: Instant },
    Event(Event, Instant),
    Finished(Box<RunResult>),
}

/// What the UI shows about the run in progress.
#[derive(Debug)]
pub struct LiveRun {
    pub config: ExperimentConfig,
    /// Which of the queued configs is running (0-based) and how many there are.
    pub index: usize,
    pub of: usize,
    /// The repetition in progress: `None` before the first starts; else 1-based among the
    /// warm-ups (when `warmup`) or among the measured repetitions.
    pub repetition: Option<u32>,
    pub warmup: bool,
    pub tasks_done: u64,
    pub tasks_total: u64,
    /// When the current repetition started, on the UI's clock (the live bar and the core plot
    /// show one repetition, as a finished run does).
    pub started: Instant,
    /// The spans of the current repetition in their lanes, and its CPU samples, as they arrive
    /// (kept here only: the timeline draws these lanes).
    pub lanes: Lanes,
    pub cpu_samples: Vec<CpuSample>,
}

impl LiveRun {
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn apply(&mut self, event: Event, at: Instant) {
        match event {
            Event::RepetitionStarted { index, warmup, .. } => {
                let measured_index = index.saturating_sub(self.config.warmup);
                self.repetition = Some(if warmup { index + 1 } else { measured_index + 1 });
                self.warmup = warmup;
                self.started = at;
                self.tasks_done = 0;
                self.lanes = Lanes::default();
                self.cpu_samples.clear();
            }
            Event::Progress { done, total, .. } => {
                self.tasks_done = done;
                self.tasks_total = total;
            }
            Event::TasksFinished(spans) => self.lanes.extend(&spans),
            Event::CpuSample(sample) => self.cpu_samples.push(sample),
            Event::Finished { .. } => {}
        }
    }
}

struct ActiveRun {
    cancel: CancelToken,
    rx: Receiver<Message>,
    thread: Option<JoinHandle<()>>,
    live: Option<LiveRun>,
    of: usize,
}

#[derive(Default)]
pub struct RunController {
    active: Option<ActiveRun>,
}

impl RunController {
    pub fn is_running(&self) -> bool {
        self.active.is_some()
    }

    pub fn live(&self) -> Option<&LiveRun> {
        self.active.as_ref().and_then(|a| a.live.as_ref())
    }

    /// Starts running `configs` one after another. Ignored while a run is in progress.
    pub fn start(&mut self, configs: Vec<ValidConfig>, ctx: &egui::Context) -> std::io::Result<()> {
        if self.active.is_some() || configs.is_empty() {
            return Ok(());
        }
        let (tx, rx) = mpsc::channel();
        let cancel = CancelToken::new();
        let of = configs.len();
        let thread = {
            let (cancel, ctx) = (cancel.clone(), ctx.clone());
            std::thread::Builder::new().name("lab-run".into()).spawn(move || run_all(&configs, &cancel, &tx, &ctx))?
        };
        self.active = Some(ActiveRun { cancel, rx, thread: Some(thread), live: None, of });
        Ok(())
    }

    /// Asks the run to stop; it lands within ~100 ms and still reports a (cancelled) result.
    pub fn stop(&self) {
        if let Some(active) = &self.active {
            active.cancel.cancel();
        }
    }

    /// Applies what the run thread sent since the last frame. Returns finished runs in order.
    pub fn poll(&mut self) -> Vec<RunResult> {
        let Some(active) = &mut self.active else { return Vec::new() };
        let mut finished = Vec::new();
        let mut disconnected = false;
        loop {
            match active.rx.try_recv() {
                Ok(Message::Started { config, index, at }) => {
                    active.live = Some(LiveRun {
                        tasks_total: config.tasks,
                        config,
                        index,
                        of: active.of,
                        repetition: None,
                        warmup: false,
                        tasks_done: 0,
                        started: at,
                        lanes: Lanes::default(),
                        cpu_samples: Vec::new(),
                    });
                }
                Ok(Message::Event(event, at)) => {
                    if let Some(live) = &mut active.live {
                        live.apply(event, at);
                    }
                }
                Ok(Message::Finished(result)) => {
                    // The run is in the history now; don't also draw it as the live one.
                    active.live = None;
                    finished.push(*result);
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    disconnected = true;
                    break;
                }
            }
        }
        if disconnected {
            self.finish();
        }
        finished
    }

    /// Cancels (if still running) and waits for the run thread; it reaps its workers first.
    fn finish(&mut self) {
        if let Some(mut active) = self.active.take() {
            active.cancel.cancel();
            if let Some(thread) = active.thread.take() {
                // The run thread catches task panics itself; a panic here is a bug in the lab,
                // and the window stays up either way.
                let _ = thread.join();
            }
        }
    }
}

impl Drop for RunController {
    fn drop(&mut self) {
        self.finish();
    }
}

fn run_all(configs: &[ValidConfig], cancel: &CancelToken, tx: &Sender<Message>, ctx: &egui::Context) {
    let sink = |event: Event| {
        // A closed channel means the UI is gone; the cancel token stops the run.
        let _ = tx.send(Message::Event(event, Instant::now()));
        ctx.request_repaint_after(REPAINT_AFTER);
    };
    for (index, config) in configs.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        let _ = tx.send(Message::Started { config: (**config).clone(), index, at: Instant::now() });
        let result = run_experiment(config, cancel, &sink);
        let _ = tx.send(Message::Finished(Box::new(result)));
        ctx.request_repaint();
    }
}
