//! The desktop lab driven headlessly with egui_kittest: the real `LabApp`, found by labels,
//! running on the mock backend (deterministic, instant) and, for the comparison, on real
//! threads. Save PNG renders through wgpu on Mesa's software rasterizer.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test's helpers fail the test loudly")]

use std::time::{Duration, Instant};

use concurrency_lab::engine::{BackendKind, ExperimentConfig, Outcome, Workload, WorkloadKind};
use concurrency_lab::gui::LabApp;
use concurrency_lab::gui::settings::Settings;
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn settings(workload: Workload, tasks: u64, workers: u64) -> Settings {
    let config =
        ExperimentConfig { backend: BackendKind::Threads, workload, tasks, workers, ..ExperimentConfig::default() };
    Settings { config, ..Settings::default() }
}

fn harness(app: LabApp) -> Harness<'static, LabApp> {
    Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |_cc| app)
}

/// Steps frames (the run goes on in real time on its own thread) until `done` holds.
fn step_until(harness: &mut Harness<'_, LabApp>, what: &str, done: impl Fn(&LabApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.step();
}

#[test]
fn a_run_lands_in_the_history_and_run_all_backends_compares() {
    let app = LabApp::with_settings(settings(Workload::new(WorkloadKind::Noop, 0), 2, 2))
        .with_backends(vec![BackendKind::Mock, BackendKind::Threads]);
    let mut harness = harness(app);
    harness.get_by_role_and_label(Role::SpinButton, "Tasks").set_value_accesskit(40.0);
    harness.get_by_role_and_label(Role::SpinButton, "Workers (threads)").set_value_accesskit(4.0);
    harness.get_by_label("mock").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().config.tasks, 40);
    assert_eq!(harness.state().settings().config.backend, BackendKind::Mock);
    assert_eq!(harness.state().settings().config.workers, 4);

    harness.get_by_label("Run").click();
    step_until(&mut harness, "the mock run to finish", |app| !app.is_running() && app.history().entries().len() == 1);
    let history = harness.state().history();
    let entry = &history.entries()[0];
    assert_eq!(history.selected().map(|e| e.id), Some(entry.id), "a new run is selected");
    assert_eq!(entry.result.outcome, Outcome::Completed);
    assert_eq!(entry.result.tasks_ok, 40);
    assert_eq!(entry.result.spans.len(), 40);
    // The mock takes 1 ms of virtual time per task: 40 tasks over 4 lanes.
    assert!((entry.result.elapsed_secs - 0.010).abs() < 0.002, "{}", entry.result.elapsed_secs);
    harness.get_by_label_contains("Run all backends does them all");
    harness.get_by_label("#1 mock"); // the summary's heading

    harness.get_by_label("Run all backends").click();
    step_until(&mut harness, "mock and threads to finish", |app| {
        !app.is_running() && app.history().entries().len() == 3
    });
    let backends: Vec<BackendKind> =
        harness.state().history().entries().iter().map(|e| e.result.config.backend).collect();
    assert_eq!(backends, [BackendKind::Mock, BackendKind::Mock, BackendKind::Threads], "one bar per run, in order");
    // The verdict for the selected (last) run names the comparison in words.
    harness.get_by_label_contains("faster than");

    // Clicking a row of the history list selects that run for the summary.
    let first = harness.state().history().entries()[0].id;
    harness.get_by_label_contains(&format!("#{first} mock  ")).click(); // its history row
    harness.run_steps(2);
    assert_eq!(harness.state().history().selected().map(|e| e.id), Some(first));
    harness.get_by_label(&format!("Delete run #{first}")).click();
    harness.run_steps(2);
    assert_eq!(harness.state().history().entries().len(), 2);
    harness.get_by_label("Clear all").click();
    harness.run_steps(2);
    assert!(harness.state().history().is_empty());
}

#[test]
fn stop_ends_a_run_early_and_keeps_what_ran() {
    // 60 sleeps of 200 ms on one lane: 12 s if nobody stops it. The mock paces sleeps in real time.
    let mut config = settings(Workload::new(WorkloadKind::Sleep, 200), 60, 1);
    config.config.backend = BackendKind::Mock;
    let mut harness = harness(LabApp::with_settings(config).with_backends(vec![BackendKind::Mock]));
    let started = Instant::now();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    step_until(&mut harness, "the run to start", LabApp::is_running);
    step_until(&mut harness, "a few tasks", |app| app.is_running() && started.elapsed() > Duration::from_millis(700));
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the run to stop", |app| !app.is_running());
    assert!(started.elapsed() < Duration::from_secs(6), "Stop took effect");
    let entry = &harness.state().history().entries()[0];
    assert_eq!(entry.result.outcome, Outcome::Cancelled);
    assert!(entry.result.tasks_ok >= 1 && entry.result.tasks_ok < 60, "{} tasks ran", entry.result.tasks_ok);
    harness.get_by_label_contains("Stopped before the end");
}

