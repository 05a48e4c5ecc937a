//! Smoke test of the real binary in a real window: Xvfb (a virtual X server) and xdotool (real
//! key presses through XTEST). Launch with a small processes preset, press Ctrl+Enter, check the
//! workers started, press Esc mid-run and check the app (still running) has ended its workers,
//! press Ctrl+S with a known destination and check the figure is there and not blank, run again,
//! press Ctrl+Q mid-run and check the app exits cleanly and no worker process is left. And
//! SIGTERM to every process closes the window the same way, with exit code 143. The same for a
//! run on a CPython process pool: Stop and closing the window leave no Python process. And a
//! sweep preset in Sweep mode: Ctrl+Enter runs its points one after another, Ctrl+S saves the
//! sweep charts, Esc stops the sweep and reaps its workers, Ctrl+Q closes. And the scripted
//! window: `--run --exit-when-done` writes the figure and the data and exits 0 by itself; bad
//! scripted flags exit 2 before any window.
//!
//! Needs `xvfb` and `xdotool` (Debian/Ubuntu packages; `.ci/run` installs them) and a Mesa
//! driver (`mesa-vulkan-drivers` or the GL one). Missing tools fail the test with that hint.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test's helpers fail the test loudly")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-lab");

/// One window at a time: two software-rendered windows starting together on a 2-core machine
/// make each other's start-up slow and the timings of the keys pressed meaningless.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits for the app's window; fails at once, with the app's stderr, if the app exits first.
fn wait_for_window(display: &str, app: &mut Reaped) -> String {
    wait_for("the window", Duration::from_secs(60), || {
        if let Ok(Some(status)) = app.0.try_wait() {
            let mut stderr = String::new();
            if let Some(mut pipe) = app.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            panic!("the app exited ({status}) before its window appeared; stderr:\n{stderr}");
        }
        let id = xdotool(display, &["search", "--name", "Concurrency Lab"]);
        id.lines().next().map(str::to_owned).filter(|s| !s.is_empty())
    })
}

/// The app in a window on a fresh virtual display, with its own settings and runtime dirs
/// (under `dir`), started with `--preset PRESET_FILE` and `extra` arguments.
struct Window {
    app: Reaped,
    pid: u32,
    id: String,
    display: String,
    _xvfb: Reaped,
}

fn open_window(dir: &Path, preset: &str, extra: &[&std::ffi::OsStr]) -> Result<Window, Box<dyn std::error::Error>> {
    let preset_file = dir.join("smoke.toml");
    std::fs::write(&preset_file, preset)?;
    let runtime = dir.join("runtime");
    std::fs::create_dir(&runtime)?;
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    let (xvfb, display) = start_xvfb();
    let app = Command::new(BIN)
        .arg("--preset")
        .arg(&preset_file)
        .args(extra)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = app.id();
    let mut app = Reaped(app);
    let id = wait_for_window(&display, &mut app);
    Ok(Window { app, pid, id, display, _xvfb: xvfb })
}

/// Waits for the app to exit; its status and what it wrote to stderr.
fn exit_of(app: &mut Reaped) -> (std::process::ExitStatus, String) {
    let status = wait_for("the app to exit", Duration::from_secs(20), || app.0.try_wait().ok().flatten());
    let mut stderr = String::new();
    if let Some(mut pipe) = app.0.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    (status, stderr)
}

const PRESET: &str = r#"
version = 1
name = "smoke: slow sleeps on two processes"
description = "Long enough to press keys while it runs."
backends = ["processes"]
[workload]
kind = "sleep"
size = 250
[run]
tasks = 60
workers = 2
"#;

/// Kills and reaps a child when dropped, so a failed assertion leaves nothing running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require(tool: &str) {
    let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "{tool} is not installed: apt-get install xvfb xdotool mesa-vulkan-drivers (see the README)"
    );
}

