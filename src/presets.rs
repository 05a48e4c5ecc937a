//! Presets: TOML files that name an experiment (the format is a contract: ARCHITECTURE.md,
//! "Preset TOML"). The bundled ones in `presets/` are compiled in with `include_str!`, so the
//! binary works anywhere; users add their own in `~/.config/concurrency-lab/presets/`, and any
//! file can be loaded by path.
//! Unknown keys are errors; errors name the file, line and column. Files are untrusted input:
//! only regular files are opened (a FIFO or a device is refused without blocking), at most
//! 1 MiB is read, error messages quote a short stretch of the offending line, and names and
//! descriptions are capped for display.

mod untrusted;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use self::untrusted::describe_toml_error;
pub use self::untrusted::{MAX_DESCRIPTION_CHARS, MAX_FILE_BYTES, MAX_NAME_CHARS, clip, kind_of, read_bounded};

use crate::engine::{
    BackendKind, DEFAULT_IO_WAIT_MILLIS, ExperimentConfig, Sizes, StartMethod, Workload, WorkloadKind,
};
use crate::engine::{SweepError, SweepSpec, Vary};

/// The bundled presets: (id, TOML text).
pub const BUNDLED: &[(&str, &str)] = &[
    ("cpu-primes-gil", include_str!("../presets/cpu-primes-gil.toml")),
    ("cpu-primes-no-gil", include_str!("../presets/cpu-primes-no-gil.toml")),
    ("fib-process-pool", include_str!("../presets/fib-process-pool.toml")),
    ("http-three-requests", include_str!("../presets/http-three-requests.toml")),
    ("http-many-slow", include_str!("../presets/http-many-slow.toml")),
    ("http-fast-few", include_str!("../presets/http-fast-few.toml")),
    ("blocking-sleep-in-async", include_str!("../presets/blocking-sleep-in-async.toml")),
    ("interleaving", include_str!("../presets/interleaving.toml")),
    ("hybrids", include_str!("../presets/hybrids.toml")),
    ("memory-many-tasks", include_str!("../presets/memory-many-tasks.toml")),
    ("io-many-sleeps", include_str!("../presets/io-many-sleeps.toml")),
    ("noop-dispatch", include_str!("../presets/noop-dispatch.toml")),
    ("python-primes-vs-rust", include_str!("../presets/python-primes-vs-rust.toml")),
    ("python-fib-pools", include_str!("../presets/python-fib-pools.toml")),
    ("sweep-cpu-workers", include_str!("../presets/sweep-cpu-workers.toml")),
    ("sweep-cpu-workers-no-gil", include_str!("../presets/sweep-cpu-workers-no-gil.toml")),
    ("sweep-http-workers", include_str!("../presets/sweep-http-workers.toml")),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PresetSource {
    Bundled,
    User(PathBuf),
    File(PathBuf),
}

impl PresetSource {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Bundled => "bundled",
            Self::User(_) => "user",
            Self::File(_) => "file",
        }
    }
}

/// A parsed preset: one workload, one or more backends to compare it on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The file stem: what `--preset NAME` matches.
    pub id: String,
    pub source: PresetSource,
    pub name: String,
    pub description: String,
    pub backends: Vec<BackendKind>,
    /// The settings shared by every backend (its `backend` is the first listed).
    pub base: ExperimentConfig,
    /// Per-backend `workers` overrides (`[run.workers_for]`).
    pub workers_for: BTreeMap<BackendKind, u64>,
    /// A sweep preset's parameter and values (`[sweep]`).
    pub sweep: Option<SweepSpec>,
}

impl Preset {
    /// One config per backend, with the per-backend worker counts applied.
    pub fn configs(&self) -> Vec<ExperimentConfig> {
        self.backends
            .iter()
            .map(|&backend| ExperimentConfig {
                backend,
                workers: self.workers_for.get(&backend).copied().unwrap_or(self.base.workers),
                ..self.base.clone()
            })
            .collect()
    }