#[test]
fn an_invalid_value_disables_run_and_shows_the_engines_message() {
    let mut harness = harness(LabApp::with_settings(settings(Workload::new(WorkloadKind::Primes, 1000), 2, 2)));
    harness.get_by_role_and_label(Role::SpinButton, "Tasks").set_value_accesskit(0.0);
    harness.run_steps(2);
    harness.get_by_label("tasks must be between 1 and 1000000, got 0");
    assert!(harness.get_by_label("Run").accesskit_node().is_disabled());
    assert!(harness.get_by_label("Run all backends").accesskit_node().is_disabled());
    // The shortcut is refused too, with the same message in the status bar.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.run_steps(2);
    assert!(!harness.state().is_running());
    assert_eq!(harness.state().status().text, "Not run: tasks must be between 1 and 1000000, got 0");

    // Too many processes for this machine: the bound names the cores.
    harness.get_by_role_and_label(Role::SpinButton, "Tasks").set_value_accesskit(2.0);
    harness.get_by_label("processes").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::SpinButton, "Workers (processes)").set_value_accesskit(1000.0);
    harness.run_steps(2);
    harness.get_by_label_contains("workers must be between 1 and");
    harness.get_by_label_contains("cores) for the processes backend, got 1000");
    assert!(harness.get_by_label("Run").accesskit_node().is_disabled());
}

#[test]
fn a_preset_loads_its_values_into_the_controls() {
    let mut harness = harness(LabApp::with_settings(Settings::default()));
    let preset = concurrency_lab::presets::load("io-many-sleeps").map_err(|e| e.to_string());
    let preset = preset.unwrap();
    harness.get_by_label("Presets").click();
    harness.run_steps(2);
    harness.get_by_label(&preset.name).click();
    harness.run_steps(2);
    let expected = preset.configs().into_iter().next().expect("a preset lists a backend");
    assert_eq!(harness.state().settings().config, expected);
    harness.get_by_label_contains(&format!("Preset: {}", preset.name));
    assert!(harness.state().status().text.starts_with("Loaded preset"));
}

#[test]
fn run_this_preset_runs_each_listed_backend_with_its_worker_count() {
    let text = r#"
version = 1
name = "two backends"
description = "Mock with three lanes, then threads with two."
backends = ["mock", "threads"]
[workload]
kind = "noop"
[run]
tasks = 30
workers = 2
[run.workers_for]
mock = 3
"#;
    let source = concurrency_lab::presets::PresetSource::Bundled;
    let preset = concurrency_lab::presets::parse("two-backends", source, text).unwrap();
    let mut app = LabApp::with_settings(Settings::default());
    app.load_preset(preset);
    let mut harness = harness(app);
    harness.get_by_label("Preset: two backends");
    harness.get_by_label("Run this preset").click();
    step_until(&mut harness, "both backends", |app| !app.is_running() && app.history().entries().len() == 2);
    let runs: Vec<(BackendKind, u64)> = harness
        .state()
        .history()
        .entries()
        .iter()
        .map(|e| (e.result.config.backend, e.result.config.workers))
        .collect();
    assert_eq!(runs, [(BackendKind::Mock, 3), (BackendKind::Threads, 2)]);
}

/// After the controls were changed, "Run this preset" runs the preset, and the controls show it
/// again: what ran is what they show.
#[test]
fn run_this_preset_puts_the_controls_back_to_the_preset() {
    let text = "version = 1\nname = \"p\"\ndescription = \"d\"\nbackends = [\"mock\"]\n[workload]\nkind = \"sleep\"\nsize = 5\n[run]\ntasks = 4\nworkers = 2\n";
    let source = concurrency_lab::presets::PresetSource::Bundled;
    let preset = concurrency_lab::presets::parse("p", source, text).unwrap();
    let expected = preset.configs().into_iter().next().unwrap();
    let mut app = LabApp::with_settings(Settings::default());
    app.load_preset(preset);
    let mut harness = harness(app);
    harness.state_mut().settings_mut().config.tasks = 40;
    harness.run_steps(2);
    harness.get_by_label("Run this preset").click();
    step_until(&mut harness, "the preset's run", |app| !app.is_running() && app.history().entries().len() == 1);
    assert_eq!(harness.state().history().entries()[0].result.config.tasks, 4);
    assert_eq!(harness.state().settings().config, expected, "the controls show what ran");
}

