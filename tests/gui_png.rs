//! Save PNG end to end: the window writes the publishable figure, the one `run --png` draws
//! (`gui::offscreen::render_png` of `gui::result_charts::result_charts_ui`), of the runs the
//! plots show, at 1600×900 in the window's theme, rendered offscreen on a background thread
//! (wgpu on Mesa's software rasterizer, see the README); and the scripted window (`--run
//! --exit-when-done`) writes the figure and the data and decides its exit code.
#![cfg(feature = "gui")]

use std::path::Path;
use std::time::{Duration, Instant};

use concurrency_lab::cli::{PngSize, PngTheme};
use concurrency_lab::engine::{BackendKind, ExperimentConfig, Machine, ResultFile, RunResult, Workload, WorkloadKind};
use concurrency_lab::gui::LabApp;
use concurrency_lab::gui::offscreen::render_png;
use concurrency_lab::gui::result_charts::result_charts_ui;
use concurrency_lab::gui::settings::Settings;
use eframe::egui::{Key, Modifiers, Theme};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use image::RgbaImage;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn app(tasks: u64, workers: u64) -> LabApp {
    let config = ExperimentConfig {
        backend: BackendKind::Mock,
        workload: Workload::new(WorkloadKind::Noop, 0),
        tasks,
        workers,
        ..ExperimentConfig::default()
    };
    LabApp::with_settings(Settings { config, ..Settings::default() })
}

fn harness(app: LabApp) -> Harness<'static, LabApp> {
    Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |_cc| app)
}

fn step_until(harness: &mut Harness<'_, LabApp>, what: &str, done: impl Fn(&LabApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; status: {}", harness.state().status().text);
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.step();
}

/// Ctrl+S, then waits for the figure to be written; the status line.
fn save(harness: &mut Harness<'_, LabApp>, path: &Path) -> String {
    let _ = std::fs::remove_file(path);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    harness.step();
    step_until(harness, "the PNG", |app| !app.is_saving() && path.exists());
    harness.state().status().text.clone()
}

