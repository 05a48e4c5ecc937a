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
        let spawned = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
            let _ = tx.send(job());
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => self.in_flight += 1,
            Err(e) => {
                let _ = self.tx.send(Err(format!("could not start a thread to write the file: {e}")));
            }
        }
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