#[test]
fn the_default_experiment_is_the_articles_work_on_two_threads() {
    let config = Settings::default().config;
    assert_eq!(config.workload, Workload::new(WorkloadKind::Primes, 100_000));
    assert_eq!((config.backend, config.tasks, config.workers, config.gil), (BackendKind::Threads, 2, 2, false));
}

#[test]
fn with_the_gil_on_the_timeline_shows_who_held_it() {
    // The mock first (exact: each CPU task holds the GIL for its whole span), then real
    // threads, whose holds come from the emulated GIL itself.
    let mut config = settings(Workload::new(WorkloadKind::Primes, 15_000), 4, 2);
    config.config.gil = true;
    config.config.backend = BackendKind::Mock;
    let mut harness =
        harness(LabApp::with_settings(config).with_backends(vec![BackendKind::Mock, BackendKind::Threads]));
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the mock run", |app| !app.is_running() && app.history().entries().len() == 1);
    let entry = &harness.state().history().entries()[0];
    assert_eq!(entry.result.gil_holds.len(), 4, "one hold per serialized task");
    assert_eq!(entry.lanes.holds().count(), 4, "the timeline has them");
    harness.get_by_label("solid: holding the GIL");
    harness.get_by_label_contains("the GIL changed hands");

    harness.get_by_label("threads").click();
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the threads run", |app| !app.is_running() && app.history().entries().len() == 2);
    let entry = &harness.state().history().entries()[1];
    assert_eq!(entry.result.config.backend, BackendKind::Threads);
    let holds = entry.lanes.holds();
    assert!(holds.lane_count() == 2 && holds.count() >= 2, "both threads held the GIL: {:?}", entry.result.gil_holds);
    harness.get_by_label("solid: holding the GIL");

    // Without the GIL, no legend.
    harness.get_by_label("Emulate the GIL").click();
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the run without the GIL", |app| !app.is_running() && app.history().entries().len() == 3);
    assert!(harness.state().history().entries()[2].result.gil_holds.is_empty());
    assert!(harness.query_by_label("solid: holding the GIL").is_none());
}

/// The window reports the run's memory, not its own: the same threads run gives about the same
/// peak in the window (which holds a renderer, fonts and this test harness) as on the command
/// line (a small process). Before, the window counted its own ~100 MiB.
#[cfg(target_os = "linux")]
#[test]
fn the_window_and_the_cli_report_the_same_memory_for_the_same_run() {
    const MIB: f64 = 1024.0 * 1024.0;
    let config = settings(Workload::new(WorkloadKind::Sleep, 100), 64, 64);
    let mut harness = harness(LabApp::with_settings(config));
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the threads run", |app| !app.is_running() && app.history().entries().len() == 1);
    let window = &harness.state().history().entries()[0].result;
    assert_eq!(window.outcome, Outcome::Completed, "{:?}", window.error);
    let window_peak = window.peak_rss_bytes.expect("measured on Linux") as f64 / MIB;
    let window_baseline = window.baseline_rss_bytes.expect("measured on Linux") as f64 / MIB;

    let args = ["run", "--backend", "threads", "--workload", "sleep", "--size", "100", "--tasks", "64"];
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_concurrency-lab"))
        .args(args)
        .args(["--workers", "64", "--json", "-"])
        .output()
        .expect("the CLI runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the CLI prints JSON");
    let cli_peak = json["runs"][0]["peak_rss_bytes"].as_f64().expect("measured on Linux") / MIB;
    assert!(
        (window_peak - cli_peak).abs() < 8.0,
        "window {window_peak:.1} MiB vs CLI {cli_peak:.1} MiB (the window held {window_baseline:.1} MiB before)"
    );
}

/// Running the same experiment twice gives two different times (the machine varies); the
/// verdict puts the difference down to the machine and gives no backend reason for it.
#[test]
fn two_identical_runs_are_within_noise() {
    let mut harness = harness(LabApp::with_settings(settings(Workload::new(WorkloadKind::Primes, 20_000), 2, 2)));
    for n in 1..=2 {
        harness.get_by_label("Run").click();
        step_until(&mut harness, "a threads run", |app| !app.is_running() && app.history().entries().len() == n);
    }
    // Whichever of the two was faster is named first.
    let verdict = harness.get_by_label_contains("(threads) ran the same experiment").accesskit_node().value();
    let verdict = verdict.unwrap_or_default();
    assert!(verdict.contains("Run #1 (threads)") || verdict.contains("run #1 (threads)"), "{verdict}");
    assert!(verdict.contains("Run #2 (threads)") || verdict.contains("run #2 (threads)"), "{verdict}");
    harness.get_by_label_contains("not a difference between backends");
    assert!(harness.query_by_label_contains("overhead").is_none(), "no reason is made up");
}

