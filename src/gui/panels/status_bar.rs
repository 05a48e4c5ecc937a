//! The status bar: the last message (a saved file, a refused config, an error), Undo while
//! Clear all can be undone, and what the machine is, so a screenshot of the window says where
//! its figures came from.

use eframe::egui::{self, RichText};

use super::super::command::UiCommand;
use super::super::plots::palette;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

impl Status {
    pub fn info(text: impl Into<String>) -> Self {
        Self { text: text.into(), error: false }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self { text: text.into(), error: true }
    }
}

/// Draws the bar; `undoable` is how many cleared runs Undo would bring back (0: no Undo).
pub fn status_bar_ui(ui: &mut egui::Ui, status: &Status, machine: &str, undoable: usize) -> Option<UiCommand> {
    let mut command = None;
    let text = RichText::new(&status.text);
    let text = if status.error { text.color(palette::error_text(ui.visuals().dark_mode)) } else { text };
    // The machine first, at the right; the message gets the rest and is cut short to fit it
    // (the whole message is in its tooltip).
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.weak(machine);
        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
            if undoable > 0 {
                let runs = if undoable == 1 { "1 run".to_owned() } else { format!("{undoable} runs") };
                let undo =
                    ui.button("Undo clear").on_hover_text(format!("Put the {runs} Clear all removed back (Ctrl+Z)."));
                if undo.clicked() {
                    command = Some(UiCommand::UndoClear);
                }
            }
            ui.add(egui::Label::new(text).truncate());
        });
    });
    command
}