/// Starts Xvfb on a free display and returns it with the display name.
fn start_xvfb() -> (Reaped, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    let display = format!(":{}", line.trim());
    assert!(line.trim().parse::<u32>().is_ok(), "Xvfb did not report a display: {line:?}");
    (Reaped(child), display)
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).env("DISPLAY", display).output();
    let out = out.unwrap_or_else(|e| panic!("xdotool {args:?}: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Pids of live (not zombie) processes whose parent is `parent` and that run `__worker`.
fn live_workers(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            // Fields after the command name: state, ppid, ...
            let rest: Vec<&str> =
                stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
            rest.first().is_some_and(|s| *s != "Z")
                && rest.get(1) == Some(&parent.to_string().as_str())
                && cmdline.contains("__worker")
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
}

fn png_is_not_blank(path: &Path) -> bool {
    let Ok(image) = image::open(path) else { return false };
    let image = image.to_rgba8();
    let first = *image.get_pixel(0, 0);
    image.width() > 100 && image.height() > 100 && image.pixels().filter(|p| **p != first).count() > 1000
}

#[test]
fn the_real_window_runs_saves_a_png_and_leaves_no_worker_behind() -> Result<(), Box<dyn std::error::Error>> {
    let _serial = serial();
    require("Xvfb");
    require("xdotool");
    let dir = tempfile::tempdir()?;
    let png = dir.path().join("plots.png");
    let Window { mut app, pid, id: window, display, _xvfb } =
        open_window(dir.path(), PRESET, &["--png-path".as_ref(), png.as_os_str()])?;
    // Give the first frames time to render, then focus the window and press the shortcuts.
    std::thread::sleep(Duration::from_secs(2));
    xdotool(&display, &["windowfocus", "--sync", &window]);
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    let workers = wait_for("worker processes", Duration::from_secs(20), || {
        let w = live_workers(pid);
        (w.len() == 2).then_some(w)
    });
    std::thread::sleep(Duration::from_secs(1));

    // Still mid-run (60 × 250 ms on two workers is 7.5 s): Esc stops it, and the app itself
    // kills and reaps the workers while it keeps running.
    assert!(workers.iter().any(|w| alive(*w)), "the run ended before Esc; lengthen the preset");
    xdotool(&display, &["key", "--clearmodifiers", "Escape"]);
    // Gone from /proc, not zombies: the app reaped them.
    let gone = |pid: &u32| !Path::new(&format!("/proc/{pid}")).exists();
    wait_for("Stop to end and reap the workers", Duration::from_secs(10), || workers.iter().all(gone).then_some(()));
    assert!(app.0.try_wait()?.is_none(), "the app is still running after Stop");
    // The figure of the stopped run (drawn offscreen on a thread: seconds on a software
    // renderer).
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+s"]);
    wait_for("the PNG", Duration::from_secs(60), || png_is_not_blank(&png).then_some(()));

    // Run again and close the window mid-run: the run stops the same way.
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    let workers = wait_for("worker processes of the second run", Duration::from_secs(20), || {
        let w = live_workers(pid);
        (w.len() == 2).then_some(w)
    });
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+q"]);
    let (status, stderr) = exit_of(&mut app);
    assert!(status.success(), "exit {status}; stderr:\n{stderr}");
    for worker in workers {
        assert!(!alive(worker), "worker {worker} outlived the window");
    }
    Ok(())
}

/// A logout or a service manager sends SIGTERM to every process of the app: the window closes
/// as its close button does (the run stops, the workers, which ignore the signal, are reaped),
/// and the exit code says which signal it was (128 + 15).
#[test]
fn sigterm_closes_the_window_like_its_close_button() -> Result<(), Box<dyn std::error::Error>> {
    let _serial = serial();
    require("Xvfb");
    require("xdotool");
    let dir = tempfile::tempdir()?;
    let Window { mut app, pid, id: window, display, _xvfb } = open_window(dir.path(), PRESET, &[])?;
    std::thread::sleep(Duration::from_secs(2));
    xdotool(&display, &["windowfocus", "--sync", &window]);
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    let workers = wait_for("worker processes", Duration::from_secs(20), || {
        let w = live_workers(pid);
        (w.len() == 2).then_some(w)
    });
    for target in workers.iter().chain([&pid]) {
        let sent = Command::new("kill").args(["-TERM", &target.to_string()]).status()?;
        assert!(sent.success(), "kill -TERM {target}");
    }
    let (status, stderr) = exit_of(&mut app);
    assert_eq!(status.code(), Some(143), "exit {status}; stderr:\n{stderr}");
    for worker in workers {
        assert!(!alive(worker), "worker {worker} outlived the window");
    }
    Ok(())
}

const SWEEP_PRESET: &str = r#"
version = 1
name = "smoke: a sweep of slow sleeps over 1 and 2 worker processes"
description = "Long enough to press keys while its points run."
backends = ["processes"]
[workload]
kind = "sleep"
size = 250
[run]
tasks = 16
workers = 1
[sweep]
vary = "workers"
values = [1, 2]
"#;

#[test]
fn the_real_window_runs_a_sweep_point_after_point_and_stops_it() -> Result<(), Box<dyn std::error::Error>> {
    let _serial = serial();
    require("Xvfb");
    require("xdotool");
    let dir = tempfile::tempdir()?;
    let png = dir.path().join("sweep.png");
    let Window { mut app, pid, id: window, display, _xvfb } =
        open_window(dir.path(), SWEEP_PRESET, &["--png-path".as_ref(), png.as_os_str()])?;
    std::thread::sleep(Duration::from_secs(2));
    xdotool(&display, &["windowfocus", "--sync", &window]);
    // The preset put the window in Sweep mode: Ctrl+Enter runs the sweep, its first point on
    // one worker (16 × 250 ms, 4 s), then the second on two.
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    wait_for("the first point's worker", Duration::from_secs(20), || (live_workers(pid).len() == 1).then_some(()));
    let second = wait_for("the second point's two workers", Duration::from_secs(30), || {
        let w = live_workers(pid);
        (w.len() == 2).then_some(w)
    });
    // The sweep's figure, with the first point drawn: made of the points finished when the
    // key is pressed, and written on a thread while the sweep goes on and is stopped.
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+s"]);
    assert!(second.iter().any(|w| alive(*w)), "the sweep ended before Esc; lengthen the preset");
    xdotool(&display, &["key", "--clearmodifiers", "Escape"]);
    wait_for("the PNG", Duration::from_secs(60), || png_is_not_blank(&png).then_some(()));
    let gone = |pid: &u32| !Path::new(&format!("/proc/{pid}")).exists();
    wait_for("Stop to end the sweep and reap its workers", Duration::from_secs(10), || {
        second.iter().all(gone).then_some(())
    });
    // No point starts after Stop.
    std::thread::sleep(Duration::from_secs(1));
    assert!(live_workers(pid).is_empty(), "a point started after Stop");
    assert!(app.0.try_wait()?.is_none(), "the app is still running after Stop");
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+q"]);
    let (status, stderr) = exit_of(&mut app);
    assert!(status.success(), "exit {status}; stderr:\n{stderr}");
    Ok(())
}

const PYTHON_PRESET: &str = r#"
version = 1
name = "smoke: slow sleeps on a CPython process pool"
description = "Long enough to press keys while it runs."
backends = ["python-processes"]
[workload]
kind = "sleep"
size = 250
[run]
tasks = 60
workers = 2
start_method = "forkserver"
"#;

/// Fields of /proc/PID/stat after the command name: state, ppid, pgrp, ...
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect()).unwrap_or_default()
}

