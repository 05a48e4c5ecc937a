//! Save PNG end to end in a headless harness that really renders (wgpu on Mesa's software
//! rasterizer, see the README): Ctrl+S with an injected destination writes a PNG whose size is
//! the plots' rect × pixels per point, and which is not blank.
#![cfg(feature = "gui")]

use std::time::{Duration, Instant};

use concurrency_lab::engine::{BackendKind, ExperimentConfig, Workload, WorkloadKind};
use concurrency_lab::gui::LabApp;
use concurrency_lab::gui::settings::Settings;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const PIXELS_PER_POINT: f32 = 1.5;

#[test]
fn ctrl_s_saves_the_plots_at_the_displays_pixel_density() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plots.png");
    let config = ExperimentConfig {
        backend: BackendKind::Mock,
        workload: Workload::new(WorkloadKind::Noop, 0),
        tasks: 200,
        workers: 4,
        ..ExperimentConfig::default()
    };
    let app = LabApp::with_settings(Settings { config, ..Settings::default() })
        .with_backends(vec![BackendKind::Mock])
        .with_png_path(path.clone());
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_pixels_per_point(PIXELS_PER_POINT)
        .wgpu()
        .build_eframe(move |_cc| app);
    harness.get_by_label("Run").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().is_running() || harness.state().history().is_empty() {
        assert!(Instant::now() < deadline, "the mock run did not finish");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    while harness.state().is_saving() || !path.exists() {
        assert!(Instant::now() < deadline, "no PNG; status: {}", harness.state().status().text);
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let rect = harness.state().plots_rect().ok_or("the plots were never drawn")?;
    let png = image::ImageReader::open(&path)?.decode()?.to_rgba8();
    let expected = (rect.width() * PIXELS_PER_POINT, rect.height() * PIXELS_PER_POINT);
    // Each edge is truncated to whole pixels separately, so a size may be off by one.
    assert!((png.width() as f32 - expected.0).abs() <= 1.0, "width {} vs {}", png.width(), expected.0);
    assert!((png.height() as f32 - expected.1).abs() <= 1.0, "height {} vs {}", png.height(), expected.1);
    let first = png.get_pixel(0, 0);
    let colours = png.pixels().filter(|p| *p != first).count();
    assert!(colours > png.pixels().len() / 100, "the PNG is nearly one colour");
    assert!(harness.state().status().text.starts_with("Saved the plots to"), "{}", harness.state().status().text);
    Ok(())
}

/// In Sweep mode Save PNG captures the sweep charts (the two charts, the Karp–Flatt strip and
/// the fit table) as shown, not the single-run plots.
#[test]
fn save_png_in_sweep_mode_saves_the_sweep_charts() -> Result<(), Box<dyn std::error::Error>> {
    use concurrency_lab::gui::sweeps::Mode;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("sweep.png");
    let config = ExperimentConfig {
        backend: BackendKind::Mock,
        workload: Workload::new(WorkloadKind::Noop, 0),
        tasks: 64,
        workers: 1,
        ..ExperimentConfig::default()
    };
    let mut app = LabApp::with_settings(Settings { config, ..Settings::default() })
        .with_backends(vec![BackendKind::Mock])
        .with_png_path(path.clone());
    app.sweeps_mut().form.mode = Mode::Sweep;
    app.sweeps_mut().form.values = "1..8:x2".to_owned();
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_pixels_per_point(PIXELS_PER_POINT)
        .wgpu()
        .build_eframe(move |_cc| app);
    harness.run_steps(2);
    let single_run_rect = harness.state().plots_rect().ok_or("no plots drawn")?;
    harness.get_by_label("Run sweep").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().is_running() || harness.state().history().entries().len() < 4 {
        assert!(Instant::now() < deadline, "the mock sweep did not finish");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(2);
    if let Ok(dir) = std::env::var("LAB_SCREENSHOT_DIR") {
        harness.render()?.save(std::path::Path::new(&dir).join("sweep-window.png"))?;
    }
    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    while harness.state().is_saving() || !path.exists() {
        assert!(Instant::now() < deadline, "no PNG; status: {}", harness.state().status().text);
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let rect = harness.state().plots_rect().ok_or("the sweep charts were never drawn")?;
    assert!(rect.height() > single_run_rect.height(), "the sweep charts are taller than the run plots: {rect:?}");
    let png = image::ImageReader::open(&path)?.decode()?.to_rgba8();
    let expected = (rect.width() * PIXELS_PER_POINT, rect.height() * PIXELS_PER_POINT);
    assert!((png.width() as f32 - expected.0).abs() <= 1.0, "width {} vs {}", png.width(), expected.0);
    assert!((png.height() as f32 - expected.1).abs() <= 1.0, "height {} vs {}", png.height(), expected.1);
    let first = png.get_pixel(0, 0);
    assert!(png.pixels().filter(|p| *p != first).count() > png.pixels().len() / 100, "nearly one colour");
    Ok(())
}
