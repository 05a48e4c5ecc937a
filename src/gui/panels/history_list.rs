//! The compact history list: one row per run (click to select, × to delete) and Clear all. A
//! run opened from a result file says which file, and its machine when not this one.

use eframe::egui::{self, RichText};

use crate::report::format;

use super::super::command::UiCommand;
use super::super::history::History;
use super::super::plots::palette;

pub fn history_ui(ui: &mut egui::Ui, history: &History) -> Option<UiCommand> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.strong("History");
        if ui
            .add_enabled(!history.is_empty(), egui::Button::new("Clear all"))
            .on_hover_text("Forget every run.")
            .clicked()
        {
            command = Some(UiCommand::ClearHistory);
        }
    });
    let selected = history.selected().map(|e| e.id);
    egui::ScrollArea::vertical().id_salt("history").auto_shrink([false, true]).show(ui, |ui| {
        if history.is_empty() {
            ui.weak("Runs you make are listed here.");
        }
        for entry in history.entries().iter().rev() {
            let r = &entry.result;
            ui.horizontal(|ui| {
                let delete_label = format!("Delete run #{}", entry.id);
                let delete = ui.small_button("×");
                delete.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &delete_label));
                if delete.on_hover_text(&delete_label).clicked() {
                    command = Some(UiCommand::Delete(entry.id));
                }
                let text = RichText::new(format!("{}  {}", entry.label(), format::duration(r.elapsed_secs)))
                    .color(palette::backend(r.config.backend));
                // Truncated to the column (the tooltip has it whole).
                let row = ui.add(egui::Button::selectable(selected == Some(entry.id), text).truncate());
                let mut tip = format!("{}\n{}", r.config.describe(), r.outcome.name());
                if let Some(origin) = entry.source.file() {
                    tip += &format!(
                        "\nfrom {}\nmachine: {} ({}, {} logical cores)",
                        origin.path.display(),
                        origin.machine_label,
                        crate::presets::clip(&origin.machine.cpu_brand, 80),
                        origin.machine.logical_cores
                    );
                    ui.add(
                        egui::Label::new(RichText::new(format!("from {}", origin.file_name())).small().weak())
                            .truncate(),
                    );
                }
                if row.on_hover_text(tip).clicked() {
                    command = Some(UiCommand::Select(entry.id));
                }
            });
        }
    });
    command
}