fn pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()).collect()
}

/// The Python harness the app `parent` started, once its pool (harness, fork server and two
/// workers at least) is up: its pid, which is also its process group's id.
fn python_pool(parent: u32) -> Option<u32> {
    let harness = pids().into_iter().find(|pid| {
        let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let fields = stat_fields(*pid);
        cmdline.contains("concurrency-lab-python-")
            && fields.first().is_some_and(|s| s != "Z")
            && fields.get(1) == Some(&parent.to_string())
    })?;
    (python_group(harness).len() >= 4).then_some(harness)
}

/// Live (not zombie) members of process group `pgid`.
fn python_group(pgid: u32) -> Vec<u32> {
    pids()
        .into_iter()
        .filter(|pid| {
            let fields = stat_fields(*pid);
            fields.first().is_some_and(|s| s != "Z") && fields.get(2) == Some(&pgid.to_string())
        })
        .collect()
}

#[test]
fn the_real_window_leaves_no_python_behind_on_stop_or_close() -> Result<(), Box<dyn std::error::Error>> {
    let _serial = serial();
    require("Xvfb");
    require("xdotool");
    require("python3");
    let dir = tempfile::tempdir()?;
    let Window { mut app, pid, id: window, display, _xvfb } = open_window(dir.path(), PYTHON_PRESET, &[])?;
    // The first frames, and the probe that finds python3.
    std::thread::sleep(Duration::from_secs(3));
    xdotool(&display, &["windowfocus", "--sync", &window]);
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    let harness = wait_for("the Python pool", Duration::from_secs(30), || python_pool(pid));
    xdotool(&display, &["key", "--clearmodifiers", "Escape"]);
    wait_for("Stop to end every Python process", Duration::from_secs(10), || {
        python_group(harness).is_empty().then_some(())
    });
    assert!(app.0.try_wait()?.is_none(), "the app is still running after Stop");

    // Run again and close the window mid-run.
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+Return"]);
    let harness = wait_for("the second Python pool", Duration::from_secs(30), || python_pool(pid));
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+q"]);
    let (status, stderr) = exit_of(&mut app);
    assert!(status.success(), "exit {status}; stderr:\n{stderr}");
    let left = python_group(harness);
    assert!(left.is_empty(), "Python processes outlived the window: {left:?}");
    Ok(())
}

#[path = "x11_smoke/scripted.rs"]
mod scripted;
