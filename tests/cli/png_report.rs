//! `--png` and `report` through the real binary: a PNG of the requested size that is not
//! transparent, bad sizes and paths refused before anything runs, a report directory with its
//! claim, table, picture and reloadable results, bad preset names and a file for a directory
//! refused, and Ctrl+C mid-report keeping what finished. Rendering needs a graphics adapter
//! (`.ci/run` uses Mesa's lavapipe) but no display.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::stop::{signal_group, spawn_in_own_group};
use super::{assert_bad_input, code, lab, serial, stderr, wait_with_timeout};

/// A quick run (the mock backend).
const QUICK: [&str; 7] = ["run", "--backend", "mock", "--workload", "noop", "--tasks", "50"];

/// Asserts `path` is a PNG of `width` × `height` with mostly opaque pixels and a picture on it.
#[cfg(feature = "gui")]
fn assert_picture(path: &Path, width: u32, height: u32) {
    let png = image::ImageReader::open(path).unwrap().decode().unwrap().to_rgba8();
    assert_eq!(png.dimensions(), (width, height), "{}", path.display());
    let opaque = png.pixels().filter(|p| p[3] == 255).count();
    assert_eq!(opaque, png.pixels().len(), "every pixel is opaque (a filled panel)");
    let first = png.get_pixel(0, 0);
    let drawn = png.pixels().filter(|p| *p != first).count();
    assert!(drawn > png.pixels().len() / 100, "the picture is nearly one colour");
}

#[cfg(feature = "gui")]
#[test]
fn png_of_the_requested_size_in_both_themes() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    for (theme, size, (w, h)) in [("light", "1200x700", (1200, 700)), ("dark", "640x480", (640, 480))] {
        let path = dir.path().join(format!("{theme}.png"));
        let args = [&QUICK[..], &["--png", path.to_str().unwrap(), "--png-size", size, "--theme", theme]].concat();
        let output = lab(&args);
        assert_eq!(code(&output), Some(0), "{}", stderr(&output));
        assert!(stderr(&output).contains("wrote png"), "{}", stderr(&output));
        assert_picture(&path, w, h);
    }
}

#[cfg(feature = "gui")]
#[test]
fn sweep_png_draws_the_sweep_charts() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.png");
    let args = ["sweep", "--backend", "mock", "--workload", "noop", "--tasks", "20", "--vary", "workers=1,2,4"];
    let output = lab(&[&args[..], &["--png", path.to_str().unwrap()]].concat());
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_picture(&path, 1600, 900);
}

#[test]
fn bad_png_sizes_and_paths_are_refused_before_the_run() {
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&QUICK[..], extra].concat()
    }
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("out.png");
    let png = png.to_str().unwrap();
    assert_bad_input(
        &with(&["--png", png, "--png-size", "9000x900"]),
        &["--png-size", "width must be between 480 and 8192 pixels, got 9000"],
    );
    assert_bad_input(
        &with(&["--png", png, "--png-size", "800x-1"]),
        &["--png-size", "height '-1' is not a whole number"],
    );
    assert_bad_input(&with(&["--png", png, "--png-size", "800"]), &["--png-size", "WIDTHxHEIGHT"]);
    assert_bad_input(
        &with(&["--png", "/nonexistent-dir-xyz/out.png"]),
        &["directory /nonexistent-dir-xyz does not exist"],
    );
    assert_bad_input(&with(&["--png", dir.path().to_str().unwrap()]), &["--png", "is a directory"]);
    #[cfg(not(feature = "gui"))]
    assert_bad_input(&with(&["--png", png]), &["--png: this build has no gui feature", "build with default features"]);
    assert!(!Path::new(png).exists() && std::fs::read_dir(dir.path()).unwrap().count() == 0, "nothing written");
}

