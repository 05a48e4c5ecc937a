//! Drawing egui offscreen into an image: no window, no display server. egui_kittest's
//! harness runs the frames and its wgpu renderer paints them into a texture that is read back.
//! The render state is made here rather than by egui_kittest (whose own setup panics without
//! a GPU adapter), so a machine with no driver gets an [`OffscreenError`] saying what to
//! install. Software renderers count: Mesa's lavapipe (Vulkan) or llvmpipe (GL).
//! `WGPU_BACKEND=vulkan|gl` picks the backend, as for the window.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use eframe::egui;
use eframe::egui_wgpu::{self, RenderState, WgpuConfiguration, WgpuSetup, WgpuSetupCreateNew, wgpu};
use egui_kittest::Harness;
use egui_kittest::wgpu::WgpuTestRenderer;
use image::RgbaImage;

use crate::shared::{PngSize, PngTheme};

/// What to install when no adapter exists (Debian and Ubuntu package names).
pub const INSTALL_HINT: &str = "install a GPU driver or Mesa's software renderers: mesa-vulkan-drivers (lavapipe, \
     with libvulkan1) or libgl1-mesa-dri and libegl1 (llvmpipe, for WGPU_BACKEND=gl)";

/// Why a picture could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum OffscreenError {
    #[error("no usable graphics adapter for offscreen rendering ({0}); {INSTALL_HINT}")]
    NoAdapter(String),
    #[error("offscreen rendering failed: {0}")]
    Render(String),
}

/// The picture's points per pixel: about 1100 points across, as a window on a laptop, so text
/// stays readable at any size.
fn pixels_per_point(size: PngSize) -> f32 {
    (size.width as f32 / 1100.0).clamp(1.0, 4.0)
}

fn setup() -> WgpuSetupCreateNew {
    // The backends WGPU_BACKEND names, else Vulkan, Metal, DX12 and GL; the device may make
    // textures of 8192 pixels a side.
    let mut setup = WgpuSetupCreateNew::without_display_handle();
    setup.instance_descriptor.backends.remove(wgpu::Backends::BROWSER_WEBGPU);
    setup
}

/// Checks, cheaply and before any work, that an adapter exists to render with.
pub fn probe() -> Result<(), OffscreenError> {
    let setup = setup();
    let backends = setup.instance_descriptor.backends;
    let instance = block_on(WgpuSetup::CreateNew(setup).new_instance());
    let adapters = block_on(instance.enumerate_adapters(backends));
    if adapters.is_empty() {
        return Err(OffscreenError::NoAdapter(format!("wgpu found none for the backends {backends:?}")));
    }
    Ok(())
}

/// A fresh render state (the renderer takes only a fresh one): the adapter and device.
fn render_state() -> Result<RenderState, OffscreenError> {
    let setup = WgpuSetup::CreateNew(setup());
    let instance = block_on(setup.new_instance());
    let config = WgpuConfiguration { wgpu_setup: setup, ..Default::default() };
    block_on(RenderState::create(&config, &instance, None, egui_wgpu::RendererOptions::PREDICTABLE))
        .map_err(|e| OffscreenError::NoAdapter(e.to_string()))
}

/// Renders what `draw` draws onto a `size` picture in `theme`, the whole picture filled with
/// the theme's panel colour (the target is transparent otherwise).
pub fn render_png(
    size: PngSize,
    theme: PngTheme,
    mut draw: impl FnMut(&mut egui::Ui),
) -> Result<RgbaImage, OffscreenError> {
    let ppp = pixels_per_point(size);
    let points = egui::vec2(size.width as f32 / ppp, size.height as f32 / ppp);
    let theme = match theme {
        PngTheme::Light => egui::Theme::Light,
        PngTheme::Dark => egui::Theme::Dark,
    };
    let renderer = WgpuTestRenderer::from_render_state(render_state()?);
    let mut harness = Harness::builder()
        .with_size(points)
        .with_pixels_per_point(ppp)
        .with_theme(theme)
        .with_render_cursor(false)
        .renderer(renderer)
        .build_ui(|ui| {
            let everything = ui.ctx().content_rect();
            let fill = ui.visuals().panel_fill;
            ui.ctx().layer_painter(egui::LayerId::background()).rect_filled(everything, 0.0, fill);
            draw(ui);
        });
    // A few frames: plots settle their bounds and text layout after the first.
    harness.run_steps(3);
    let image = harness.render().map_err(OffscreenError::Render)?;
    Ok(exact_size(image, size))
}

/// The picture at exactly the size asked for: rounding points to pixels may be one off.
fn exact_size(image: RgbaImage, size: PngSize) -> RgbaImage {
    if image.dimensions() == (size.width, size.height) {
        return image;
    }
    let corner = image.get_pixel(image.width().saturating_sub(1), image.height().saturating_sub(1));
    let mut out = RgbaImage::from_pixel(size.width, size.height, *corner);
    image::imageops::replace(&mut out, &image, 0, 0);
    out
}

/// Encodes a picture as PNG bytes.
pub fn encode_png(image: &RgbaImage) -> Result<Vec<u8>, OffscreenError> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).map_err(|e| OffscreenError::Render(e.to_string()))?;
    Ok(bytes.into_inner())
}

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread (wgpu's set-up calls are async).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}
