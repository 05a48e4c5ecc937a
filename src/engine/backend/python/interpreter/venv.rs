//! The default interpreter when `--python` names none: the virtual environment the lab runs
//! from, when it runs from one (pipx, `uv tool`, `pip install` into a venv: the environment
//! that `concurrency-lab[all]` filled with the optional backends' packages), else `python3` on
//! PATH. Decided from the executable's path alone, without running anything.

use std::path::{Path, PathBuf};

use super::{DEFAULT_PYTHON, is_executable};

/// The interpreter run when none is named, and why that one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultPython {
    pub path: PathBuf,
    /// The virtual environment the lab runs from, when that is where `path` is.
    pub venv: Option<PathBuf>,
}

impl DefaultPython {
    /// "/home/me/.local/pipx/venvs/concurrency-lab/bin/python3 (the virtual environment the
    /// lab is installed in)", or "python3 on PATH".
    pub fn describe(&self) -> String {
        match &self.venv {
            Some(_) => format!("{} (the virtual environment the lab is installed in)", self.path.display()),
            None => format!("{} on PATH", self.path.display()),
        }
    }
}

/// The default interpreter for this process: [`venv_python`] of the running executable, else
/// [`DEFAULT_PYTHON`] on PATH.
pub fn default_python() -> DefaultPython {
    let exe = std::env::current_exe().ok();
    match exe.as_deref().and_then(venv_python) {
        Some((path, venv)) => DefaultPython { path, venv: Some(venv) },
        None => DefaultPython { path: PathBuf::from(DEFAULT_PYTHON), venv: None },
    }
}

/// When `exe` sits in a virtual environment's `bin/` (`VENV/pyvenv.cfg` exists, as pipx, `uv
/// tool`, `python -m venv` and virtualenv make it), that environment's `python3` (or `python`)
/// beside it, and the environment. The path is kept as it is, never resolved: a venv's
/// interpreter is a symlink to the base one, and only run by its venv path does it see the
/// venv's packages.
pub fn venv_python(exe: &Path) -> Option<(PathBuf, PathBuf)> {
    let bin = exe.parent()?;
    let venv = bin.parent()?;
    if !venv.join("pyvenv.cfg").is_file() {
        return None;
    }
    ["python3", "python"].iter().map(|name| bin.join(name)).find(|p| is_executable(p)).map(|p| (p, venv.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::super::requested;
    use super::*;

    /// A venv as `python -m venv` lays it out: `pyvenv.cfg`, `bin/python3` (a symlink), the
    /// lab's executable in `bin/`.
    #[cfg(unix)]
    fn fake_venv(root: &Path, interpreters: &[&str], cfg: bool) -> std::io::Result<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin)?;
        if cfg {
            std::fs::write(root.join("pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\n")?;
        }
        let exe = bin.join("concurrency-lab");
        std::fs::write(&exe, "")?;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755))?;
        for name in interpreters {
            std::os::unix::fs::symlink(&exe, bin.join(name))?;
        }
        Ok(exe)
    }

    #[cfg(unix)]
    #[test]
    fn a_venv_s_own_python3_is_the_default_unresolved() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let venv = dir.path().join("venvs").join("concurrency-lab");
        let exe = fake_venv(&venv, &["python", "python3"], true)?;
        let (python, found) = venv_python(&exe).ok_or_else(|| std::io::Error::other("no venv found"))?;
        // python3 before python, and the symlink's own path (not what it points to).
        assert_eq!(python, venv.join("bin").join("python3"));
        assert_eq!(found, venv);
        let default = DefaultPython { path: python.clone(), venv: Some(found) };
        assert!(default.describe().starts_with(&python.display().to_string()), "{}", default.describe());
        assert!(default.describe().contains("virtual environment"), "{}", default.describe());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_venv_with_only_python_uses_it() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let exe = fake_venv(dir.path(), &["python"], true)?;
        assert_eq!(venv_python(&exe).map(|(p, _)| p), Some(dir.path().join("bin").join("python")));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn no_venv_means_python3_on_path() -> std::io::Result<()> {
        // A bin/ with a python3 but no pyvenv.cfg above it: /usr/bin, ~/.local/bin.
        let dir = tempfile::tempdir()?;
        let exe = fake_venv(dir.path(), &["python3"], false)?;
        assert_eq!(venv_python(&exe), None);
        // A venv whose interpreters are gone (a broken pipx environment).
        let other = tempfile::tempdir()?;
        let exe = fake_venv(other.path(), &[], true)?;
        assert_eq!(venv_python(&exe), None);
        assert_eq!(venv_python(Path::new("concurrency-lab")), None);
        let path_default = DefaultPython { path: PathBuf::from(DEFAULT_PYTHON), venv: None };
        assert_eq!(path_default.describe(), "python3 on PATH");
        Ok(())
    }

    #[test]
    fn a_named_interpreter_wins_over_the_default() {
        assert_eq!(requested(Some(Path::new("/opt/py/bin/python3.12"))), PathBuf::from("/opt/py/bin/python3.12"));
        assert_eq!(requested(None), default_python().path);
    }
}
