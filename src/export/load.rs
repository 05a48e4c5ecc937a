//! Reading a result file back (`--json`'s output, the window's Export data, or a bare
//! `ResultFile`), from this machine or another: files are untrusted input. Only regular files
//! are read (opened without blocking and looked at before any read, so a FIFO or a device is
//! refused at once), at most [`MAX_RESULT_FILE_BYTES`] (refused by size before reading), and
//! every error names the file: not JSON or not a result file, or where (line, column) a result
//! file's shape is wrong. Fields this version does not know (a newer lab's, or the export's
//! `report`) are skipped, and so are runs naming a backend, workload or outcome this version
//! does not know (with a note naming each); a newer format version still loads when its shapes
//! parse, with a note. Lane indexes are bounded, since the window allocates a lane for each.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::engine::{Machine, ResultFile, RunResult, SweepSpec};

/// The largest result file read: a run of 1,000,000 spans is about 150 MiB of JSON.
pub const MAX_RESULT_FILE_BYTES: u64 = 512 << 20;
/// The highest lane (worker) index a loaded span or GIL hold may name: the engine's runs stay
/// far below it, and the window keeps one lane per index.
pub const MAX_LANE_INDEX: u32 = 65_535;

/// A result file as read.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub file: ResultFile,
    /// What a reader should know (a newer format version).
    pub notes: Vec<String>,
}

/// Why a file could not be loaded; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: could not open: {source}", path = .path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a regular file ({kind})", path = .path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{path}: {size} bytes ({}), larger than the {} a result file may be",
        super::format::bytes(*.size),
        super::format::bytes(MAX_RESULT_FILE_BYTES),
        path = .path.display()
    )]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{path}: not a Concurrency Lab result file ({why})", path = .path.display())]
    NotAResult { path: PathBuf, why: String },
    #[error("{path}: line {line}, column {column}: {message}", path = .path.display())]
    Corrupt { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: {message}", path = .path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Reads and parses the result file at `path` (see the module's rules).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let bytes = read_bounded(path)?;
    parse(path, &bytes)
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, LoadError> {
    let open = |source| LoadError::Open { path: path.to_owned(), source };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(open)?;
    let meta = file.metadata().map_err(open)?;
    if !meta.is_file() {
        return Err(LoadError::NotRegular { path: path.to_owned(), kind: crate::presets::kind_of(&meta) });
    }
    let too_large = |size| LoadError::TooLarge { path: path.to_owned(), size };
    if meta.len() > MAX_RESULT_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // The file may grow while it is read: never past the cap.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_RESULT_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(open)?;
    if bytes.len() as u64 > MAX_RESULT_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// What a result file has at its top level, read when the whole shape did not parse, to tell
/// a broken result file from something else.
#[derive(Deserialize)]
struct Probe {
    version: Option<serde_json::Value>,
    machine: Option<IgnoredAny>,
    runs: Option<IgnoredAny>,
}

/// Parses a result file's bytes; `path` names it in messages and in the result.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Loaded, LoadError> {
    let mut notes = Vec::new();
    let file = match serde_json::from_slice::<ResultFile>(bytes) {
        Ok(file) => file,
        // A newer lab's backend, workload or outcome: the runs this one knows still load.
        Err(error) if unknown_name(&error) => lenient(path, bytes, &mut notes)?,
        Err(error) => return Err(refusal(path, bytes, &error)),
    };
    check_lanes(&file).map_err(|message| LoadError::Invalid { path: path.to_owned(), message })?;
    if file.version > ResultFile::VERSION {
        notes.insert(
            0,
            format!(
                "{}: written by a newer lab (format version {}, this one reads {}): fields it does not know were skipped",
                path.display(),
                file.version,
                ResultFile::VERSION
            ),
        );
    }
    Ok(Loaded { path: path.to_owned(), file, notes })
}

/// A name this lab does not know (serde's "unknown variant"), as a newer lab may write.
fn unknown_name(error: &serde_json::Error) -> bool {
    error.is_data() && error.to_string().contains("unknown variant")
}

/// A result file with each run kept as its text, to read them one by one.
#[derive(Deserialize)]
struct RunByRun<'a> {
    version: u32,
    machine: Machine,
    #[serde(borrow)]
    runs: Vec<&'a RawValue>,
    #[serde(default)]
    sweep: Option<SweepSpec>,
}

