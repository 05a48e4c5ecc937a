//! Finding and identifying the user's Python: a path if one is given; else the interpreter of
//! the virtual environment the lab runs from (installed by pipx, `uv tool` or pip into a venv,
//! whose extras put the optional backends' packages there), else `python3` on PATH. Asked for
//! its version, build and multiprocessing start methods by a short probe. The probe is
//! written so that any Python (2.7 included) can run it, so an old interpreter is named with
//! its version rather than failing on syntax. Errors name the path that was tried.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::sys;

mod venv;

pub use venv::{DefaultPython, default_python, venv_python};

/// What is run when no interpreter is named.
pub const DEFAULT_PYTHON: &str = "python3";
/// The oldest Python the harness supports.
pub const MIN_VERSION: (u32, u32) = (3, 8);
/// How long the probe may take (a cold interpreter on a busy machine is slow, but not this slow).
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);
const PROBE_MARK: &str = "concurrency-lab-probe ";

/// Python 2 and 3 alike: one marked JSON line with what the lab needs to know.
const PROBE: &str = r#"
import sys, json, platform
info = {"version": platform.python_version(), "implementation": platform.python_implementation(),
        "major": sys.version_info[0], "minor": sys.version_info[1], "executable": sys.executable,
        "free_threaded": False, "start_methods": [], "default_start_method": None, "aiohttp": False}
try:
    import sysconfig
    info["free_threaded"] = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
except Exception:
    pass
try:
    import multiprocessing
    info["start_methods"] = multiprocessing.get_all_start_methods()
    info["default_start_method"] = multiprocessing.get_start_method()
except Exception:
    pass
try:
    import importlib.util
    info["aiohttp"] = importlib.util.find_spec("aiohttp") is not None
except Exception:
    pass
sys.stdout.write("concurrency-lab-probe " + json.dumps(info) + "\n")
"#;

/// How a process pool starts its workers (Python's multiprocessing start methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartMethod {
    Fork,
    Spawn,
    Forkserver,
}

impl StartMethod {
    pub const ALL: [StartMethod; 3] = [Self::Fork, Self::Spawn, Self::Forkserver];

    pub fn name(self) -> &'static str {
        match self {
            Self::Fork => "fork",
            Self::Spawn => "spawn",
            Self::Forkserver => "forkserver",
        }
    }
}

impl std::fmt::Display for StartMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for StartMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown start method '{s}' (expected one of: fork, spawn, forkserver)"))
    }
}

/// A Python interpreter that answered the probe.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Interpreter {
    /// The file to run: the interpreter's own `sys.executable` (so a pyenv shim or a wrapper
    /// script is not paid for on every run), or the path that was found.
    #[serde(rename = "executable")]
    pub executable: PathBuf,
    /// "CPython", "PyPy".
    pub implementation: String,
    /// "3.11.7", "3.14.0rc1".
    pub version: String,
    pub major: u32,
    pub minor: u32,
    /// A free-threaded build (3.13t and later): the lab runs it with the GIL off.
    pub free_threaded: bool,
    pub start_methods: Vec<String>,
    pub default_start_method: Option<String>,
    /// Whether `aiohttp` can be imported (python-asyncio then uses it for `http`).
    pub aiohttp: bool,
}

impl Interpreter {
    /// "CPython 3.11.7" or "CPython 3.14.0 free-threaded, GIL off".
    pub fn label(&self) -> String {
        label(&self.implementation, &self.version, self.free_threaded, !self.free_threaded)
    }

    /// Interpreter options the lab passes: a free-threaded build runs with the GIL off
    /// (`-X gil=0` wins over a `PYTHON_GIL` in the environment; on other builds it is an error).
    pub fn options(&self) -> Vec<&'static str> {
        if self.free_threaded { vec!["-X", "gil=0"] } else { Vec::new() }
    }

    /// Whether `method` is available here, with the reason when it is not.
    pub fn check_start_method(&self, method: StartMethod) -> Result<(), String> {
        if self.start_methods.iter().any(|m| m == method.name()) {
            Ok(())
        } else {
            Err(format!(
                "start method {method} is not available in {} (it offers: {})",
                self.label(),
                self.start_methods.join(", ")
            ))
        }
    }
}

/// "CPython 3.11.7", "CPython 3.14.0 free-threaded, GIL off".
pub fn label(implementation: &str, version: &str, free_threaded: bool, gil_enabled: bool) -> String {
    let build = match (free_threaded, gil_enabled) {
        (false, _) => "",
        (true, false) => " free-threaded, GIL off",
        (true, true) => " free-threaded, GIL on",
    };
    format!("{implementation} {version}{build}")
}

/// Why no usable interpreter was found. Every message names what was tried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterpreterError {
    #[error("{tried}: not found on PATH")]
    NotOnPath { tried: String },
    #[error("{tried}: no such file")]
    NoSuchFile { tried: String },
    #[error("{tried}: could not run it: {reason}")]
    CannotRun { tried: String, reason: String },
    #[error("{tried} is not a Python interpreter (it did not answer the lab's probe{detail})")]
    NotPython { tried: String, detail: String },
    #[error("{tried} is Python {version}; the Python backends need Python {}.{} or newer", MIN_VERSION.0, MIN_VERSION.1)]
    TooOld { tried: String, version: String },
    #[error("{tried} did not answer the lab's probe within {} s", PROBE_TIMEOUT.as_secs())]
    Timeout { tried: String },
}