/// The Python backends: off with the reason when no interpreter answered; with one, offered,
/// included in Run all backends, and run in the real interpreter with its name in the summary.
#[test]
fn python_backends_are_offered_only_with_an_interpreter() {
    use concurrency_lab::engine::interpreter;
    use concurrency_lab::gui::python_probe::{Detection, PythonProbe};

    let mut missing = settings(Workload::new(WorkloadKind::Noop, 0), 4, 2);
    missing.config.python = Some("/no/such/python3".into());
    let why = "/no/such/python3: no such file".to_owned();
    let probe = PythonProbe::known(missing.config.python.clone(), Detection::Missing(why));
    let app = LabApp::with_settings(missing).with_backends(vec![BackendKind::Mock]).with_python(probe);
    let mut off = harness(app);
    off.get_by_label("Python interpreter").click();
    off.run_steps(2);
    off.get_by_label_contains("Python backends off: /no/such/python3: no such file");
    assert!(off.get_by_label("python-threads").accesskit_node().is_disabled());
    assert_eq!(off.state().all_backends(), [BackendKind::Mock], "Run all backends leaves them out");

    let Ok(python) = interpreter::detect(std::path::Path::new(interpreter::DEFAULT_PYTHON)) else {
        panic!("these tests need python3 (3.8 or newer) on PATH");
    };
    let label = python.label();
    let probe = PythonProbe::known(None, Detection::Found(python));
    let app = LabApp::with_settings(settings(Workload::new(WorkloadKind::Sleep, 20), 4, 2))
        .with_backends(vec![BackendKind::Mock])
        .with_python(probe);
    let mut harness = harness(app);
    let all = harness.state().all_backends();
    assert!(BackendKind::PYTHON.iter().all(|b| all.contains(b)), "Run all backends includes them: {all:?}");
    harness.get_by_label("python-threads").click();
    harness.run_steps(2);
    harness.get_by_label("Python interpreter").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().config.backend, BackendKind::PythonThreads);
    harness.get_by_label_contains(&format!("{label} · "));
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the python-threads run", |app| !app.is_running() && app.history().entries().len() == 1);
    let result = &harness.state().history().entries()[0].result;
    assert_eq!(result.outcome, Outcome::Completed, "{:?}", result.error);
    assert_eq!(result.spans.len(), 4);
    assert!(result.python.is_some() && result.interpreter_startup_secs.is_some_and(|s| s > 0.0));
    harness.get_by_label_contains(&format!("{label} ("));
}

/// Sweep mode: values typed as on the command line, the sweep charts, clicking a point, bad
/// values, the confirmation over the limit, Stop, and sweep presets.
#[path = "gui/sweep.rs"]
mod sweep;

#[path = "gui/history_files.rs"]
mod history_files;
/// A dropped file, as the window's integration hands it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl eframe::egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A result file from a 64-core EPYC: the mock and threads runs of the work `work` describes.
fn epyc_file(path: &std::path::Path, config: &ExperimentConfig) {
    use concurrency_lab::engine::{Machine, Repetition, ResultFile, RunResult, Stats};
    let run = |backend, elapsed_secs: f64| RunResult {
        elapsed_secs,
        tasks_ok: config.tasks,
        repetitions: vec![Repetition {
            elapsed_secs,
            cpu_secs: None,
            lab_cpu_secs: None,
            other_cpu_secs: None,
            setup_secs: 0.0,
            interpreter_startup_secs: None,
        }],
        stats: Stats::of(&[elapsed_secs]),
        ..RunResult::unmeasured(ExperimentConfig { backend, ..config.clone() }, Outcome::Completed)
    };
    let machine = Machine {
        cpu_brand: "AMD EPYC 7763 64-Core".into(),
        logical_cores: 128,
        physical_cores: Some(64),
        os: "Linux".into(),
        total_memory_bytes: 512 << 30,
    };
    let file = ResultFile::new(machine, vec![run(BackendKind::Mock, 0.004), run(BackendKind::Threads, 0.0001)]);
    std::fs::write(path, serde_json::to_vec(&file).unwrap()).unwrap();
}

