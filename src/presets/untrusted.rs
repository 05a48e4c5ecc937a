//! Preset files are untrusted input: only regular files are opened (without blocking, and
//! looked at before any read, so a FIFO or a device is refused at once), at most
//! [`MAX_FILE_BYTES`] are read, error messages quote a short stretch of the offending line,
//! and names and descriptions are capped for display.

use std::io::Read as _;
use std::path::Path;

/// The most a preset file may hold.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Names and descriptions longer than this are cut (with "…") for display.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// How much of the offending line an error message quotes, on each side of the error.
const QUOTE_CHARS: usize = 40;

/// Reads a preset file if it is a regular file of at most [`MAX_FILE_BYTES`] of UTF-8. The
/// file is opened without blocking and looked at (`fstat`) before any read, so a FIFO never
/// blocks and a device (say a link to /dev/zero) is never read.
pub fn read_bounded(path: &Path) -> Result<String, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!("not a regular file ({})", kind_of(&meta)));
    }
    let too_big = || format!("larger than the {} KiB a preset may be", MAX_FILE_BYTES / 1024);
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

/// What a path that is not a regular file is, in words ("a FIFO", "a directory").
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// `text` cut to `max` characters, ending in "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A TOML error as "line L, column C: what", with at most a short stretch of the line around
/// the error quoted (a line may be a megabyte long), and the message itself capped.
pub(super) fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = clip(error.message().trim(), 300);
    let Some(at) = error.span().map(|span| span.start.min(text.len())) else { return message };
    let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line_number = text[..at].matches('\n').count() + 1;
    let before: Vec<char> = text[line_start..at].chars().collect();
    let column = before.len() + 1;
    let quote_start = before.len().saturating_sub(QUOTE_CHARS);
    let head: String = before[quote_start..].iter().collect();
    let tail: String = text[at..line_end].chars().take(QUOTE_CHARS).collect();
    let cut_left = if quote_start > 0 { "…" } else { "" };
    let cut_right = if text[at..line_end].chars().nth(QUOTE_CHARS).is_some() { "…" } else { "" };
    let quoted = format!("{cut_left}{head}{tail}{cut_right}");
    let caret = " ".repeat(cut_left.chars().count() + head.chars().count());
    format!("line {line_number}, column {column}: {message}\n  | {}\n  | {caret}^", quoted.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::tests::{GOOD, error_of};
    use crate::presets::{PresetError, PresetSource, parse};

    #[test]
    fn errors_quote_only_the_neighbourhood_of_a_long_line() {
        let long = format!("{}\"", "x".repeat(500_000));
        let msg = error_of(&GOOD.replace("name = \"x\"", &format!("name = \"x\"\nbogus = \"{long}")));
        assert!(msg.contains("line 3, column 1") && msg.contains("unknown field `bogus`"), "{}", clip(&msg, 500));
        assert!(msg.len() < 1000, "the message quotes a bounded stretch: {} bytes", msg.len());
        let broken = format!("{GOOD}junk = {}", "y".repeat(300_000));
        let msg = error_of(&broken);
        assert!(msg.len() < 1000 && msg.contains("line 13"), "{}", clip(&msg, 500));
    }

    #[test]
    fn long_names_and_descriptions_are_capped() -> Result<(), PresetError> {
        let text = GOOD.replace("description = \"d\"", &format!("description = \"{}\"", "d".repeat(10_000)));
        let preset = parse("x", PresetSource::Bundled, &text)?;
        assert_eq!(preset.description.chars().count(), MAX_DESCRIPTION_CHARS + 1);
        assert!(preset.description.ends_with('…'));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_of_bounded_size_are_read() -> Result<(), std::io::Error> {
        let dir = tempfile::tempdir()?;
        let zero = dir.path().join("zero.toml");
        std::os::unix::fs::symlink("/dev/zero", &zero)?;
        assert_eq!(read_bounded(&zero).err().as_deref(), Some("not a regular file (a character device)"));
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; (MAX_FILE_BYTES + 1) as usize])?;
        assert!(read_bounded(&big).err().is_some_and(|e| e.contains("larger than the 1024 KiB")));
        let fifo = dir.path().join("fifo.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(read_bounded(&fifo).err().as_deref(), Some("not a regular file (a FIFO)"));
        }
        Ok(())
    }
}