/// Reads the file run by run, skipping (with a note) the runs that name a backend, workload or
/// outcome this lab does not know; any other error refuses the file.
fn lenient(path: &Path, bytes: &[u8], notes: &mut Vec<String>) -> Result<ResultFile, LoadError> {
    let outer = serde_json::from_slice::<RunByRun<'_>>(bytes).map_err(|e| refusal(path, bytes, &e))?;
    let mut runs = Vec::with_capacity(outer.runs.len());
    for (i, raw) in outer.runs.iter().enumerate() {
        match serde_json::from_str::<RunResult>(raw.get()) {
            Ok(run) => runs.push(run),
            Err(e) => {
                // Where the run starts in the file, to say where its error is.
                let start = (raw.get().as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize).min(bytes.len());
                let before = &bytes[..start];
                let line = before.iter().filter(|b| **b == b'\n').count() + e.line();
                let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
                let column = if e.line() == 1 { start - line_start + e.column() } else { e.column() };
                let message = clip(&e.to_string_without_position());
                if !unknown_name(&e) {
                    return Err(LoadError::Corrupt { path: path.to_owned(), line, column, message });
                }
                notes.push(format!(
                    "{}: runs[{i}] skipped (line {line}, column {column}: {message}; a newer lab's?)",
                    path.display()
                ));
            }
        }
    }
    Ok(ResultFile { version: outer.version, machine: outer.machine, runs, sweep: outer.sweep })
}

/// Why a file that did not parse is refused: not a result file, or where a result file broke.
fn refusal(path: &Path, bytes: &[u8], error: &serde_json::Error) -> LoadError {
    let not_a_result = |why: String| LoadError::NotAResult { path: path.to_owned(), why };
    let corrupt = |hint: &str| LoadError::Corrupt {
        path: path.to_owned(),
        line: error.line(),
        column: error.column(),
        message: format!("{}{hint}", clip(&error.to_string_without_position())),
    };
    // serde reads a struct from a list too: only an object can be a result file.
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(_) if !object => not_a_result("JSON, but not an object with `machine` and `runs`".to_owned()),
        // Valid JSON with a result file's fields, but a field's shape is wrong.
        Ok(Probe { version, machine: Some(_), runs: Some(_) }) => {
            let newer =
                version.as_ref().and_then(serde_json::Value::as_u64).filter(|v| *v > ResultFile::VERSION.into());
            corrupt(&newer.map_or_else(String::new, |v| {
                format!(
                    " (the file's format is version {v}, newer than this lab's {}: update the lab)",
                    ResultFile::VERSION
                )
            }))
        }
        Ok(_) => not_a_result("JSON without the `machine` and `runs` of a result".to_owned()),
        Err(probe) if probe.is_data() => not_a_result("JSON, but not an object with `machine` and `runs`".to_owned()),
        // Not JSON at all: a truncated result file still starts like one.
        Err(_) if looks_like_a_result(bytes) => corrupt(""),
        Err(_) => not_a_result(format!(
            "not JSON: line {}, column {}: {}",
            error.line(),
            error.column(),
            clip(&error.to_string_without_position())
        )),
    }
}

/// A broken file that starts the way the lab writes one.
fn looks_like_a_result(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    head.trim_start().starts_with('{') && (head.contains("\"machine\"") || head.contains("\"runs\""))
}

