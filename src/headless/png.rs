//! `--png` for `run` and `sweep`, and the pictures of `report`: the charts the window draws,
//! rendered offscreen (`gui::offscreen`). Whether a picture can be made is known before any
//! work: a build without the `gui` feature cannot, nor a machine where no graphics adapter
//! (a GPU driver, or Mesa's software renderers) can be found.

use crate::cli::PngLook;
use crate::engine::ResultFile;
use crate::export::Exporter;

/// The charts of a result file as a PNG, under a heading (the preset, or the command).
#[cfg_attr(not(feature = "gui"), allow(dead_code, reason = "drawn only with the gui feature"))]
pub struct Png {
    pub look: PngLook,
    pub heading: String,
}

/// Whether pictures can be rendered here, looked at cheaply (no device is made); the error
/// says what to install or how to build.
pub fn availability() -> Result<(), String> {
    #[cfg(feature = "gui")]
    {
        crate::gui::offscreen::probe().map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "gui"))]
    {
        Err(NO_GUI.to_owned())
    }
}

/// Why a build without the window cannot draw its charts.
#[cfg_attr(feature = "gui", allow(dead_code, reason = "the message of the other build"))]
pub const NO_GUI: &str = "this build has no gui feature, which draws the charts; build with default features";

impl Exporter for Png {
    fn name(&self) -> &'static str {
        "png"
    }

    #[cfg(feature = "gui")]
    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        use crate::gui::offscreen::{encode_png, render_png};
        use crate::gui::result_charts::result_charts_ui;
        let image = render_png(self.look.png_size, self.look.theme, |ui| result_charts_ui(ui, file, &self.heading))?;
        Ok(encode_png(&image)?)
    }

    #[cfg(not(feature = "gui"))]
    fn render(&self, _file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        anyhow::bail!(NO_GUI)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_no_gui_message_says_how_to_build() {
        assert!(super::NO_GUI.contains("no gui feature") && super::NO_GUI.contains("build with default features"));
        #[cfg(not(feature = "gui"))]
        assert_eq!(super::availability(), Err(super::NO_GUI.to_owned()));
    }
}
