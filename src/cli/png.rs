//! `--png FILE`, `--png-size WxH` and `--theme`: a picture of the charts the window draws,
//! rendered offscreen. The size is checked here, before anything runs; the message names the
//! flag, the bound and the value.

use std::path::PathBuf;

use clap::Args;

pub use crate::shared::{MAX_PNG_EDGE, PngSize, PngTheme};

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
