//! What both front ends (the CLI and the window) need and neither owns: a line on stderr, the
//! number of runs started without asking, and a picture's size and theme. It sits below them,
//! so the window imports nothing from the CLI.

use std::io::Write as _;
use std::str::FromStr;

use clap::ValueEnum;

/// Writes a line to stderr; a closed stderr is not worth a panic (what `eprintln!` does).
pub fn say(args: std::fmt::Arguments<'_>) {
    writeln!(std::io::stderr().lock(), "{args}").ok();
}

/// A sweep of more runs than this (points × (repeat + warm-up)) needs `--yes`, or a
/// confirmation in the window.
pub const MAX_UNCONFIRMED_RUNS: u64 = 100;

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
