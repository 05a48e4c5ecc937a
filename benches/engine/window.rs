//! `window`: what the window costs the run it measures. `cpu-primes-gil` (event loop, threads,
//! processes; 3 repetitions each) run headless and, side by side, in the real window under
//! Xvfb's software renderer with the mouse moving over the plots for the whole run (one
//! xdotool process moving it every 10 ms: hover repaints at their worst). The window starts the
//! preset itself (`--run`), writes its data (`--export-path`) and exits (`--exit-when-done`).
//! Printed per round and as medians: the processes run's elapsed (the median of its
//! repetitions) in each, their ratio (target ≤ 1.15), and the window run's accounting (the lab's
//! and other programs' CPU, in cores). Needs Xvfb and xdotool; says so and skips without them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BIN, ROUNDS, median};

/// Kills and reaps a child when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

pub fn window_cost() {
    println!("\n## window: cpu-primes-gil's processes run, headless vs in the window (mouse over the plots)");
    let present = |tool: &str| Command::new("sh").args(["-c", &format!("command -v {tool}")]).output();
    if !["Xvfb", "xdotool"].iter().all(|t| present(t).is_ok_and(|o| o.status.success())) {
        println!("SKIPPED: needs Xvfb and xdotool (Debian packages xvfb, xdotool)");
        return;
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let Some((_xvfb, display)) = start_xvfb() else {
        println!("SKIPPED: Xvfb did not start");
        return;
    };
    let (mut headless, mut window, mut ratios, mut lab, mut other) = (vec![], vec![], vec![], vec![], vec![]);
    for round in 0..ROUNDS {
        let json = dir.path().join(format!("headless-{round}.json"));
        let status = Command::new(BIN)
            .args(["run", "--preset", "cpu-primes-gil", "--json"])
            .arg(&json)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let Some(h) = status.ok().filter(|s| s.success()).and_then(|_| processes_run(&json)) else {
            println!("round {round}: the headless run failed");
            continue;
        };
        let json = dir.path().join(format!("window-{round}.json"));
        let Some(w) = window_run(&display, dir.path(), &json) else {
            println!("round {round}: the window run failed");
            continue;
        };
        let (he, we) = (f(&h["elapsed_secs"]), f(&w["elapsed_secs"]));
        let (lab_cores, other_cores) = (f(&w["lab_cpu_secs"]) / we, f(&w["other_cpu_secs"]) / we);
        println!(
            "round {round}: headless {:.0} ms, window {:.0} ms ({:.2}×); in the window the lab used {lab_cores:.2} cores, other programs {other_cores:.2}",
            he * 1e3,
            we * 1e3,
            we / he
        );
        headless.push(he);
        window.push(we);
        ratios.push(we / he);
        lab.push(lab_cores);
        other.push(other_cores);
    }
    if ratios.is_empty() {
        return;
    }
    println!(
        "median of {}: headless {:.0} ms, window {:.0} ms, window/headless {:.2}× (target ≤ 1.15×); lab {:.2} cores, other {:.2} cores",
        ratios.len(),
        median(&mut headless) * 1e3,
        median(&mut window) * 1e3,
        median(&mut ratios),
        median(&mut lab),
        median(&mut other),
    );
}

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// The processes run of a result file.
fn processes_run(json: &std::path::Path) -> Option<Value> {
    let file: Value = serde_json::from_slice(&std::fs::read(json).ok()?).ok()?;
    file["runs"].as_array()?.iter().find(|r| r["config"]["backend"] == "processes").cloned()
}

fn start_xvfb() -> Option<(Reaped, String)> {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
    let number: u32 = line.trim().parse().ok()?;
    Some((Reaped(child), format!(":{number}")))
}

/// The preset run by the window itself, the mouse moving over its plots until it exits.
fn window_run(display: &str, dir: &std::path::Path, json: &std::path::Path) -> Option<Value> {
    let home = dir.join("home");
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(&runtime).ok()?;
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).ok()?;
    let mut app = Reaped(
        Command::new(BIN)
            .args(["--preset", "cpu-primes-gil", "--run", "--exit-when-done", "--export-path"])
            .arg(json)
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?,
    );
    // Back and forth across the plots (the window is 1280×800 at the display's origin).
    let mut moves = Vec::new();
    for i in 0..400 {
        let x = 450 + (i * 37) % 780;
        let y = 120 + (i * 53) % 560;
        moves.extend(["mousemove".to_owned(), x.to_string(), y.to_string(), "sleep".to_owned(), "0.01".to_owned()]);
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if app.0.try_wait().ok()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            return None;
        }
        let mut mover = Command::new("xdotool").args(&moves).env("DISPLAY", display).spawn().ok()?;
        while mover.try_wait().ok()?.is_none() {
            if app.0.try_wait().ok()?.is_some() {
                mover.kill().ok();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        mover.wait().ok();
    }
    let status = app.0.wait().ok()?;
    status.success().then(|| processes_run(json))?
}