    /// Every run the preset makes: one per backend, or for a sweep preset one per value and
    /// backend (value by value).
    pub fn runs(&self) -> Vec<ExperimentConfig> {
        let configs = self.configs();
        match &self.sweep {
            None => configs,
            Some(spec) => {
                spec.values.iter().flat_map(|&v| configs.iter().map(move |c| spec.vary.apply(c, v))).collect()
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct PresetError {
    /// The file (or "bundled preset NAME").
    pub origin: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetToml {
    version: u32,
    name: String,
    description: String,
    backends: Vec<BackendKind>,
    workload: WorkloadToml,
    run: RunToml,
    /// A sweep preset: the experiment again for each value of one parameter.
    sweep: Option<SweepToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepToml {
    vary: String,
    values: Vec<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadToml {
    kind: WorkloadKind,
    size: Option<Sizes>,
    /// The I/O wait of a `mixed` task.
    io_wait_millis: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunToml {
    tasks: u64,
    workers: u64,
    #[serde(default)]
    gil: bool,
    #[serde(default = "one")]
    repeat: u32,
    #[serde(default)]
    warmup: u32,
    /// Steps per task (interleaving probe).
    #[serde(default = "one")]
    steps: u32,
    #[serde(default)]
    workers_for: BTreeMap<BackendKind, u64>,
    /// How python-processes starts its workers (default: the interpreter's own).
    start_method: Option<StartMethod>,
}

fn one() -> u32 {
    1
}

/// Parses and validates a preset for every backend it lists.
pub fn parse(id: &str, source: PresetSource, text: &str) -> Result<Preset, PresetError> {
    let origin = match &source {
        PresetSource::Bundled => format!("bundled preset {id}"),
        PresetSource::User(path) | PresetSource::File(path) => path.display().to_string(),
    };
    let fail = |message: String| PresetError { origin: origin.clone(), message };
    let raw: PresetToml = toml::from_str(text).map_err(|e| fail(describe_toml_error(&e, text)))?;
    if raw.version != 1 {
        return Err(fail(format!("version must be 1, got {}", raw.version)));
    }
    if raw.backends.is_empty() {
        return Err(fail("backends must list at least one backend".to_owned()));
    }
    let kind = raw.workload.kind;
    let base = ExperimentConfig {
        backend: raw.backends[0],
        workload: Workload { kind, size: raw.workload.size.unwrap_or_else(|| Sizes::one(kind.default_size())) },
        tasks: raw.run.tasks,
        workers: raw.run.workers,
        gil: raw.run.gil,
        repeat: raw.run.repeat,
        warmup: raw.run.warmup,
        steps: raw.run.steps,
        io_wait_millis: raw.workload.io_wait_millis.unwrap_or(DEFAULT_IO_WAIT_MILLIS),
        start_method: raw.run.start_method,
        ..ExperimentConfig::default()
    };
    let preset = Preset {
        id: id.to_owned(),
        source,
        name: clip(raw.name.trim(), MAX_NAME_CHARS),
        description: clip(raw.description.trim(), MAX_DESCRIPTION_CHARS),
        backends: raw.backends,
        base,
        workers_for: raw.run.workers_for,
        sweep: None,
    };
    let Some(sweep) = raw.sweep else {
        for config in preset.configs() {
            config.validate().map_err(|e| fail(format!("backend {}: {e}", config.backend)))?;
        }
        return Ok(preset);
    };
    // A sweep's base values may be out of bounds where its points are not (workers = 1,000
    // for a sweep of threads up to 1,024): the points are what is checked.
    let vary: Vary = sweep.vary.parse().map_err(|e: SweepError| fail(e.to_string()))?;
    let spec = SweepSpec { vary, values: sweep.values };
    spec.points(&preset.configs()).map_err(|e| fail(e.to_string()))?;
    Ok(Preset { sweep: Some(spec), ..preset })
}

/// Where user presets live (`$XDG_CONFIG_HOME/concurrency-lab/presets` on Linux).
pub fn user_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "concurrency-lab").map(|dirs| dirs.config_dir().join("presets"))
}

fn read_file(path: &Path, source: PresetSource) -> Result<Preset, PresetError> {
    let text = read_bounded(path).map_err(|message| PresetError {
        origin: path.display().to_string(),
        message: format!("cannot read: {message}"),
    })?;
    let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("preset");
    parse(id, source, &text)
}

/// All presets: bundled first, then the user's (a broken or unreadable user file is listed
/// as an error, with the reason).
pub fn all() -> Vec<Result<Preset, PresetError>> {
    let mut presets: Vec<_> = BUNDLED.iter().map(|(id, text)| parse(id, PresetSource::Bundled, text)).collect();
    presets.extend(user_files().into_iter().map(|p| read_file(&p, PresetSource::User(p.clone()))));
    presets
}

/// The `.toml` files in the user preset directory, sorted (nothing is opened here).
fn user_files() -> Vec<PathBuf> {
    let Some(dir) = user_dir() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    paths.sort();
    paths
}

/// `--preset FILE|NAME`: a path if it names a file (or ends in .toml), else a bundled preset's
/// name, else a user preset's (whose own error is shown if it is broken).
pub fn load(name_or_path: &str) -> Result<Preset, PresetError> {
    let path = Path::new(name_or_path);
    // Anything at that path but a directory is read as a file (and refused if it is no
    // regular file), as is anything that looks like a path.
    let names_a_file = std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir());
    if names_a_file || name_or_path.ends_with(".toml") || name_or_path.contains('/') {
        return read_file(path, PresetSource::File(path.to_owned()));
    }
    if let Some((id, text)) = BUNDLED.iter().find(|(id, _)| *id == name_or_path) {
        return parse(id, PresetSource::Bundled, text);
    }
    let mut known: Vec<String> = BUNDLED.iter().map(|(id, _)| (*id).to_owned()).collect();
    for path in user_files() {
        let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        if id == name_or_path {
            return read_file(&path, PresetSource::User(path.clone()));
        }
        known.push(id);
    }
    Err(PresetError {
        origin: format!("--preset {name_or_path}"),
        message: format!("no preset file or name matches (known: {})", known.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_preset_parses_and_validates() {
        for (id, text) in BUNDLED {
            let preset = parse(id, PresetSource::Bundled, text);
            assert!(preset.is_ok(), "{id}: {:?}", preset.err());
        }
    }

    /// The ten claims of the Python concurrency articles the lab reproduces (ARCHITECTURE.md,
    /// "The claims"), one preset each, in that order.
    pub const CLAIMS: [&str; 10] = [
        "cpu-primes-gil",
        "cpu-primes-no-gil",
        "fib-process-pool",
        "http-three-requests",
        "http-many-slow",
        "http-fast-few",
        "blocking-sleep-in-async",
        "interleaving",
        "hybrids",
        "memory-many-tasks",
    ];

    #[test]
    fn every_claim_has_a_preset_that_states_it() {
        for id in CLAIMS {
            let preset = BUNDLED
                .iter()
                .find(|(bundled, _)| *bundled == id)
                .map(|(id, text)| parse(id, PresetSource::Bundled, text));
            let Some(Ok(preset)) = preset else { panic!("no valid bundled preset {id}") };
            assert!(preset.description.starts_with("Claim"), "{id}: the description states its claim first");
            assert!(preset.description.len() > 200, "{id}: and says what to look at");
        }
    }

    #[test]
    fn every_file_in_presets_dir_is_bundled() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
        let entries = std::fs::read_dir(dir).map(|d| d.flatten().count()).unwrap_or(0);
        assert_eq!(entries, BUNDLED.len(), "presets/ and BUNDLED disagree");
    }

    pub(super) const GOOD: &str = "version = 1\nname = \"x\"\ndescription = \"d\"\nbackends = [\"threads\", \"event-loop\"]\n\
        [workload]\nkind = \"sleep\"\nsize = 10\n[run]\ntasks = 100\nworkers = 4\n[run.workers_for]\nevent-loop = 100\n";

    #[test]
    fn per_backend_workers_apply() {
        let preset = parse("x", PresetSource::Bundled, GOOD);
        let configs = preset.map(|p| p.configs()).unwrap_or_default();
        let workers: Vec<u64> = configs.iter().map(|c| c.workers).collect();
        assert_eq!(workers, vec![4, 100]);
    }

    #[test]
    fn a_sweep_preset_runs_every_point_and_names_a_bad_one() {
        let sweep = format!("{GOOD}[sweep]\nvary = \"workers\"\nvalues = [1, 2, 4]\n");
        let preset = parse("x", PresetSource::Bundled, &sweep).expect("valid");
        let runs: Vec<(BackendKind, u64)> = preset.runs().iter().map(|c| (c.backend, c.workers)).collect();
        assert_eq!(runs.len(), 6, "3 values × 2 backends");
        assert_eq!(runs[..2], [(BackendKind::Threads, 1), (BackendKind::EventLoop, 1)]);
        let msg = error_of(&format!("{GOOD}[sweep]\nvary = \"cores\"\nvalues = [1, 2]\n"));
        assert_eq!(msg, "bad.toml: sweep: unknown parameter 'cores' (expected one of: workers, tasks, size)");
        let msg = error_of(&format!("{GOOD}[sweep]\nvary = \"workers\"\nvalues = [1, 2000]\n"));
        assert!(msg.starts_with("bad.toml: sweep point workers = 2000 on threads: workers must be between"), "{msg}");
    }

    pub(super) fn error_of(text: &str) -> String {
        parse("bad", PresetSource::File(PathBuf::from("bad.toml")), text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn typo_names_file_line_and_column() {
        let msg = error_of(&GOOD.replace("tasks = 100", "taks = 100"));
        assert!(msg.starts_with("bad.toml: "), "{msg}");
        assert!(msg.contains("line 9, column 1"), "{msg}");
        assert!(msg.contains("unknown field `taks`"), "{msg}");
    }

    #[test]
    fn wrong_type_and_syntax_are_reported() {
        let msg = error_of(&GOOD.replace("tasks = 100", "tasks = \"many\""));
        assert!(msg.contains("line 9"), "{msg}");
        let msg = error_of(&GOOD.replace("[run]", "[run"));
        assert!(msg.contains("line 8"), "{msg}");
    }

    #[test]
    fn out_of_range_names_backend_field_bound_value() {
        let msg = error_of(&GOOD.replace("workers = 4", "workers = 0"));
        assert_eq!(msg, "bad.toml: backend threads: workers must be between 1 and 1024 for the threads backend, got 0");
    }

    #[test]
    fn unknown_backend_is_refused() {
        let msg = error_of(&GOOD.replace("\"threads\",", "\"fibers\","));
        assert!(msg.contains("unknown variant `fibers`"), "{msg}");
    }
}