/// What `--python` names, or the default ([`default_python`]).
pub fn requested(path: Option<&Path>) -> PathBuf {
    path.map_or_else(|| default_python().path, Path::to_path_buf)
}

/// Finds the interpreter `requested` names (a bare name is looked up on PATH) and probes it.
pub fn detect(requested: &Path) -> Result<Interpreter, InterpreterError> {
    let tried = requested.display().to_string();
    let path = locate(requested)?;
    let mut command = Command::new(&path);
    command.args(["-c", PROBE]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Never let a PYTHON_GIL meant for another build stop the probe at start-up.
    command.env_remove("PYTHON_GIL");
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child =
        command.spawn().map_err(|e| InterpreterError::CannotRun { tried: tried.clone(), reason: e.to_string() })?;
    let output = wait_output(child).ok_or_else(|| InterpreterError::Timeout { tried: tried.clone() })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(json) = stdout.lines().find_map(|line| line.strip_prefix(PROBE_MARK)) else {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said.trim().lines().last().unwrap_or_default();
        // A program that echoes its arguments (`ls`, `echo`) would quote the probe back: skip it.
        let echoed = said.contains("import sys");
        let detail = if said.is_empty() || echoed { String::new() } else { format!("; it said: {said:.200}") };
        return Err(InterpreterError::NotPython { tried, detail });
    };
    let mut interpreter: Interpreter = serde_json::from_str(json)
        .map_err(|e| InterpreterError::NotPython { tried: tried.clone(), detail: format!("; its answer: {e}") })?;
    if (interpreter.major, interpreter.minor) < MIN_VERSION {
        return Err(InterpreterError::TooOld { tried, version: interpreter.version });
    }
    if interpreter.executable.as_os_str().is_empty() || !interpreter.executable.is_file() {
        interpreter.executable = path;
    }
    Ok(interpreter)
}

/// A path as given (when it has a directory part), else the first executable of that name
/// on PATH.
fn locate(requested: &Path) -> Result<PathBuf, InterpreterError> {
    let tried = requested.display().to_string();
    if requested.components().count() > 1 || requested.is_absolute() {
        return if requested.exists() {
            Ok(requested.to_path_buf())
        } else {
            Err(InterpreterError::NoSuchFile { tried })
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(requested))
        .find(|candidate| is_executable(candidate))
        .ok_or(InterpreterError::NotOnPath { tried })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The probe's output, or `None` (and the probe's process group killed) after the timeout.
fn wait_output(mut child: std::process::Child) -> Option<std::process::Output> {
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = sys::kill_process_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_build_and_gil() {
        assert_eq!(label("CPython", "3.11.7", false, true), "CPython 3.11.7");
        assert_eq!(label("CPython", "3.14.0", true, false), "CPython 3.14.0 free-threaded, GIL off");
        assert_eq!(label("CPython", "3.13.1", true, true), "CPython 3.13.1 free-threaded, GIL on");
    }

    #[test]
    fn start_methods_parse_by_name() {
        for method in StartMethod::ALL {
            assert_eq!(method.name().parse::<StartMethod>(), Ok(method));
        }
        assert!("vfork".parse::<StartMethod>().is_err_and(|e| e.contains("fork, spawn, forkserver")));
    }

    #[test]
    fn missing_interpreters_name_what_was_tried() {
        let err = detect(Path::new("no-such-python-for-the-lab")).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("no-such-python-for-the-lab: not found on PATH"));
        let err = detect(Path::new("/no/such/python3")).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("/no/such/python3: no such file"));
    }

    #[cfg(unix)]
    #[test]
    fn a_program_that_is_not_python_is_named() {
        let err = detect(Path::new("/bin/true")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("/bin/true is not a Python interpreter"), "{err}");
    }

    #[test]
    fn free_threaded_builds_run_with_the_gil_off() {
        let mut python = Interpreter {
            executable: PathBuf::from("/usr/bin/python3.14t"),
            implementation: "CPython".into(),
            version: "3.14.0".into(),
            major: 3,
            minor: 14,
            free_threaded: true,
            start_methods: vec!["fork".into(), "spawn".into(), "forkserver".into()],
            default_start_method: Some("forkserver".into()),
            aiohttp: false,
        };
        assert_eq!(python.options(), ["-X", "gil=0"]);
        assert_eq!(python.label(), "CPython 3.14.0 free-threaded, GIL off");
        python.free_threaded = false;
        assert!(python.options().is_empty());
        python.start_methods = vec!["spawn".into()];
        let err = python.check_start_method(StartMethod::Fork).err().unwrap_or_default();
        assert!(err.contains("start method fork is not available") && err.contains("spawn"), "{err}");
    }
}
