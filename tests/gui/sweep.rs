//! Sweep mode in the window, on the mock backend (1 ms of virtual time per task, so a point's
//! time is exact; sleeps paced in real time where a test needs the sweep to take a while).

use std::time::{Duration, Instant};

use concurrency_lab::engine::{BackendKind, MAX_SWEEP_VALUES, Outcome, Vary, Workload, WorkloadKind};
use concurrency_lab::gui::LabApp;
use concurrency_lab::gui::sweeps::Mode;
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use super::{harness, settings, step_until};

fn mock_app(workload: Workload, tasks: u64) -> Harness<'static, LabApp> {
    let mut config = settings(workload, tasks, 1);
    config.config.backend = BackendKind::Mock;
    harness(LabApp::with_settings(config).with_backends(vec![BackendKind::Mock, BackendKind::Threads]))
}

/// Replaces what the values field holds, as a user would: select all, type.
fn type_values(harness: &mut Harness<'_, LabApp>, text: &str) {
    harness.get_by_role_and_label(Role::TextInput, "Values").focus();
    harness.run_steps(1);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run_steps(1);
    harness.get_by_role_and_label(Role::TextInput, "Values").type_text(text);
    harness.run_steps(2);
}

fn click_at(harness: &mut Harness<'_, LabApp>, pos: eframe::egui::Pos2) {
    harness.hover_at(pos);
    harness.run_steps(1);
    harness.drag_at(pos);
    harness.run_steps(1);
    harness.drop_at(pos);
    harness.run_steps(2);
}

#[test]
fn a_sweep_runs_each_point_charts_them_and_a_click_opens_a_points_run() {
    let mut harness = mock_app(Workload::new(WorkloadKind::Noop, 0), 40);
    harness.get_by_label("Sweep").click();
    harness.run_steps(2);
    assert_eq!(harness.state().sweeps().form.mode, Mode::Sweep);
    type_values(&mut harness, "1..4:x2");
    assert_eq!(harness.state().sweeps().form.values, "1..4:x2");
    harness.get_by_label("3 points, one run each");
    assert_eq!(harness.state().sweeps().form.backends, [BackendKind::Mock], "the experiment's backend to start with");

    harness.get_by_label("Run sweep").click();
    step_until(&mut harness, "three points", |app| !app.is_running() && app.history().entries().len() == 3);
    let app = harness.state();
    let workers: Vec<u64> = app.history().entries().iter().map(|e| e.result.config.workers).collect();
    assert_eq!(workers, [1, 2, 4], "one point per value, in order");
    let [sweep] = app.sweeps().all() else { panic!("one sweep") };
    let ids: Vec<u64> = app.history().entries().iter().map(|e| e.id).collect();
    assert_eq!((sweep.points.as_slice(), sweep.running, sweep.spec.vary), (ids.as_slice(), false, Vary::Workers));
    // 40 tasks of 1 ms on 1, 2 and 4 lanes: the speedup at 4 is about 4.
    let (report, _) = sweep.report(app.history(), 2);
    let speedup = report.backends[0].points[2].speedup.expect("a workers sweep has speedups");
    assert!((3.0..=5.0).contains(&speedup), "speedup {speedup}");
    for heading in ["Elapsed vs workers", "Speedup", "Karp–Flatt e(N)", "Fitted laws"] {
        harness.get_by_label(heading);
    }
    harness.get_by_label_contains("3 of 3 points");

    // The last point is selected (it finished last); clicking the first opens its run.
    assert_eq!(harness.state().history().selected().map(|e| e.id), Some(ids[2]));
    let drawn = harness.state().sweep_points_on_screen().to_vec();
    assert_eq!(drawn.len(), 6, "three points on each chart: {drawn:?}");
    let (_, first) = drawn.iter().find(|(id, _)| *id == ids[0]).copied().expect("the first point is drawn");
    click_at(&mut harness, first);
    assert_eq!(harness.state().history().selected().map(|e| e.id), Some(ids[0]));
    harness.get_by_label(&format!("Core utilization — run #{} mock", ids[0]));

    // Back to one run: the usual plots.
    harness.get_by_label("One run").click();
    harness.run_steps(2);
    harness.get_by_label("Elapsed time");
    assert!(harness.query_by_label("Speedup").is_none());
}

#[test]
fn bad_values_show_the_error_and_run_nothing() {
    let mut harness = mock_app(Workload::new(WorkloadKind::Noop, 0), 4);
    harness.get_by_label("Sweep").click();
    harness.run_steps(2);
    type_values(&mut harness, "1,two");
    harness.get_by_label("values: 'two' is not a whole number");
    assert!(harness.get_by_label("Run sweep").accesskit_node().is_disabled());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.run_steps(2);
    assert_eq!(harness.state().status().text, "Not run: values: 'two' is not a whole number");

    type_values(&mut harness, "4,2");
    harness.get_by_label("sweep: workers values must increase, but 2 comes after 4");
    type_values(&mut harness, "1..1000");
    harness.get_by_label(&format!("values: the range gives more than {MAX_SWEEP_VALUES} values"));
    // A point the engine refuses is named, with the engine's bound.
    type_values(&mut harness, "1,5000000");
    harness.get_by_label_contains("sweep point workers = 5000000 on mock: workers must be between 1 and");
    assert!(harness.get_by_label("Run sweep").accesskit_node().is_disabled());
    // No backend at all.
    type_values(&mut harness, "1,2");
    harness.get_by_label("mock").click();
    harness.run_steps(2);
    harness.get_by_label("sweep: pick at least one backend");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.run_steps(2);
    assert!(
        !harness.state().is_running()
            && harness.state().history().is_empty()
            && harness.state().sweeps().all().is_empty()
    );
}

