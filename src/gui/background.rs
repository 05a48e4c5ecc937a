//! File writes off the UI thread: each job runs on its own named thread and reports one line
//! for the status bar ("Saved …" or the error), then asks for a repaint.

use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui;

/// What a finished job says: `Ok` for the status line, `Err` for an error.
pub type Report = Result<String, String>;

pub struct Background {
    tx: Sender<Report>,
    rx: Receiver<Report>,
    in_flight: usize,
}

impl Default for Background {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self { tx, rx, in_flight: 0 }
    }
}

impl Background {
    /// Runs `job` on a thread named `name`. A thread that can't start is reported at once.
    pub fn spawn(&mut self, name: &str, ctx: &egui::Context, job: impl FnOnce() -> Report + Send + 'static) {
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        // Every job sends exactly one report, even if it panics or its thread can't start, so
        // `in_flight` always comes back to zero.
        self.in_flight += 1;
        let spawned = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
            let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                .unwrap_or_else(|_| Err("the file was not written: the writer thread panicked".to_owned()));
            let _ = tx.send(report);
            ctx.request_repaint();
        });
        if let Err(e) = spawned {
            let _ = self.tx.send(Err(format!("could not start a thread to write the file: {e}")));
        }
    }

    /// Waits up to `timeout` for the jobs still running (on exit, so a file being saved is
    /// not lost). Returns their reports.
    pub fn wait(&mut self, timeout: std::time::Duration) -> Vec<Report> {
        let deadline = std::time::Instant::now() + timeout;
        let mut reports = Vec::new();
        while self.in_flight > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(report) => {
                    self.in_flight -= 1;
                    reports.push(report);
                }
                Err(_) => break,
            }
        }
        reports
    }

    /// Reports of the jobs that finished since the last call.
    pub fn poll(&mut self) -> Vec<Report> {
        let reports: Vec<Report> = self.rx.try_iter().collect();
        self.in_flight = self.in_flight.saturating_sub(reports.len());
        reports
    }

    pub fn is_busy(&self) -> bool {
        self.in_flight > 0
    }
}
