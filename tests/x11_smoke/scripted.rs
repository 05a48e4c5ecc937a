//! The scripted window in a real window: `--run --exit-when-done` runs the preset, writes the
//! figure and the data and exits 0 with no key pressed; bad scripted flags exit 2 before any
//! window opens.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{BIN, Window, open_window, png_is_not_blank, require, serial, wait_for};

const QUICK_PRESET: &str = r#"
version = 1
name = "smoke: quick sleeps on threads and processes"
description = "A scripted run: short, two backends."
backends = ["threads", "processes"]
[workload]
kind = "sleep"
size = 50
[run]
tasks = 8
workers = 2
"#;

/// `--run --exit-when-done --png-path --export-path`: the window runs the preset by itself,
/// writes the figure (the command line's, 1600×900) and the data (as `run --json` writes it)
/// when the runs end, and exits 0, no key pressed.
#[test]
fn the_scripted_window_runs_writes_both_files_and_exits_0() -> Result<(), Box<dyn std::error::Error>> {
    let _serial = serial();
    require("Xvfb");
    require("xdotool");
    let dir = tempfile::tempdir()?;
    let (png, json) = (dir.path().join("figure.png"), dir.path().join("data.json"));
    let flags: [&std::ffi::OsStr; 6] = [
        "--run".as_ref(),
        "--exit-when-done".as_ref(),
        "--png-path".as_ref(),
        png.as_os_str(),
        "--export-path".as_ref(),
        json.as_os_str(),
    ];
    let Window { mut app, _xvfb, .. } = open_window(dir.path(), QUICK_PRESET, &flags)?;
    let status = wait_for("the scripted window to exit", Duration::from_secs(120), || app.0.try_wait().ok().flatten());
    let mut stderr = String::new();
    if let Some(mut pipe) = app.0.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert!(status.success(), "exit {status}; stderr:\n{stderr}");
    assert!(stderr.contains("Saved the figure of 2 runs to"), "{stderr}");
    let image = image::open(&png)?.to_rgba8();
    assert_eq!(image.dimensions(), (1600, 900));
    assert!(png_is_not_blank(&png));
    if let Ok(keep) = std::env::var("LAB_SCREENSHOT_DIR") {
        std::fs::copy(&png, Path::new(&keep).join("scripted-figure.png"))?;
    }
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    let backends: Vec<&str> =
        data["runs"].as_array().into_iter().flatten().filter_map(|r| r["config"]["backend"].as_str()).collect();
    assert_eq!(backends, ["threads", "processes"], "the preset's backends, in its order");
    assert!(data["machine"].is_object() && data["report"].is_object(), "as run --json writes it");
    Ok(())
}

/// Bad launch flags exit 2 with a message naming the flag and value, before any window: no
/// display is given, so reaching the window would fail otherwise.
#[test]
fn bad_scripted_flags_exit_2_before_a_window_opens() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(BIN).args(args).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").stdin(Stdio::null()).output()
    };
    let txt = dir.path().join("data.txt");
    let out = run(&["--run".as_ref(), "--export-path".as_ref(), txt.as_os_str()])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--export-path") && stderr.contains("'.txt'") && stderr.contains("data.txt"), "{stderr}");
    assert!(!txt.exists());
    let nowhere = dir.path().join("no/such/dir/data.json");
    let out = run(&["--export-path".as_ref(), nowhere.as_os_str()])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--export-path") && stderr.contains("no/such/dir"), "{stderr}");
    let out = run(&["--exit-when-done".as_ref()])?;
    assert_eq!(out.status.code(), Some(2), "--exit-when-done needs --run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--run"));
    // The same file through two spellings (or a link): one write would replace the other.
    let same = dir.path().join("out.json");
    let spelled = dir.path().join(".").join("out.json");
    let out = run(&["--png-path".as_ref(), same.as_os_str(), "--export-path".as_ref(), spelled.as_os_str()])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the same file"), "{stderr}");
    Ok(())
}
