//! The bar across the top: the Presets menu (bundled and user presets with the first sentence
//! of their descriptions, the whole one on hover), Open results, Save PNG, Export data, and the theme
//! buttons (system, light, dark).

use eframe::egui::{self, RichText, ThemePreference};

use crate::presets::{Preset, PresetError};

use super::super::command::UiCommand;

pub struct TopBarView<'a> {
    pub presets: &'a [Result<Preset, PresetError>],
    pub can_save_png: bool,
    pub can_export: bool,
}

pub fn top_bar_ui(ui: &mut egui::Ui, view: &TopBarView<'_>) -> Option<UiCommand> {
    let mut command = None;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("Presets", |ui| {
            ui.set_max_width(460.0);
            if let Some(preset) = presets_menu(ui, view.presets) {
                command = Some(UiCommand::LoadPreset(Box::new(preset)));
                ui.close();
            }
        })
        .response
        .on_hover_text("Load a preset's workload and settings into the controls.");
        ui.separator();
        let open = ui.button("Open results…");
        if open.on_hover_text("Open result files (--json from any machine, or Export data) next to the runs here: type their paths or browse; or drop them onto the window.").clicked() {
            command = Some(UiCommand::OpenResults);
        }
        let png = ui.add_enabled(view.can_save_png, egui::Button::new("Save PNG…"));
        let tip = "Save the figure of the runs shown, as run --png draws it: 1600×900, in this theme (Ctrl+S).";
        if png.on_hover_text(tip).clicked() {
            command = Some(UiCommand::SavePng);
        }
        let data = ui.add_enabled(view.can_export, egui::Button::new("Export data…"));
        if data.on_hover_text("Write every run in the history as JSON, CSV, Markdown or a Perfetto trace (.trace.json), as the CLI does.").clicked() {
            command = Some(UiCommand::ExportData);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), theme_ui);
    });
    command
}

/// Follow the system, or force light or dark (egui remembers the choice across restarts).
fn theme_ui(ui: &mut egui::Ui) {
    let mut preference = ui.options(|o| o.theme_preference);
    let before = preference;
    // Right to left: the last added shows first.
    for (option, text) in
        [(ThemePreference::Dark, "Dark"), (ThemePreference::Light, "Light"), (ThemePreference::System, "System")]
    {
        ui.selectable_value(&mut preference, option, text).on_hover_text(match option {
            ThemePreference::System => "Follow the system's light or dark setting.",
            ThemePreference::Light => "Always light.",
            ThemePreference::Dark => "Always dark.",
        });
    }
    ui.weak("Theme");
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

fn presets_menu(ui: &mut egui::Ui, presets: &[Result<Preset, PresetError>]) -> Option<Preset> {
    let mut chosen = None;
    let mut last_source = "";
    for preset in presets {
        match preset {
            Ok(preset) => {
                let source = preset.source.label();
                if source != last_source {
                    if !last_source.is_empty() {
                        ui.separator();
                    }
                    ui.weak(format!("{source} presets"));
                    last_source = source;
                }
                let text = RichText::new(&preset.name).strong();
                let backends: Vec<&str> = preset.backends.iter().map(|b| b.name()).collect();
                let description = super::preset_note::one_paragraph(&preset.description);
                let tip = format!("{description}\n\nBackends: {}", backends.join(", "));
                if ui.button(text).on_hover_text(tip).clicked() {
                    chosen = Some(preset.clone());
                }
                // The claim only: a dozen whole descriptions would not fit on a screen.
                let claim = super::preset_note::first_sentence(&description);
                ui.add(egui::Label::new(RichText::new(claim).small().weak()).wrap());
            }
            Err(error) => {
                ui.label(RichText::new(format!("Not loaded: {error}")).small())
                    .on_hover_text("This preset file could not be loaded.");
            }
        }
    }
    if presets.is_empty() {
        ui.weak("No presets found.");
    }
    chosen
}
