//! The desktop lab (feature `gui`): the only module that imports egui. `app.rs` is the
//! `eframe::App`; panels draw and return commands; plots are functions of plain data; runs
//! happen on the `lab-run` thread behind `run_controller`; PNG and data files are written on
//! background threads.

pub mod app;
mod background;
pub mod command;
pub mod data_export;
mod estimate;
mod frame_limit;
pub mod history;
pub mod lanes;
pub mod offscreen;
pub mod open_results;
pub mod panels;
pub mod plots;
pub mod png_export;
pub mod python_probe;
pub mod result_charts;
pub mod run_controller;
mod save_dialog;
pub mod settings;
pub mod sweeps;

pub use app::{LabApp, Launch};

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

use eframe::egui;

/// The application id: the `.desktop` file's basename, the Wayland app id, and the folder eframe
/// keeps settings in. Never change it casually: saved settings would be lost.
pub const APP_ID: &str = "io.github.concurrency_lab.ConcurrencyLab";
/// The window icon (X11, Windows): the 256 px rendering of the same SVG the desktop icon comes from.
const ICON_PNG: &[u8] =
    include_bytes!("../../assets/icons/hicolor/256x256/apps/io.github.concurrency_lab.ConcurrencyLab.png");

/// The window's context, once it exists: where a stop signal asks the window to close.
static CONTEXT: OnceLock<egui::Context> = OnceLock::new();
/// The first stop signal received (0: none).
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The exit code `--exit-when-done` decided (-1: none).
static EXIT_CODE: AtomicI32 = AtomicI32::new(-1);

/// The exit code the scripted window decided when it closed itself (`--exit-when-done`).
pub fn exit_code() -> Option<u8> {
    u8::try_from(EXIT_CODE.load(Ordering::SeqCst)).ok()
}

fn set_exit_code(code: u8) {
    EXIT_CODE.store(i32::from(code), Ordering::SeqCst);
}

/// The stop signal that closed the window, if one did (the exit code is then 128 + it).
pub fn stop_signal() -> Option<i32> {
    Some(STOP_SIGNAL.load(Ordering::SeqCst)).filter(|s| *s != 0)
}

/// Ctrl+C in the terminal that started the window, SIGTERM (logging out, a service manager)
/// and SIGHUP close the window as its close button does: the run stops, its workers are
/// reaped, its temp files removed. A second one (or one before the window exists) quits at
/// once. Must run before any thread starts (see [`crate::engine::route_stop_signals`]).
#[cfg(unix)]
fn close_on_stop_signals() {
    let routed = crate::engine::route_stop_signals(|signal| {
        let first = STOP_SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok();
        match CONTEXT.get() {
            Some(ctx) if first => {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                ctx.request_repaint();
            }
            // Workers die with the app (PR_SET_PDEATHSIG, the stdin lifeline); a temp directory
            // left behind is swept by the next file run.
            _ => std::process::exit(128 + signal),
        }
    });
    if let Err(e) = routed {
        crate::shared::say(format_args!("warning: stop signals will end the window abruptly ({e})"));
    }
}

/// Opens the window and runs until it is closed.
pub fn run(launch: Launch) -> anyhow::Result<()> {
    #[cfg(unix)]
    close_on_stop_signals();
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Concurrency Lab")
        .with_app_id(APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([960.0, 600.0]);
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => crate::shared::say(format_args!("warning: the bundled icon could not be decoded: {e}")),
    }
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    let create = |cc: &eframe::CreationContext<'_>| {
        let _ = CONTEXT.set(cc.egui_ctx.clone());
        Ok(Box::new(LabApp::new(cc, launch)) as Box<dyn eframe::App>)
    };
    eframe::run_native("Concurrency Lab", options, Box::new(create))
        .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}

/// "2026-11-21-1430" (UTC), for default file names.
pub fn utc_stamp(now: std::time::SystemTime) -> String {
    let secs = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}-{:02}{:02}", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_257_000); // 2026-11-21 10:30 UTC
        assert_eq!(utc_stamp(t), "2026-11-21-1030");
        assert_eq!(utc_stamp(std::time::UNIX_EPOCH), "1970-01-01-0000");
    }
}
