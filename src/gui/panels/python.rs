//! The Python part of the experiment panel: the Python backends in the chooser (their own row,
//! off with the reason when no interpreter answered), and the interpreter setting: its path
//! (empty: `python3` on PATH), what was found ("CPython 3.11.7"), and the process pool's
//! start method.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::engine::{BackendKind, ExperimentConfig};
use crate::engine::{DEFAULT_PYTHON, StartMethod};

use super::super::plots::palette;
use super::super::python_probe::{Detection, PythonProbe};

/// Why the Python backends are off, or `None` when an interpreter answered.
pub fn unavailable_reason(probe: &PythonProbe) -> Option<String> {
    match probe.detection() {
        Detection::Found(_) => None,
        Detection::Looking => Some("still looking for the Python interpreter".to_owned()),
        Detection::Missing(why) => Some(format!("no usable Python: {why}")),
    }
}

/// One selectable button per Python backend; off (with the reason) without an interpreter.
pub fn python_backends_ui(ui: &mut egui::Ui, backend: &mut BackendKind, probe: &PythonProbe) {
    let reason = unavailable_reason(probe);
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for &option in BackendKind::PYTHON {
            let button = egui::Button::selectable(*backend == option, option.name());
            let response = ui.add_enabled(reason.is_none(), button);
            let response = match &reason {
                None => response.on_hover_text(option.summary()),
                Some(why) => response.on_disabled_hover_text(format!("{}\n\nOff: {why}.", option.summary())),
            };
            if response.clicked() {
                *backend = option;
            }
        }
    });
}

/// The interpreter setting and what was found.
pub fn interpreter_ui(ui: &mut egui::Ui, config: &mut ExperimentConfig, probe: &PythonProbe) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let label = ui.label("Python").on_hover_text(
            "The interpreter the python-* backends run in: a path, or empty for python3 on PATH. \
             A free-threaded build (3.13t, 3.14t) runs with the GIL off.",
        );
        let mut text = config.python.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let edit = egui::TextEdit::singleline(&mut text).hint_text(DEFAULT_PYTHON).desired_width(150.0);
        if ui.add(edit).labelled_by(label.id).changed() {
            config.python = (!text.is_empty()).then(|| PathBuf::from(text));
        }
    });
    match probe.detection() {
        Detection::Looking => {
            ui.weak("looking for the interpreter…");
        }
        Detection::Found(python) => {
            let text = format!("{} · {}", python.label(), python.executable.display());
            ui.label(RichText::new(text).small()).on_hover_text("The interpreter the Python backends will run.");
        }
        Detection::Missing(why) => {
            ui.label(RichText::new(format!("Python backends off: {why}")).small().color(palette::error_text(dark)));
        }
    }
    let default_method = probe
        .interpreter()
        .and_then(|p| p.default_start_method.clone())
        .map_or_else(|| "the interpreter's default".to_owned(), |m| format!("default ({m})"));
    ui.horizontal(|ui| {
        let tip = "How python-processes starts its workers. fork copies the parent; spawn starts a \
                   fresh interpreter per worker; forkserver forks from a small server process \
                   (Python 3.14's default on Linux).";
        ui.label("Start method").on_hover_text(tip);
        let selected = config.start_method.map_or(default_method.clone(), |m| m.name().to_owned());
        egui::ComboBox::from_id_salt("start_method").selected_text(selected).show_ui(ui, |ui| {
            ui.selectable_value(&mut config.start_method, None, default_method);
            for method in StartMethod::ALL {
                ui.selectable_value(&mut config.start_method, Some(method), method.name());
            }
        });
    });
}