#[test]
fn results_from_another_machine_join_the_history_labelled_and_compared() {
    let settings = settings(Workload::new(WorkloadKind::Noop, 0), 40, 4);
    let config = settings.config.clone();
    let app = LabApp::with_settings(settings).with_backends(vec![BackendKind::Mock, BackendKind::Threads]);
    let mut harness = harness(app);
    harness.get_by_label("Run all backends").click();
    step_until(&mut harness, "mock and threads to finish", |app| {
        !app.is_running() && app.history().entries().len() == 2
    });

    let dir = tempfile::tempdir().unwrap();
    let epyc = dir.path().join("epyc.json");
    epyc_file(&epyc, &config);
    let ctx = harness.ctx.clone();
    harness.state_mut().open_results(vec![epyc.clone()], &ctx);
    step_until(&mut harness, "the file to load", |app| !app.is_opening() && app.history().entries().len() == 4);
    let labels: Vec<String> = harness.state().history().entries().iter().map(|e| e.label()).collect();
    assert_eq!(labels, ["#1 mock", "#2 threads", "#3 mock · EPYC 64-core", "#4 threads · EPYC 64-core"]);
    assert!(harness.state().status().text.starts_with("Opened epyc.json: 2 runs from EPYC 64-core"));
    assert_eq!(harness.get_all_by_label("from epyc.json").count(), 2, "the history list names the file");
    // The loaded threads run is selected: its verdict is among the EPYC's runs, and the same
    // work here is set beside it.
    harness.get_by_label_contains("Run #4 (threads) was 40.00× faster than run #3 (mock)");
    harness.get_by_label_contains("On the EPYC 64-core machine, threads ran 40× faster than mock; here");
    // "mock: 10.0 ms here, 4.0 ms on EPYC 64-core (2.5× faster there)", and threads'..
    assert_eq!(harness.get_all_by_label_contains(" on EPYC 64-core (").count(), 2, "each backend here and there");
    harness.get_by_label_contains(" here, 4.0 ms on EPYC 64-core (2.");

    // A file that is not a result: the status bar names it, the history is untouched.
    let other = dir.path().join("package.json");
    std::fs::write(&other, r#"{"name": "left-pad"}"#).unwrap();
    harness.state_mut().open_results(vec![other], &ctx);
    step_until(&mut harness, "the bad file to be refused", |app| !app.is_opening());
    let status = harness.state().status().clone();
    assert!(status.error && status.text.contains("package.json: not a Concurrency Lab result file"), "{status:?}");
    assert_eq!(harness.state().history().entries().len(), 4, "nothing in the history is lost");

    // Dragging a file over the window shows what dropping does; dropping opens it.
    harness.input_mut().hovered_files.push(eframe::egui::HoveredFile { path: Some(epyc.clone()), mime: String::new() });
    harness.run_steps(2); // a new area shows from its second frame
    harness.get_by_label("Drop to open this result file");
    harness.input_mut().hovered_files.clear();
    harness.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(epyc)));
    step_until(&mut harness, "the dropped file to load", |app| !app.is_opening() && app.history().entries().len() == 6);
    assert!(harness.query_by_label("Drop to open this result file").is_none(), "the overlay goes with the drag");
}

#[test]
fn a_million_span_file_loads_while_the_window_keeps_drawing() {
    use concurrency_lab::engine::{Machine, ResultFile, RunResult, Span, Stats};
    let spans: Vec<Span> = (0..1_000_000u64)
        .map(|task| {
            let start = (task / 8) as f64 * 1e-4;
            Span { task, worker: (task % 8) as u32, start_secs: start, end_secs: start + 9e-5, ok: true }
        })
        .collect();
    let config = ExperimentConfig { tasks: 1_000_000, workers: 8, ..ExperimentConfig::default() };
    let run = RunResult {
        elapsed_secs: 12.5,
        tasks_ok: 1_000_000,
        stats: Stats::of(&[12.5]),
        spans,
        ..RunResult::unmeasured(config, Outcome::Completed)
    };
    let machine = Machine { cpu_brand: "AMD EPYC 7763 64-Core".into(), ..Machine::detect() };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&ResultFile::new(machine, vec![run])).unwrap()).unwrap();

    let mut harness = harness(LabApp::with_settings(Settings::default()).with_backends(vec![BackendKind::Mock]));
    let ctx = harness.ctx.clone();
    harness.state_mut().open_results(vec![path], &ctx);
    // The file (over 100 MiB of JSON) is read on its own thread: frames go on meanwhile.
    harness.step();
    assert!(harness.state().is_opening(), "a frame was drawn while the file was still being read");
    harness.get_by_label_contains("Opening ");
    step_until(&mut harness, "the file to load", |app| !app.is_opening());
    let entry = &harness.state().history().entries()[0];
    assert_eq!((entry.result.spans.len(), entry.lanes.lane_count()), (1_000_000, 8));
    assert!(entry.label().starts_with("#1 threads · EPYC "), "{}", entry.label());
    harness.get_by_label(&entry.label());
}
