//! `--png FILE`, `--png-size WxH` and `--theme`: a picture of the charts the window draws,
//! rendered offscreen. The size is checked here, before anything runs; the message names the
//! flag, the bound and the value.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, ValueEnum};

/// The smallest picture the charts are readable in, and the largest texture a renderer
/// is asked for (wgpu's guaranteed limit).
pub const MIN_PNG_WIDTH: u32 = 480;
pub const MIN_PNG_HEIGHT: u32 = 320;
pub const MAX_PNG_EDGE: u32 = 8192;

/// A picture's size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PngSize {
    pub width: u32,
    pub height: u32,
}

impl Default for PngSize {
    fn default() -> Self {
        Self { width: 1600, height: 900 }
    }
}

impl std::fmt::Display for PngSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl FromStr for PngSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (w, h) = text
            .split_once(['x', 'X'])
            .ok_or_else(|| format!("expected WIDTHxHEIGHT in pixels (e.g. 1600x900), got '{text}'"))?;
        let edge = |what: &str, value: &str, min: u32| -> Result<u32, String> {
            let n: u64 = value.trim().parse().map_err(|_| format!("the {what} '{value}' is not a whole number"))?;
            if n < u64::from(min) || n > u64::from(MAX_PNG_EDGE) {
                return Err(format!("the {what} must be between {min} and {MAX_PNG_EDGE} pixels, got {n}"));
            }
            Ok(n as u32)
        };
        Ok(Self { width: edge("width", w, MIN_PNG_WIDTH)?, height: edge("height", h, MIN_PNG_HEIGHT)? })
    }
}

/// The picture's colours: the window's light or dark theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PngTheme {
    #[default]
    Light,
    Dark,
}

/// How a picture looks: shared by `run`, `sweep` and `report`.
#[derive(Clone, Debug, Default, Args)]
pub struct PngLook {
    /// The picture's size in pixels, WIDTHxHEIGHT (480x320 to 8192x8192).
    #[arg(long, value_name = "WxH", default_value_t = PngSize::default())]
    pub png_size: PngSize,
    /// The picture's theme.
    #[arg(long, value_name = "THEME", value_enum, default_value_t = PngTheme::Light)]
    pub theme: PngTheme,
}

/// `--png FILE` with its look, for `run` and `sweep`.
#[derive(Clone, Debug, Default, Args)]
pub struct PngArgs {
    /// Write the charts the window draws (elapsed time, core utilization, timelines) as a PNG,
    /// rendered offscreen: no window or display needed, a GPU driver or Mesa's software one is.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
    #[command(flatten)]
    pub look: PngLook,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_name_the_bound_and_value() {
        assert_eq!("1600x900".parse(), Ok(PngSize { width: 1600, height: 900 }));
        assert_eq!("8192X480".parse(), Ok(PngSize { width: 8192, height: 480 }));
        let err = |text: &str| text.parse::<PngSize>().err().unwrap_or_default();
        assert_eq!(err("9000x900"), "the width must be between 480 and 8192 pixels, got 9000");
        assert_eq!(err("1600x10"), "the height must be between 320 and 8192 pixels, got 10");
        assert_eq!(err("1600"), "expected WIDTHxHEIGHT in pixels (e.g. 1600x900), got '1600'");
        assert_eq!(err("wide x 900"), "the width 'wide ' is not a whole number");
        assert_eq!(err("99999999999999999999x900"), "the width '99999999999999999999' is not a whole number");
    }
}