/// What `run --png` draws for these runs in `theme`.
fn as_run_png_draws(
    runs: Vec<RunResult>,
    sweep: Option<concurrency_lab::engine::SweepSpec>,
    theme: PngTheme,
) -> RgbaImage {
    let file = ResultFile { sweep, ..ResultFile::new(Machine::detect(), runs) };
    render_png(PngSize::default(), theme, |ui| result_charts_ui(ui, &file, "concurrency-lab"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The share of pixels that differ between two pictures of one size.
fn differing(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let count = a.pixels().zip(b.pixels()).filter(|(p, q)| p != q).count();
    count as f64 / f64::from(a.width() * a.height())
}

fn luma(image: &RgbaImage) -> u32 {
    let p = image.get_pixel(2, 2);
    (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3
}

#[test]
fn save_png_writes_the_figure_run_png_draws_of_the_selected_comparison() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("figure.png");
    let app = app(40, 4).with_backends(vec![BackendKind::Mock, BackendKind::Threads]).with_png_path(path.clone());
    let mut harness = harness(app);
    harness.ctx.set_theme(Theme::Light);
    harness.get_by_label("Run all backends").click();
    step_until(&mut harness, "mock and threads", |app| !app.is_running() && app.history().entries().len() == 2);
    // Other work: not in the first two runs' comparison.
    harness.state_mut().settings_mut().config.tasks = 20;
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the third run", |app| !app.is_running() && app.history().entries().len() == 3);
    let first = harness.state().history().entries()[0].id;
    harness.get_by_label_contains(&format!("#{first} mock  ")).click(); // its history row
    harness.run_steps(2);

    let status = save(&mut harness, &path);
    assert!(status.starts_with("Saved the figure of 2 runs to") && status.contains("(1600×900 px)"), "{status}");
    let saved = image::open(&path)?.to_rgba8();
    assert_eq!(saved.dimensions(), (1600, 900), "the command line's default size, not the window's");
    let compared: Vec<RunResult> = harness.state().history().entries()[..2].iter().map(|e| e.result.clone()).collect();
    let expected = as_run_png_draws(compared, None, PngTheme::Light);
    let off = differing(&saved, &expected);
    assert!(off < 0.001, "{:.3}% of the pixels differ from run --png's figure", off * 100.0);
    assert!(luma(&saved) > 180, "the light theme's background");

    // In the dark theme, the dark figure.
    harness.ctx.set_theme(Theme::Dark);
    harness.run_steps(2);
    save(&mut harness, &path);
    let dark = image::open(&path)?.to_rgba8();
    assert!(luma(&dark) < 80, "the dark theme's background");
    Ok(())
}

/// In Sweep mode the figure is the sweep's, as `sweep --png` draws it.
#[test]
fn save_png_in_sweep_mode_writes_the_sweeps_figure() -> TestResult {
    use concurrency_lab::gui::sweeps::Mode;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("sweep.png");
    let mut app = app(64, 1).with_backends(vec![BackendKind::Mock]).with_png_path(path.clone());
    app.sweeps_mut().form.mode = Mode::Sweep;
    app.sweeps_mut().form.values = "1..8:x2".to_owned();
    let mut harness = harness(app);
    harness.ctx.set_theme(Theme::Light);
    harness.run_steps(2);
    harness.get_by_label("Run sweep").click();
    step_until(&mut harness, "the mock sweep", |app| !app.is_running() && app.history().entries().len() == 4);
    let status = save(&mut harness, &path);
    assert!(status.starts_with("Saved the figure of 4 runs to"), "{status}");
    let saved = image::open(&path)?.to_rgba8();
    let state = harness.state();
    let spec = state.sweeps().all().first().map(|s| s.spec.clone());
    let runs: Vec<RunResult> = state.history().entries().iter().map(|e| e.result.clone()).collect();
    let off = differing(&saved, &as_run_png_draws(runs.clone(), spec, PngTheme::Light));
    assert!(off < 0.001, "{:.3}% of the pixels differ from sweep --png's figure", off * 100.0);
    let as_runs = differing(&saved, &as_run_png_draws(runs, None, PngTheme::Light));
    assert!(as_runs > 0.01, "the sweep's charts, not the runs' bars");
    Ok(())
}

/// `--run --exit-when-done --png-path --export-path`: the run starts by itself, and when it
/// ends the figure and the data are written and the exit code is 0.
#[test]
fn the_scripted_window_runs_saves_both_files_and_exits_0() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (png, json) = (dir.path().join("figure.png"), dir.path().join("data.json"));
    let app = app(40, 4)
        .with_backends(vec![BackendKind::Mock])
        .with_png_path(png.clone())
        .with_export_path(json.clone())
        .with_script(true, true);
    let mut harness = harness(app);
    step_until(&mut harness, "the scripted run to end", |app| app.script_exit_code().is_some());
    assert_eq!(harness.state().script_exit_code(), Some(0));
    assert_eq!(image::open(&png)?.to_rgba8().dimensions(), (1600, 900));
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    assert_eq!(data["runs"].as_array().map(Vec::len), Some(1), "{data}");
    assert_eq!(data["runs"][0]["config"]["backend"], "mock");
    assert!(data["report"].is_object(), "as run --json writes it, with its report");
    Ok(())
}

/// A file that can't be written makes the scripted window exit 1, the run itself kept.
#[test]
fn the_scripted_window_exits_1_when_a_file_cannot_be_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let json = dir.path().join("gone").join("data.json");
    let app = app(8, 2).with_backends(vec![BackendKind::Mock]).with_export_path(json).with_script(true, true);
    let mut harness = harness(app);
    step_until(&mut harness, "the scripted run to end", |app| app.script_exit_code().is_some());
    assert_eq!(harness.state().script_exit_code(), Some(1));
    assert_eq!(harness.state().history().entries().len(), 1);
    assert!(harness.state().status().text.contains("gone"), "{}", harness.state().status().text);
    Ok(())
}

/// `--run` in Sweep mode runs the sweep without asking, even over the limit the window (and
/// the command line, without `--yes`) asks about.
#[test]
fn the_scripted_window_runs_a_long_sweep_without_asking() {
    use concurrency_lab::gui::sweeps::Mode;
    let mut app = app(1, 1).with_backends(vec![BackendKind::Mock]).with_script(true, false);
    app.sweeps_mut().form.mode = Mode::Sweep;
    app.sweeps_mut().form.values = "1..40".to_owned();
    app.settings_mut().config.repeat = 3; // 40 points × 3 repetitions: 120 runs, over 100
    let mut harness = harness(app);
    step_until(&mut harness, "40 points", |app| !app.is_running() && app.history().entries().len() == 40);
    assert!(harness.state().sweeps().pending().is_none(), "nothing was asked");
    assert_eq!(harness.state().script_exit_code(), None, "without --exit-when-done the window stays");
}
