//! The history's safety nets and the way files come in: Clear all is undoable (the status
//! bar's Undo, Ctrl+Z), Open results takes typed paths (no system dialog needed) and lists
//! every file that failed with its reason, and Run all backends and Run this preset say how
//! long they will take before they start.

use concurrency_lab::engine::{BackendKind, Workload, WorkloadKind};
use concurrency_lab::gui::LabApp;
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

use super::{harness, settings, step_until};

fn mock_and_threads() -> LabApp {
    LabApp::with_settings(settings(Workload::new(WorkloadKind::Noop, 0), 40, 4))
        .with_backends(vec![BackendKind::Mock, BackendKind::Threads])
}

#[test]
fn clear_all_is_undone_by_the_status_bar_or_ctrl_z() {
    let mut harness = harness(mock_and_threads());
    harness.get_by_label("Run all backends").click();
    step_until(&mut harness, "two runs", |app| !app.is_running() && app.history().entries().len() == 2);
    let ids = |app: &LabApp| app.history().entries().iter().map(|e| e.id).collect::<Vec<_>>();
    let before = ids(harness.state());
    assert!(harness.query_by_label("Undo clear").is_none(), "nothing to undo yet");

    harness.get_by_label("Clear all").click();
    harness.run_steps(2);
    assert!(harness.state().history().is_empty());
    assert!(harness.state().status().text.starts_with("Cleared 2 runs."), "{}", harness.state().status().text);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    assert_eq!(ids(harness.state()), before, "Ctrl+Z brings them back with their ids");
    assert_eq!(harness.state().undoable_runs(), 0);

    // Cleared, a run made, cleared again: Undo brings back all three, in order.
    harness.get_by_label("Clear all").click();
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    step_until(&mut harness, "a third run", |app| !app.is_running() && app.history().entries().len() == 1);
    harness.get_by_label("Clear all").click();
    harness.run_steps(2);
    assert_eq!(harness.state().undoable_runs(), 3);
    harness.get_by_label("Undo clear").click();
    harness.run_steps(2);
    let after = ids(harness.state());
    assert_eq!(after.len(), 3);
    assert_eq!(after[..2], before[..], "the first cleared come first");
    assert!(harness.state().status().text.starts_with("Restored 3 runs"), "{}", harness.state().status().text);
}

#[test]
fn open_results_takes_typed_paths_and_lists_every_failure_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    {
        // A result file made here: the export of one mock run.
        let mut harness = harness(mock_and_threads().with_export_path(good.clone()));
        harness.state_mut().settings_mut().config.backend = BackendKind::Mock;
        harness.get_by_label("Run").click();
        step_until(&mut harness, "a run", |app| !app.is_running() && !app.history().is_empty());
        harness.get_by_label("Export data…").click();
        step_until(&mut harness, "the export", |app| !app.is_saving() && good.exists());
    }
    let not_json = dir.path().join("notes.json");
    std::fs::write(&not_json, "hello").unwrap();
    let missing = dir.path().join("missing.json");

    let mut harness = harness(mock_and_threads());
    harness.get_by_label("Open results…").click();
    harness.run_steps(4); // a new window shows from its second frame
    let paths = [&not_json, &good, &missing].map(|p| p.display().to_string()).join("\n");
    harness.get_by_role(Role::MultilineTextInput).focus();
    harness.run_steps(1);
    harness.get_by_role(Role::MultilineTextInput).type_text(&paths);
    harness.run_steps(1);
    assert_eq!(harness.get_by_role(Role::MultilineTextInput).value(), Some(paths.clone()), "one path a line");
    harness.get_by_label("Open").click();
    harness.run_steps(1);
    step_until(&mut harness, "the files to be read", |app| !app.is_opening());
    harness.run_steps(2);
    let failures = harness.state().open_failures().to_vec();
    assert_eq!(
        harness.state().history().entries().len(),
        1,
        "the good file's run joins the history: {failures:?} {}",
        harness.state().status().text
    );
    let failures = harness.state().open_failures().to_vec();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0].contains("notes.json") && failures[0].contains("not a Concurrency Lab result file"));
    assert!(failures[1].contains("missing.json"), "{failures:?}");
    let status = harness.state().status().clone();
    assert!(status.error && status.text.contains("1 file opened; 2 files not opened"), "{status:?}");
    harness.get_by_label("2 files not opened");
    harness.get_by_label(&failures[1]);
    harness.get_by_label("OK").click();
    harness.run_steps(2);
    assert!(harness.state().open_failures().is_empty(), "dismissed");
}

#[test]
fn run_all_and_run_this_preset_say_how_long_they_take_before_they_start() {
    let mut harness = harness(mock_and_threads());
    harness.run_steps(2);
    harness.get_by_label_contains("Run all backends takes under a second (an estimate: from the settings");
    harness.get_by_label("Run all backends").click();
    step_until(&mut harness, "two runs", |app| !app.is_running() && app.history().entries().len() == 2);
    harness
        .get_by_label_contains("Run all backends takes under a second (an estimate: from earlier runs of this work)");

    let preset = concurrency_lab::presets::load("cpu-primes-gil").unwrap();
    harness.state_mut().load_preset(preset);
    harness.run_steps(2);
    harness.get_by_label_contains("Takes about");
    let from_settings = harness.query_all_by_label_contains("(an estimate: from the settings").count();
    assert_eq!(from_settings, 2, "the preset's runs and Run all on the preset's work: none ran yet");
}