/// Lane indexes within [`MAX_LANE_INDEX`].
fn check_lanes(file: &ResultFile) -> Result<(), String> {
    for (i, run) in file.runs.iter().enumerate() {
        let span = run.spans.iter().map(|s| s.worker).max();
        let hold = run.gil_holds.iter().map(|h| h.worker).max();
        if let Some(worker) = span.max(hold).filter(|w| *w > MAX_LANE_INDEX) {
            return Err(format!("runs[{i}]: a span or GIL hold names lane {worker}, more than {MAX_LANE_INDEX}"));
        }
    }
    Ok(())
}

/// A serde message cut short: it may quote a value from the file.
fn clip(message: &str) -> String {
    crate::presets::clip(message, 300)
}

trait WithoutPosition {
    fn to_string_without_position(&self) -> String;
}

impl WithoutPosition for serde_json::Error {
    /// serde_json appends " at line L column C"; the errors here say where themselves.
    fn to_string_without_position(&self) -> String {
        let text = self.to_string();
        match text.rfind(" at line ") {
            Some(at) => text[..at].to_owned(),
            None => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Exporter, Json, sample};

    fn json(file: &ResultFile) -> Vec<u8> {
        Json.render(file).expect("renders")
    }

    fn message(result: Result<Loaded, LoadError>) -> String {
        result.map(|l| format!("loaded {} runs", l.file.runs.len())).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn the_json_export_and_a_bare_result_file_both_load() -> anyhow::Result<()> {
        let file = sample::file();
        let loaded = parse(Path::new("a.json"), &json(&file))?;
        assert_eq!(loaded.file, file);
        assert!(loaded.notes.is_empty());
        let bare = serde_json::to_vec(&file)?;
        assert_eq!(parse(Path::new("b.json"), &bare)?.file, file);
        Ok(())
    }

    #[test]
    fn unknown_fields_at_every_level_are_skipped() -> anyhow::Result<()> {
        let mut v: serde_json::Value = serde_json::from_slice(&json(&sample::file()))?;
        v["future"] = serde_json::json!({"anything": [1, 2]});
        v["machine"]["gpu"] = "X".into();
        v["runs"][0]["energy_joules"] = 3.5.into();
        v["runs"][0]["config"]["affinity"] = "0-3".into();
        v["runs"][0]["config"]["workload"]["seed"] = 7.into();
        v["runs"][0]["stats"]["p99_secs"] = 0.1.into();
        v["runs"][0]["spans"][0]["cpu"] = 1.into();
        v["runs"][0]["repetitions"][0]["rss"] = 1.into();
        v["runs"][0]["cpu_samples"][0]["freq"] = [1, 2].into();
        v["runs"][0]["sampler"]["x"] = 1.into();
        v["sweep"] = serde_json::json!({"vary": "workers", "values": [1, 2], "extra": true});
        let loaded = parse(Path::new("new.json"), &serde_json::to_vec(&v)?)?;
        assert_eq!(loaded.file.runs, sample::file().runs);
        assert_eq!(loaded.file.sweep.map(|s| s.values), Some(vec![1, 2]), "a sweep's spec is kept");
        // A newer format version loads when its shapes parse, with a note.
        v["version"] = 2.into();
        let loaded = parse(Path::new("new.json"), &serde_json::to_vec(&v)?)?;
        assert!(loaded.notes[0].contains("new.json: written by a newer lab (format version 2"), "{:?}", loaded.notes);
        Ok(())
    }

    #[test]
    fn files_that_are_not_results_say_so_naming_the_file() -> anyhow::Result<()> {
        let preset = "version = 1\nname = \"x\"\n[workload]\nkind = \"primes\"\n";
        let got = message(parse(Path::new("/p/cpu.toml"), preset.as_bytes()));
        assert!(got.starts_with("/p/cpu.toml: not a Concurrency Lab result file (not JSON: line 1, column"), "{got}");
        for other in [&b"{\"name\": \"x\", \"values\": [1]}"[..], b"[1, 2, 3]", b"42", b"{}"] {
            let got = message(parse(Path::new("x.json"), other));
            assert!(got.starts_with("x.json: not a Concurrency Lab result file (JSON"), "{got}");
        }
        Ok(())
    }

    #[test]
    fn a_corrupt_result_names_the_file_line_and_column() -> anyhow::Result<()> {
        let bytes = json(&sample::file());
        let cut = &bytes[..bytes.len() / 2];
        let got = message(parse(Path::new("cut.json"), cut));
        assert!(got.starts_with("cut.json: line ") && got.contains("EOF while parsing"), "{got}");
        let text = String::from_utf8(bytes)?.replacen("\"elapsed_secs\": ", "\"elapsed_secs\": \"fast\", \"x\": ", 1);
        let got = message(parse(Path::new("bad.json"), text.as_bytes()));
        assert!(
            got.starts_with("bad.json: line ") && got.contains("invalid type: string \"fast\", expected f64"),
            "{got}"
        );
        let newer = text.replacen("\"version\": 1", "\"version\": 3", 1);
        let got = message(parse(Path::new("bad.json"), newer.as_bytes()));
        assert!(got.contains("format is version 3, newer than this lab's 1"), "{got}");
        Ok(())
    }

    #[test]
    fn runs_naming_what_this_lab_does_not_know_are_skipped_with_a_note() -> anyhow::Result<()> {
        let text = String::from_utf8(json(&sample::file()))?;
        let newer = text.replacen("\"backend\": \"event-loop\"", "\"backend\": \"fibers\"", 1);
        let loaded = parse(Path::new("newer.json"), newer.as_bytes())?;
        assert_eq!(loaded.file.runs, sample::file().runs[1..].to_vec(), "the run the lab knows loads");
        let line = newer.lines().position(|l| l.contains("fibers")).map(|n| n + 1);
        let note = &loaded.notes[0];
        assert!(
            note.starts_with("newer.json: runs[0] skipped (line ") && note.contains("unknown variant `fibers`"),
            "{note}"
        );
        assert!(line.is_some_and(|l| note.contains(&format!("line {l}, column "))), "{note} (fibers on line {line:?})");
        // Any other broken run still refuses the file, naming the line of the break.
        let broken = newer.replacen("\"tasks_ok\": 2", "\"tasks_ok\": -2", 2);
        let got = message(parse(Path::new("newer.json"), broken.as_bytes()));
        // Run 0 is skipped first (its backend); run 1 breaks on its second "-2".
        let line = broken.lines().enumerate().filter(|(_, l)| l.contains("-2")).map(|(n, _)| n + 1).last();
        assert!(line.is_some_and(|l| got.starts_with(&format!("newer.json: line {l}, column "))), "{got} ({line:?})");
        Ok(())
    }

    #[test]
    fn lane_indexes_are_bounded() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[1].spans[0].worker = u32::MAX;
        let got = message(parse(Path::new("lanes.json"), &json(&file)));
        assert!(got.contains("runs[1]: a span or GIL hold names lane 4294967295, more than 65535"), "{got}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_under_the_cap_are_read() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let big = dir.path().join("big.json");
        // Sparse: a gigabyte that costs no disk, refused by its size before any read.
        std::fs::File::create(&big)?.set_len(1 << 30)?;
        let got = message(load(&big));
        assert!(got.contains("big.json: 1073741824 bytes (1.0 GiB), larger than the 512.0 MiB"), "{got}");
        let fifo = dir.path().join("fifo.json");
        if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
            assert!(message(load(&fifo)).ends_with("fifo.json: not a regular file (a FIFO)"));
        }
        let zero = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero)?;
        assert!(message(load(&zero)).ends_with("not a regular file (a character device)"));
        assert!(message(load(&dir.path().join("missing.json"))).contains("missing.json: could not open"));
        let good = dir.path().join("good.json");
        std::fs::write(&good, json(&sample::file()))?;
        assert_eq!(message(load(&good)), "loaded 2 runs");
        Ok(())
    }
}
