//! Save PNG: the side-by-side plots exactly as shown. The app arms a capture with a
//! destination; on the next frame (once any dialog is gone and hover decorations are off) it
//! asks the integration for a screenshot, crops it to the plots' `ui.scope` rect intersected
//! with the window, at the window's pixels per point, and hands encoding and the atomic write to
//! a background thread. A screenshot that never arrives (a minimized window) times out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use eframe::egui::{self, ColorImage, Rect};

use crate::export::atomic::PendingFile;

use super::background::{Background, Report};

const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(5);

enum State {
    Idle,
    /// Waiting for a clean frame to capture.
    Armed {
        path: PathBuf,
        frames_left: u8,
    },
    Waiting {
        path: PathBuf,
        rect: Rect,
        pixels_per_point: f32,
        rx: Receiver<Arc<ColorImage>>,
        since: Instant,
    },
}

pub struct PngExport {
    state: State,
}

impl Default for PngExport {
    fn default() -> Self {
        Self { state: State::Idle }
    }
}

impl PngExport {
    /// Captures the plots to `path` starting with the next frame.
    pub fn arm(&mut self, path: PathBuf) {
        self.state = State::Armed { path, frames_left: 1 };
    }

    /// True from arming until the screenshot arrived: plots draw without hover decorations.
    pub fn is_capturing(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// Called every frame after the plots were drawn at `plots_rect`. Returns an error report
    /// if the capture failed before reaching the writer.
    pub fn after_plots(&mut self, ctx: &egui::Context, plots_rect: Rect, writer: &mut Background) -> Option<Report> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => None,
            State::Armed { path, frames_left } if frames_left > 0 => {
                self.state = State::Armed { path, frames_left: frames_left - 1 };
                ctx.request_repaint();
                None
            }
            State::Armed { path, .. } => {
                let (tx, rx) = mpsc::channel();
                let repaint = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = tx.send(image);
                    repaint.request_repaint();
                });
                let rect = plots_rect.intersect(ctx.content_rect());
                let pixels_per_point = ctx.pixels_per_point();
                self.state = State::Waiting { path, rect, pixels_per_point, rx, since: Instant::now() };
                None
            }
            State::Waiting { path, rect, pixels_per_point, rx, since } => match rx.try_recv() {
                Ok(image) => {
                    writer.spawn("lab-png", ctx, move || write_png(&image, rect, pixels_per_point, &path));
                    None
                }
                Err(mpsc::TryRecvError::Empty) if since.elapsed() < SCREENSHOT_TIMEOUT => {
                    self.state = State::Waiting { path, rect, pixels_per_point, rx, since };
                    ctx.request_repaint_after(Duration::from_millis(50));
                    None
                }
                Err(_) => Some(Err(format!(
                    "PNG not saved: the window delivered no screenshot within {} s (is it minimized?)",
                    SCREENSHOT_TIMEOUT.as_secs()
                ))),
            },
        }
    }
}

/// Crops `screenshot` to `rect` (points) and writes it to `path` as PNG, atomically.
pub fn write_png(screenshot: &ColorImage, rect: Rect, pixels_per_point: f32, path: &Path) -> Report {
    let plots = crop(screenshot, rect, pixels_per_point)
        .ok_or_else(|| "PNG not saved: the plots are not on screen".to_owned())?;
    let [width, height] = plots.size;
    let bytes = encode_png(&plots).map_err(|e| format!("PNG not saved: encoding failed: {e}"))?;
    let written =
        PendingFile::create(path).and_then(|file| file.commit(&bytes)).map_err(|e| format!("PNG not saved: {e:#}"))?;
    Ok(format!("Saved the plots to {} ({width}×{height} px)", written.display()))
}

/// The part of `screenshot` under `rect`, clamped to the image (egui's `region` does not
/// bounds-check). `None` when nothing of `rect` is inside.
pub fn crop(screenshot: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<ColorImage> {
    let [w, h] = screenshot.size;
    let image_rect = Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(w as f32, h as f32) / pixels_per_point);
    let rect = rect.intersect(image_rect);
    if !rect.is_positive() {
        return None;
    }
    Some(screenshot.region(&rect, Some(pixels_per_point)))
}

fn encode_png(image: &ColorImage) -> Result<Vec<u8>, image::ImageError> {
    use image::ImageEncoder;
    let [width, height] = image.size;
    let mut bytes = Vec::new();
    let pixels: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    image::codecs::png::PngEncoder::new(&mut bytes).write_image(
        &pixels,
        u32::try_from(width).unwrap_or(u32::MAX),
        u32::try_from(height).unwrap_or(u32::MAX),
        image::ExtendedColorType::Rgba8,
    )?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::Color32;

    fn checker(w: usize, h: usize) -> ColorImage {
        let pixels = (0..w * h)
            .map(|i| if (i % w + i / w).is_multiple_of(2) { Color32::WHITE } else { Color32::BLUE })
            .collect();
        ColorImage::new([w, h], pixels)
    }

    #[test]
    fn crops_at_the_pixel_density_and_clamps_to_the_window() {
        let shot = checker(200, 100); // a 100×50 pt window at 2 ppp
        let inside = crop(&shot, Rect::from_min_max(egui::pos2(10.0, 10.0), egui::pos2(60.0, 30.0)), 2.0);
        assert_eq!(inside.map(|i| i.size), Some([100, 40]));
        let overhanging = crop(&shot, Rect::from_min_max(egui::pos2(80.0, 40.0), egui::pos2(500.0, 500.0)), 2.0);
        assert_eq!(overhanging.map(|i| i.size), Some([40, 20]));
        assert!(crop(&shot, Rect::from_min_max(egui::pos2(300.0, 0.0), egui::pos2(400.0, 10.0)), 2.0).is_none());
    }

    #[test]
    fn writes_a_png_that_decodes_to_the_crop() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("plots.png");
        let report =
            write_png(&checker(64, 32), Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(32.0, 16.0)), 1.0, &path);
        assert_eq!(report, Ok(format!("Saved the plots to {} (32×16 px)", path.display())));
        let decoded = image::ImageReader::open(&path)?.decode()?;
        assert_eq!((decoded.width(), decoded.height()), (32, 16));
        let missing = dir.path().join("no/such/dir/plots.png");
        let err =
            write_png(&checker(8, 8), Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(8.0, 8.0)), 1.0, &missing);
        assert!(err.is_err_and(|e| e.contains("no/such/dir")));
        Ok(())
    }
}