#[test]
fn a_long_sweep_asks_first_and_stop_keeps_the_finished_points() {
    // 64 values × 2 repetitions = 128 runs, over the command line's limit of 100. Each point
    // sleeps 4 × 30 ms on its workers, paced in real time.
    let mut harness = mock_app(Workload::new(WorkloadKind::Sleep, 30), 4);
    harness.state_mut().settings_mut().config.repeat = 2;
    harness.get_by_label("Sweep").click();
    harness.run_steps(2);
    type_values(&mut harness, "1..64");
    harness.get_by_label_contains("64 points, 128 runs with repetitions and warm-ups: more than 100");
    harness.get_by_label("Run sweep").click();
    harness.run_steps(3); // the click, then the dialog's sizing pass
    harness.get_by_label("Run this sweep?");
    assert!(!harness.state().is_running(), "nothing runs before the answer");
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Run this sweep?").is_none());
    assert!(!harness.state().is_running() && harness.state().history().is_empty());

    harness.get_by_label("Run sweep").click();
    harness.run_steps(3);
    harness.get_by_label("Run all 128 runs").click();
    step_until(&mut harness, "two points", |app| app.history().entries().len() >= 2);
    assert!(harness.state().is_running());
    harness.get_by_label_contains("points done · about"); // the estimate, once a point is in
    let started = Instant::now();
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the sweep to stop", |app| !app.is_running());
    assert!(started.elapsed() < Duration::from_secs(10), "Stop took effect");
    let app = harness.state();
    let [sweep] = app.sweeps().all() else { panic!("one sweep") };
    let kept = sweep.points.len();
    assert!((2..64).contains(&kept), "{kept} of 64 points kept");
    // Every finished point is in the history; the point Stop cut short is a run there too, but
    // not a point of the sweep.
    let entries = app.history().entries();
    let completed = entries.iter().filter(|e| e.result.outcome == Outcome::Completed).count();
    assert_eq!(kept, completed, "every finished point is a point");
    assert!(entries.len() - kept <= 1, "at most the stopped point is not one");
    assert!(entries.iter().skip(kept).all(|e| e.result.outcome == Outcome::Cancelled));
    harness.get_by_label_contains(&format!("{kept} of 64 points · stopped"));
}

#[test]
fn run_this_preset_runs_a_sweep_preset_as_a_sweep() {
    let text = r#"
version = 1
name = "mock sweep"
description = "The mock from 1 to 4 workers."
backends = ["mock"]
[workload]
kind = "noop"
[run]
tasks = 8
workers = 1
[sweep]
vary = "workers"
values = [1, 2, 4]
"#;
    let source = concurrency_lab::presets::PresetSource::Bundled;
    let preset = concurrency_lab::presets::parse("mock-sweep", source, text).unwrap();
    let mut app = LabApp::with_settings(settings(Workload::new(WorkloadKind::Noop, 0), 2, 2))
        .with_backends(vec![BackendKind::Mock]);
    app.load_preset(preset);
    let mut harness = harness(app);
    harness.get_by_label("Run this preset").click();
    step_until(&mut harness, "the preset's sweep", |app| !app.is_running() && app.history().entries().len() == 3);
    let app = harness.state();
    assert_eq!(app.sweeps().form.mode, Mode::Sweep, "the sweep view opens");
    let [sweep] = app.sweeps().all() else { panic!("one sweep") };
    assert_eq!((sweep.spec.values.as_slice(), sweep.points.len()), (&[1, 2, 4][..], 3));
    assert_eq!(app.sweeps().form.values, "1,2,4", "the form shows what ran");
    harness.get_by_label("Speedup");
}

/// Whether the experiment panel's slider whose label starts with `name` is greyed.
fn slider_greyed(harness: &Harness<'_, LabApp>, name: &str) -> bool {
    let slider = harness
        .query_all_by_role(Role::Slider)
        .find(|node| node.accesskit_node().label().is_some_and(|label| label.starts_with(name)));
    slider.unwrap_or_else(|| panic!("a slider labelled {name}…")).accesskit_node().is_disabled()
}

#[test]
fn the_swept_parameters_slider_is_greyed_and_the_status_says_how_to_start() {
    let mut harness = mock_app(Workload::new(WorkloadKind::Sleep, 10), 40);
    harness.get_by_label_contains("then press Run (Ctrl+Enter)");
    assert!(!slider_greyed(&harness, "Workers") && !slider_greyed(&harness, "Tasks"), "One run: nothing greyed");
    harness.get_by_label("Sweep").click();
    harness.run_steps(2);
    assert!(slider_greyed(&harness, "Workers"), "the sweep varies workers: their slider is greyed");
    assert!(!slider_greyed(&harness, "Tasks") && !slider_greyed(&harness, "Size"));
    harness.get_by_label_contains("then press Run sweep (Ctrl+Enter)");

    harness.state_mut().sweeps_mut().form.vary = Vary::Size;
    harness.run_steps(2);
    assert!(slider_greyed(&harness, "Size") && !slider_greyed(&harness, "Workers"));
    harness.get_by_label("One run").click();
    harness.run_steps(2);
    assert!(!slider_greyed(&harness, "Size"), "back in One run, nothing greyed");
    harness.get_by_label_contains("then press Run (Ctrl+Enter)");
}