#[test]
fn report_writes_claim_table_picture_and_reloadable_results() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("report");
    let output = lab(&["report", "--preset", "http-fast-few", "--out", out.to_str().unwrap(), "--png-size", "800x600"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("report [1/1] http-fast-few"), "progress on stderr: {}", stderr(&output));
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("Machine: "), "{index}");
    assert!(index.contains("> Claim: with fast I/O and few connections"), "{index}");
    assert!(index.contains("| `threads` | 4 threads | completed |"), "{index}");
    assert!(index.contains("**Verdict:**"), "{index}");
    #[cfg(feature = "gui")]
    {
        assert!(index.contains("![The charts of http-fast-few](http-fast-few.png)"), "{index}");
        assert_picture(&out.join("http-fast-few.png"), 800, 600);
    }
    #[cfg(not(feature = "gui"))]
    assert!(index.contains("PNGs were skipped: this build has no gui feature"), "{index}");
    let results: Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let preset = &results["presets"][0];
    assert_eq!(preset["id"], "http-fast-few");
    assert_eq!(preset["result"]["runs"].as_array().map(Vec::len), Some(3), "{preset}");
    assert_eq!(preset["result"]["runs"][0]["outcome"], "completed");
    let table = std::fs::read_to_string(out.join("presets.md")).unwrap();
    assert_eq!(table.lines().filter(|l| l.starts_with("| `http-fast-few` |")).count(), 3, "{table}");
}

#[test]
fn report_refuses_unknown_presets_and_a_file_for_a_directory() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let out = out.to_str().unwrap();
    assert_bad_input(&["report", "--preset", "http-fast-few,no-such-preset", "--out", out], &["no-such-preset"]);
    assert!(!Path::new(out).exists(), "nothing made for a bad preset");
    let file = dir.path().join("file");
    std::fs::write(&file, "keep").unwrap();
    assert_bad_input(&["report", "--preset", "http-fast-few", "--out", file.to_str().unwrap()], &["is a file"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    assert_bad_input(&["report", "--out", out, "--png-size", "10x10"], &["--png-size", "got 10"]);
}

/// Ctrl+C to the process group during the second preset: the first is reported, exit 130.
#[test]
fn ctrl_c_mid_report_writes_what_finished() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let args = ["report", "--preset", "http-fast-few,sweep-http-workers", "--out", out.to_str().unwrap()];
    let cli = spawn_in_own_group(&args, dir.path());
    // The first preset is done when its runs are: its PNG (or, without one, a few seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    while cfg!(feature = "gui") && !out.join("http-fast-few.png").exists() {
        assert!(Instant::now() < deadline, "the first preset did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(if cfg!(feature = "gui") { 1000 } else { 6000 }));
    signal_group(cli.id(), "-INT");
    let output = wait_with_timeout(cli, Duration::from_secs(30));
    assert_eq!(code(&output), Some(130), "{}", stderr(&output));
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("## `http-fast-few`"), "{index}");
    assert!(index.contains("**Stopped early:**") && index.contains("`sweep-http-workers`"), "{index}");
    let results: Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["presets"].as_array().map(Vec::len), Some(1), "{results}");
    let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{leftovers:?}");
}

/// No graphics adapter (asked for a backend Linux has none of): `--png` is refused before the
/// run saying what to install; `report` still writes its text and says why it has no PNGs.
#[cfg(feature = "gui")]
#[test]
fn without_an_adapter_png_is_refused_and_report_skips_pictures() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("out.png");
    let lab_without_gpu = |args: &[&str]| {
        let mut command = std::process::Command::new(super::BIN);
        command.args(args).env("WGPU_BACKEND", "dx12").stdin(std::process::Stdio::null());
        command.output().unwrap()
    };
    let output = lab_without_gpu(&[&QUICK[..], &["--png", png.to_str().unwrap()]].concat());
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--png: no usable graphics adapter"), "{}", stderr(&output));
    assert!(stderr(&output).contains("mesa-vulkan-drivers"), "{}", stderr(&output));
    assert!(output.stdout.is_empty() && !png.exists(), "nothing ran");
    let out = dir.path().join("r");
    let output = lab_without_gpu(&["report", "--preset", "http-fast-few", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("_No picture: PNGs were skipped: no usable graphics adapter"), "{index}");
    assert!(out.join("results.json").exists() && !out.join("http-fast-few.png").exists());
}
