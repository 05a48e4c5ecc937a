//! The loaded preset, above the controls: its name (marked "modified" once the controls differ),
//! its description (which states the claim and what to look at), and "Run this preset", which
//! runs every backend the preset lists with its own worker counts, as the CLI does, with an
//! estimate of how long that takes.

use eframe::egui::{self, RichText};

use crate::engine::ExperimentConfig;
use crate::presets::Preset;

use super::super::command::UiCommand;
use super::super::settings::Settings;

/// `estimate`: how long Run this preset would take, in words.
pub fn preset_note_ui(
    ui: &mut egui::Ui,
    preset: &Preset,
    settings: &Settings,
    running: bool,
    estimate: Option<&str>,
) -> Option<UiCommand> {
    // The interpreter is the user's setting, not the preset's: it does not make it "modified".
    let as_run = |c: &ExperimentConfig| ExperimentConfig {
        python: settings.config.python.clone(),
        start_method: c.start_method.or(settings.config.start_method),
        ..c.clone()
    };
    let modified = preset.configs().first().is_none_or(|c| as_run(c) != settings.config);
    let mut command = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong(format!("Preset: {}{}", preset.name, if modified { " (modified)" } else { "" }));
        ui.add(egui::Label::new(RichText::new(one_paragraph(&preset.description)).small()).wrap());
        let backends: Vec<&str> = preset.backends.iter().map(|b| b.name()).collect();
        let run = ui.add_enabled(!running, egui::Button::new("Run this preset"));
        let tip = format!(
            "Run the preset as saved, on each of its backends ({}) with its worker counts. \
             Your edits to the controls are not used.",
            backends.join(", ")
        );
        if run.on_hover_text(tip).clicked() {
            command = Some(UiCommand::RunPreset);
        }
        if let Some(estimate) = estimate.filter(|_| !running) {
            ui.add(egui::Label::new(RichText::new(format!("Takes {estimate}.")).small().weak()).wrap());
        }
    });
    command
}

/// Preset descriptions are wrapped by hand in their TOML files; let the panel wrap them instead.
pub fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first sentence of a description (a claim preset states its claim there), for lists
/// where the whole description would not fit.
pub fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |end| &text[..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sentence_is_the_claim() {
        let text = one_paragraph("Claim: loops overlap waits.\nThreads\n  need one each. More.");
        assert_eq!(text, "Claim: loops overlap waits. Threads need one each. More.");
        assert_eq!(first_sentence(&text), "Claim: loops overlap waits.");
        assert_eq!(first_sentence("No full stop"), "No full stop");
    }
}
