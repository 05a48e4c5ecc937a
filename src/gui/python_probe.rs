//! Which Python the Python backends would run, found off the UI thread: when the interpreter
//! setting changes, a `lab-ui-python-probe` thread probes it and reports back; until then the
//! panel says "looking for …". The backends are offered only once an interpreter answered.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

use eframe::egui;

use crate::engine::{Interpreter, interpreter};

/// What is known about the interpreter the settings name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    Looking,
    Found(Interpreter),
    /// Why there is no usable interpreter (names the path tried).
    Missing(String),
}

type Answer = (Option<PathBuf>, Result<Interpreter, String>);

#[derive(Debug)]
pub struct PythonProbe {
    /// The setting the current `detection` (or the probe in flight) is for.
    probed: Option<Option<PathBuf>>,
    detection: Detection,
    in_flight: Option<Receiver<Answer>>,
}

impl Default for PythonProbe {
    fn default() -> Self {
        Self { probed: None, detection: Detection::Looking, in_flight: None }
    }
}

impl PythonProbe {
    /// A probe that already knows the answer (tests).
    pub fn known(setting: Option<PathBuf>, detection: Detection) -> Self {
        Self { probed: Some(setting), detection, in_flight: None }
    }

    pub fn detection(&self) -> &Detection {
        &self.detection
    }

    pub fn interpreter(&self) -> Option<&Interpreter> {
        match &self.detection {
            Detection::Found(python) => Some(python),
            _ => None,
        }
    }

    /// Takes a finished probe's answer, and starts one for `setting` when it changed (one
    /// at a time: a path typed letter by letter is probed as it stands when the last ends).
    pub fn poll(&mut self, setting: Option<&Path>, ctx: &egui::Context) {
        if let Some(rx) = &self.in_flight {
            match rx.try_recv() {
                Ok((probed, answer)) => {
                    self.in_flight = None;
                    if probed.as_deref() == setting {
                        self.detection = match answer {
                            Ok(python) => Detection::Found(python),
                            Err(why) => Detection::Missing(why),
                        };
                    }
                }
                Err(mpsc::TryRecvError::Empty) => return,
                Err(mpsc::TryRecvError::Disconnected) => self.in_flight = None,
            }
        }
        let wanted = setting.map(Path::to_path_buf);
        if self.probed.as_ref() == Some(&wanted) && self.in_flight.is_none() {
            return;
        }
        if self.probed.as_ref() != Some(&wanted) {
            self.detection = Detection::Looking;
        }
        self.probed = Some(wanted.clone());
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new().name("lab-ui-python-probe".to_owned()).spawn(move || {
            let answer = interpreter::detect(&interpreter::requested(wanted.as_deref())).map_err(|e| e.to_string());
            let _ = tx.send((wanted, answer));
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => self.in_flight = Some(rx),
            Err(e) => self.detection = Detection::Missing(format!("could not start the probe thread: {e}")),
        }
    }
}
